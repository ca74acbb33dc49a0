"""An NF-e's recipient is the customer it was generated for. When a person replaces an order's customer, an NF-e
of that order still pending, awaiting SEFAZ or authorised would name someone the order no longer shows (and a
pending one would be authorised so). A handler of the sales event `CustomerLinked`, in the linking's own
transaction: refusing raises, and the link is rolled back with the reason and what to do."""

from __future__ import annotations

from lojasync.fiscal.errors import RecipientFixedByInvoice
from lojasync.fiscal.invoices import InvoiceStatus
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.sales.events import CustomerLinked


def customer_replaced(event: CustomerLinked, uow: ProcessingUnitOfWork) -> None:
    invoice = uow.invoices.active_for_order(event.order.id)
    if invoice is None:
        return
    # No customer before (or the same one linked again): an order has an NF-e and no customer only once the buyer's
    # data were erased after it was generated (LGPD). A pending or rejected one is built anew, naming the customer
    # linked now, when it is transmitted. One awaiting SEFAZ is not: SEFAZ may hold it as it was signed, and one
    # SEFAZ never got goes back to pending with that XML, which a link made meanwhile kept, erased e-mail and phone
    # included, and sent (review): nobody links a customer until SEFAZ answers.
    if event.previous_customer is not None or invoice.status is InvoiceStatus.AWAITING:
        raise RecipientFixedByInvoice(order_number=event.order.id, document=invoice.label,
                                      status=invoice.status.label)
