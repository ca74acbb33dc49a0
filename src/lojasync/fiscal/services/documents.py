"""What generating either document checks first: the order exists, is not cancelled, and has no other
active document (one NF-e or sale per order: a second would issue the stock twice)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lojasync.fiscal.documents import DocumentKind, lines_from_order
from lojasync.fiscal.errors import DocumentNotPossible, OrderAlreadyProcessing, OrderNeedsReread
from lojasync.fiscal.invoices import InvoiceStatus
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.simple_sales import SaleStatus
from lojasync.sales.errors import OrderNotFound
from lojasync.sales.orders import Order
from lojasync.sales.status import OrderStatus

CANCELLED_ORDER_RESOLUTION = ("Um pedido cancelado não gera NF-e nem venda simples; nada foi criado. Se a venda "
                              "continua, ela precisa de um pedido em aberto na loja.")


@dataclass(frozen=True)
class OrdersRead:
    """Orders read and locked together (a batch's group of documents), with the active document of each that has
    one (by order id): `order_to_process` then asks nothing more of the database."""

    orders: dict[int, Order]
    documents: dict[int, object]


def orders_for_processing(uow: ProcessingUnitOfWork, order_numbers: Iterable[int]) -> OrdersRead:
    orders = uow.orders.for_processing(order_numbers)
    return OrdersRead(orders, uow.documents.active_for_orders(orders))


def order_to_process(uow: ProcessingUnitOfWork, order_number: int, document: str, read: OrdersRead | None = None):
    """The order, locked, with its lines as a document's lines; refusals list every problem at once. `read`: the
    order read (and locked) beforehand with others, in this transaction."""
    order = read.orders.get(order_number) if read is not None else uow.orders.get(order_number, for_update=True)
    if order is None:
        raise OrderNotFound(number=order_number)
    refuse_second_document(uow, order, read.documents.get(order.id) if read is not None else _ASK)
    if order.waits_for_a_reread:
        raise OrderNeedsReread(order_number=order.id, document=document)
    lines, problems = lines_from_order(order)
    if order.status is OrderStatus.CANCELLED:
        # Nothing to correct here: the store cancelled the sale.
        raise DocumentNotPossible(document, order.id, ["o pedido está Cancelado", *problems],
                                  resolution=CANCELLED_ORDER_RESOLUTION)
    if problems:
        raise DocumentNotPossible(document, order.id, problems)
    return order, lines


_ASK = object()   # the order's active document is not known yet: asked


def refuse_second_document(uow: ProcessingUnitOfWork, order, existing=_ASK) -> None:
    if existing is _ASK:
        existing = uow.documents.active_for_order(order.id)
    if existing is not None:
        command = "invoices" if existing.kind is DocumentKind.NFE else "sales"
        raise OrderAlreadyProcessing(order_number=order.id, document=existing.label, status=existing.status.label,
                                     shown_by=f"lojasync {command} show {existing.id}",
                                     document_kind=existing.kind.value, document_id=existing.id,
                                     awaiting_sefaz=existing.status is InvoiceStatus.AWAITING,
                                     pending_nfe=existing.kind is DocumentKind.NFE
                                     and existing.status is InvoiceStatus.PENDING,
                                     rejected_nfe=existing.status is InvoiceStatus.REJECTED,
                                     rejection_code=existing.rejection_code
                                     if existing.kind is DocumentKind.NFE else None,
                                     settled=existing.status in _SETTLED)


# An active document that does, or may (awaiting SEFAZ's decision), stand for the sale: an order that has one is done
# for a batch run again. A pending NF-e too: what a run that only generates makes (a run that transmits sends it
# instead of refusing the order). A rejected or denied NF-e, a pending sale, are not: a person has something to do.
_SETTLED = frozenset({InvoiceStatus.AUTHORISED, InvoiceStatus.AWAITING, InvoiceStatus.PENDING, SaleStatus.CONFIRMED})

