"""Invoicing many orders in one run (Black Friday's morning after): each order in its own transactions, a
failure named and the run going on, a summary of what was authorised and what was not, and why."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.services.company import SecretBox
from lojasync.fiscal.services.invoices import Sefaz, approve_invoice, generate_invoice
from lojasync.fiscal.services.views import InvoiceView
from lojasync.sales.history import Actor
from lojasync.sales.status import OrderStatus
from lojasync.shared.errors import LojasyncError


@dataclass(frozen=True)
class BatchItem:
    order_number: int
    invoice: InvoiceView | None     # None when it could not even be generated
    error: str | None = None        # why it is not authorised (generation refused, SEFAZ's rejection...)


@dataclass
class BatchReport:
    items: list[BatchItem] = field(default_factory=list)

    @property
    def authorised(self) -> list[BatchItem]:
        return [i for i in self.items if i.invoice is not None and i.invoice.status == "authorised"]

    @property
    def not_authorised(self) -> list[BatchItem]:
        return [i for i in self.items if i.invoice is None or i.invoice.status != "authorised"]


def orders_to_invoice(uow: ProcessingUnitOfWork, status: OrderStatus) -> list[int]:
    """The orders in `status` that have no NF-e or sale yet (oldest first)."""
    with uow:
        orders = uow.orders.list(status=status)
        busy = {doc.order_id for doc in [*uow.invoices.list(), *uow.simple_sales.list()] if doc.is_active}
        return sorted(o.id for o in orders if o.id not in busy and not o.is_processed())


def invoice_orders(uow_factory: Callable[[], ProcessingUnitOfWork], box: SecretBox, sefaz: Sefaz,
                   order_numbers: Iterable[int], *, approve: bool = True, actor: Actor = Actor.OPERATOR,
                   progress: Callable[[BatchItem], None] | None = None) -> BatchReport:
    """Generate (and transmit, unless `approve` is False) an NF-e for each order."""
    report = BatchReport()
    for number in order_numbers:
        try:
            invoice = generate_invoice(uow_factory(), box, number, actor)
        except LojasyncError as exc:
            item = BatchItem(number, None, exc.message)
        else:
            item = BatchItem(number, invoice)
            if approve:
                try:
                    invoice, _ = approve_invoice(uow_factory(), box, sefaz, invoice.id, actor)
                    item = BatchItem(number, invoice, _rejection(invoice))
                except LojasyncError as exc:
                    item = BatchItem(number, invoice, exc.message)
        report.items.append(item)
        if progress is not None:
            progress(item)
    return report


def _rejection(invoice: InvoiceView) -> str | None:
    if invoice.status == "rejected":
        return f"rejeitada pela SEFAZ: {invoice.rejection_code} - {invoice.rejection_reason}"
    return None
