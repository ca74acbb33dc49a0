"""Venda simples: generate from an order, confirm (stock and receivables, once), cancel (reversed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from lojasync.fiscal.documents import same_sale
from lojasync.fiscal.errors import (
    OrderCancelledInStore,
    OrderChangedSinceGenerated,
    OrderNeedsReread,
    SaleChangedMeanwhile,
    SaleNotFound,
)
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.services.documents import order_to_process, refuse_second_document
from lojasync.fiscal.services.views import SaleView, sale_view
from lojasync.fiscal.simple_sales import SaleStatus, SimpleSale
from lojasync.sales.history import Actor, Who
from lojasync.sales.status import OrderStatus

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def generate_sale(uow: ProcessingUnitOfWork, order_number: int, actor: Who = Actor.OPERATOR) -> SaleView:
    """A pending venda simples with the order's lines; nothing moves yet."""
    with uow:
        order, lines = order_to_process(uow, order_number, "a venda simples")
        sale = SimpleSale(order, lines)
        uow.simple_sales.add(sale)
        uow.flush()  # the sale's number, for the history
        sale.generated(order, actor)
        uow.commit()
        return sale_view(sale, order)


def confirm_sale(uow: ProcessingUnitOfWork, sale_id: int, actor: Who = Actor.OPERATOR,
                 now: Clock = _now) -> tuple[SaleView, bool]:
    """Confirm: stock down and receivables created in this transaction. Returns the sale and whether
    this call confirmed it (False: it already was; nothing moved twice)."""
    with uow:
        sale = _sale(uow, sale_id)
        # Locked: an import of the same order waits, then sees it processed (rule 7).
        order = uow.orders.get(sale.order_id, for_update=True)
        if sale.status is SaleStatus.PENDING:
            if order.status is OrderStatus.CANCELLED:
                raise OrderCancelledInStore(order_number=order.id, document=sale.label, sale_id=sale.id)
            if order.waits_for_a_reread:
                # The store changed the order while another document stood (its change held back): the order here,
                # and so the comparison below, is the old sale. Confirmed, it issued what the store no longer sells.
                raise OrderNeedsReread(order_number=order.id, document=f"a {sale.label}")
            if not same_sale(sale, order):
                raise OrderChangedSinceGenerated(order_number=order.id, document=sale.label, sale_id=sale.id)
            if order.is_processed():   # an NF-e SEFAZ authorised late, after this sale was generated in its place
                refuse_second_document(uow, order)
        changed = sale.confirm(order, actor, now())
        uow.commit()
        return sale_view(sale, order), changed


def cancel_sale(uow: ProcessingUnitOfWork, sale_id: int, actor: Who = Actor.OPERATOR,
                now: Clock = _now, shown: SaleStatus | None = None) -> tuple[SaleView, bool]:
    """Cancel: when it was confirmed, the stock comes back and open receivables are cancelled. `shown`: the status
    the person saw (a page): a sale confirmed since is not cancelled on the word of a page that called it pending."""
    with uow:
        sale = _sale(uow, sale_id)
        if shown is not None and sale.status is not shown and sale.status is not SaleStatus.CANCELLED:
            raise SaleChangedMeanwhile(sale_id=sale.id, now=sale.status.label.lower(), shown=shown.label.lower())
        order = uow.orders.get(sale.order_id, for_update=True)
        changed = sale.cancel(order, actor, now())
        uow.commit()
        return sale_view(sale, order), changed


def _sale(uow: ProcessingUnitOfWork, sale_id: int) -> SimpleSale:
    # Locked: two confirmations at once queue here, and the second finds the sale confirmed.
    sale = uow.simple_sales.get(sale_id, for_update=True)
    if sale is None:
        raise SaleNotFound(sale_id=sale_id)
    return sale
