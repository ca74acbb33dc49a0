"""The documents generated from one order (its NF-e and vendas simples), for the order's page: which exists,
in which state, and whether another may be generated now."""

from __future__ import annotations

from dataclasses import dataclass

from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.services.views import InvoiceView, SaleView, invoice_view, sale_view
from lojasync.sales.errors import OrderNotFound


@dataclass(frozen=True)
class OrderDocuments:
    invoices: list[InvoiceView]     # oldest first: a discarded or cancelled NF-e stays listed
    sales: list[SaleView]
    # The document that keeps another from being generated (one per order), if any.
    active: InvoiceView | SaleView | None


def order_documents(uow: ProcessingUnitOfWork, order_number: int) -> OrderDocuments:
    """The NF-e and vendas simples of order `order_number`."""
    with uow:
        order = uow.orders.get(order_number, lines=False)
        if order is None:
            raise OrderNotFound(number=order_number)
        invoices = sorted(uow.invoices.for_order(order.id), key=lambda i: i.id)
        sales = sorted(uow.simple_sales.for_order(order.id), key=lambda s: s.id)
        invoice_views = [invoice_view(i, order) for i in invoices]
        sale_views = [sale_view(s, order) for s in sales]
        pairs = zip([*invoices, *sales], [*invoice_views, *sale_views], strict=True)
        active = next((view for document, view in pairs if document.is_active), None)
        return OrderDocuments(invoice_views, sale_views, active)
