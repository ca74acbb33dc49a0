"""An NF-e's recipient is the customer it was generated for. When a person replaces an order's customer, an NF-e
of that order still pending, awaiting SEFAZ or authorised would name someone the order no longer shows (and a
pending one would be authorised so). A handler of the sales event `CustomerLinked`, in the linking's own
transaction: refusing raises, and the link is rolled back with the reason and what to do."""

from __future__ import annotations

from lojasync.fiscal.errors import RecipientFixedByInvoice
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.sales.events import CustomerLinked


def customer_replaced(event: CustomerLinked, uow: ProcessingUnitOfWork) -> None:
    if event.previous_customer is None:
        return   # an order without a customer has no NF-e (it cannot be generated without one)
    invoice = uow.invoices.active_for_order(event.order.id)
    if invoice is not None:
        raise RecipientFixedByInvoice(order_number=event.order.id, document=invoice.label,
                                      status=invoice.status.label)
