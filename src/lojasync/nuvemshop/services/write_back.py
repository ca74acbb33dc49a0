"""What the store must be told, decided by handlers of the domain events that cause it.

They run inside the use case's transaction (the bus runs before the commit) and only write store update
rows; the worker pushes them after the commit (`push_updates`). So an approval that rolls back leaves
nothing to push, and one that commits cannot lose its update to a crash.

Only products whose stock the ERP manages (counted at least once) are written back: the ERP's ledger starts
at zero, so the balance of a product never counted says nothing about the shelf, and the store keeps its
own stock for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from lojasync.fiscal.events import DocumentCancelled, DocumentEvent, InvoiceAuthorised, InvoiceCancelled
from lojasync.fiscal.invoices import Invoice, InvoiceStatus
from lojasync.nuvemshop.model.store_updates import StockTarget
from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.sales.events import TrackingRecorded
from lojasync.stock.adjustments import StockAdjusted
from lojasync.stock.counts import StockCounted

# The lookups below read what earlier transactions wrote (counts, bindings): they need not flush the
# approval's own pending rows first; the commit flushes them once anyway. Measured on
# benchmarks/invoice_throughput.py: a flush per lookup plus an upsert compiled each time cost ~15% (35 vs 42
# NF-e/s); without both, no difference shows.


def stock_moved(event: DocumentEvent, uow: ConnectorUnitOfWork) -> None:
    """An approval or a cancellation moved its lines' stock: their variants must get the new balance."""
    with uow.no_autoflush():
        moved = {line.product_id for line in event.document.lines if line.product_id is not None}
        if isinstance(event, DocumentCancelled):
            # Another document of the order still standing has its effects written by this cancellation
            # (`fiscal.effects.reverse_effects`): its lines moved too (they may name products the other lacks).
            standing = uow.documents.active_for_order(event.order.id)
            if standing is not None:
                moved.update(line.product_id for line in standing.lines if line.product_id is not None)
        want_stock(uow, uow.products.counted(moved))


def stock_set_by_hand(event: StockCounted | StockAdjusted, uow: ConnectorUnitOfWork) -> None:
    """A count (the product managed by the ERP from then on) or an entrada or saída of a managed product: the store
    gets the new balance."""
    with uow.no_autoflush():
        want_stock(uow, [event.product_id])


def want_stock(uow: ConnectorUnitOfWork, managed: Iterable[int]) -> None:
    """The variants bound to these managed products must get their balance (read when pushed)."""
    uow.store_updates.want_stock([_target(b) for b in uow.bindings.products_for(managed)], _now())


def _target(binding) -> StockTarget:
    return StockTarget(binding.store_id, binding.external_variant_id, binding.external_product_id, binding.product_id)


# How far the store's clock and ours may disagree: a push that landed up to this long before an order was
# placed (by the store's clock) is still taken as one that may not have known it.
CLOCK_SKEW = timedelta(minutes=2)


def orders_arrived(uow: ConnectorUnitOfWork, store_id: int, placed: Iterable[tuple[datetime | None, int]]) -> None:
    """New orders from store `store_id` reserve units of managed products: (placed_at, product id) per line.

    The store where an order was placed took the units off its own stock, so it is told nothing, except when
    a push of the variant landed after the order was placed: that push was worked out before this import
    (webhooks and the reconciliation arrive seconds to minutes late) and wrote back the units the store had
    just taken off, so it must be pushed again. So must a variant whose push is pending: it may be in flight
    right now, worked out without this order; asking again bumps the row's revision, so the push in flight
    does not mark it done and the next one sends the stock with this order reserved. So must a variant never
    sent (bound after the product was counted, by this order): the store's own number is not the ERP's. Every
    other store selling the product is told at once: the ERP's stock is one for all stores, and the order made
    less of it available to them too.
    """
    earliest: dict[int, datetime | None] = {}   # per product; None (an order without a date) wins
    for placed_at, product_id in placed:
        known = earliest.get(product_id, placed_at)
        earliest[product_id] = None if known is None or placed_at is None else min(known, placed_at)
    if not earliest:
        return
    with uow.no_autoflush():
        managed = uow.products.counted(earliest)
        if not managed:
            return
        variants = uow.bindings.products_for(managed)
        own = [b.external_variant_id for b in variants if b.store_id == store_id]
        states = uow.store_updates.stock_push_states(store_id, own) if own else {}
    targets = []
    for binding in variants:
        if binding.store_id == store_id and not _may_have_raced(states.get(binding.external_variant_id),
                                                                earliest[binding.product_id]):
            continue
        targets.append(_target(binding))
    uow.store_updates.want_stock(targets, _now())


def stock_may_differ(uow: ConnectorUnitOfWork, product_ids: Iterable[int]) -> None:
    """What the stores show of these products may no longer be the ERP's available: an order the store edited or
    cancelled reserves other units now, or the store moved its own count on an order the back office processed
    (a cancellation that restocked). Every store selling a managed one is sent the ERP's available again, the
    store where it happened included."""
    with uow.no_autoflush():
        managed = uow.products.counted(product_ids)
        if managed:
            want_stock(uow, managed)


def _may_have_raced(state: tuple[bool, datetime | None] | None, placed_at: datetime | None) -> bool:
    if state is None:
        # Never sent: the product's count reached no variant of this store (it was bound after the count, by
        # this very order): the store's own number is not the ERP's, so it is sent now.
        return True
    pending, last_push = state
    if pending:
        return True
    if last_push is None:
        return False
    # No date on the order: it cannot be told apart from a raced one, so it is pushed again.
    return placed_at is None or last_push >= placed_at - CLOCK_SKEW


def invoice_authorised(event: InvoiceAuthorised, uow: ConnectorUnitOfWork) -> None:
    """The access key goes to the store order (orders that did not come from a store have none to get it)."""
    if event.order.is_processed():
        # Another document processes the order (this NF-e authorised by SEFAZ after it was discarded here): the store
        # order keeps that one's key, or none for a venda simples; this one's goes there once it is the order's.
        return
    with uow.no_autoflush():  # the upsert too: through the session it would flush the approval first
        uow.store_updates.want_invoice_key_of_order(event.order.id, event.access_key, _now())


def tracking_recorded(event: TrackingRecorded, uow: ConnectorUnitOfWork) -> None:
    """The store order is marked shipped with the tracking code (orders that came from no store: nothing)."""
    with uow.no_autoflush():   # the order's new code is read from the order when pushed, after the commit
        uow.store_updates.want_tracking_of_order(event.order.id, event.code, _now())


def document_cancelled(event: DocumentCancelled, uow: ConnectorUnitOfWork) -> None:
    """A cancelled NF-e's key must not stay on the store order as if it were valid; an authorised NF-e of the order
    still standing (`fiscal.effects.reverse_effects`) is the one whose key the store order shows now."""
    with uow.no_autoflush():
        standing = uow.documents.active_for_order(event.order.id)
        if isinstance(standing, Invoice) and standing.status is InvoiceStatus.AUTHORISED:
            uow.store_updates.want_invoice_key_of_order(event.order.id, standing.access_key, _now())
        elif isinstance(event, InvoiceCancelled):
            origin = uow.bindings.order_ref(event.order.id)
            if origin is not None:
                uow.store_updates.withdraw_invoice_key(*origin, _now())


def _now() -> datetime:
    return datetime.now(timezone.utc)
