"""An NF-e's recipient is the customer it was built for. When a person replaces an order's customer, an NF-e of that
order awaiting SEFAZ or authorised would name someone the order no longer shows; a pending or rejected one is built
anew when it is transmitted. A handler of the sales event `CustomerLinked`, in the linking's own transaction:
refusing raises, and the link is rolled back with the reason and what to do."""

from __future__ import annotations

from lojasync.fiscal.errors import CustomerWaitsForSefaz, RecipientFixedByInvoice
from lojasync.fiscal.invoices import InvoiceStatus
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.sales.events import CustomerLinked
from lojasync.shared.errors import LojasyncError


def customer_replaced(event: CustomerLinked, uow: ProcessingUnitOfWork) -> None:
    invoice = uow.invoices.active_for_order(event.order.id)
    if invoice is None:
        return
    refusal = link_refusal(event.order.id, event.previous_customer is not None, invoice.status, invoice.label,
                           invoice.status.label)
    if refusal is not None:
        raise refusal


def link_refusal(order_number: int, had_customer: bool, status: str, document: str, status_label: str
                 ) -> LojasyncError | None:
    """Why no customer may be linked to an order whose active NF-e (`document`, its label; `status`, an
    `InvoiceStatus` value) is so, or None: what the link refuses, and what the order's page says in place of its form.
    `had_customer`: the order has one (None or the same one linked again: False)."""
    # Pending (never sent) or rejected: built anew when it is transmitted, naming the customer the order has then, same
    # number (`services.invoices._claim`); refused, the buyer who wanted the NF-e in another CPF/CNPJ cost a discarded
    # NF-e and a number to void. An erasure (LGPD) that unlinked or anonymised the buyer is mended the same way.
    if status in (InvoiceStatus.PENDING, InvoiceStatus.REJECTED):
        return None
    # Awaiting SEFAZ: SEFAZ may hold it as it was signed, and one SEFAZ never got goes back to pending with that XML
    # (review: a customer linked meanwhile to an order the erasure had left without one made it look no longer
    # erased, and the NF-e was sent with the e-mail and phone the buyer asked to erase): nobody links a customer until
    # SEFAZ answers. Authorised: it stands for its customer.
    waits = not had_customer and status == InvoiceStatus.AWAITING
    refusal = (CustomerWaitsForSefaz if waits else RecipientFixedByInvoice)(
        order_number=order_number, document=document, status=status_label)
    # Awaiting SEFAZ, "espere a resposta" is a worker's (or a transmission's) to bring: said when none runs (the last
    # notes: only the erased buyer's refusal said so).
    refusal.left_to_worker = status == InvoiceStatus.AWAITING
    return refusal
