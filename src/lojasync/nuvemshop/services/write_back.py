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
from datetime import datetime, timezone

from lojasync.fiscal.events import DocumentEvent, InvoiceAuthorised, InvoiceCancelled
from lojasync.nuvemshop.model.store_updates import StockTarget
from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.stock.counts import StockCounted

# The lookups below read what earlier transactions wrote (counts, bindings): they need not flush the
# approval's own pending rows first; the commit flushes them once anyway. Measured on
# benchmarks/invoice_throughput.py: a flush per lookup plus an upsert compiled each time cost ~15% (35 vs 42
# NF-e/s); without both, no difference shows.


def stock_moved(event: DocumentEvent, uow: ConnectorUnitOfWork) -> None:
    """An approval or a cancellation moved its lines' stock: their variants must get the new balance."""
    with uow.no_autoflush():
        managed = uow.products.counted({line.product_id for line in event.document.lines
                                        if line.product_id is not None})
        want_stock(uow, managed)


def stock_counted(event: StockCounted, uow: ConnectorUnitOfWork) -> None:
    with uow.no_autoflush():
        want_stock(uow, [event.product_id])   # counted now: managed by the ERP from this count on


def want_stock(uow: ConnectorUnitOfWork, managed: Iterable[int]) -> None:
    """The variants bound to these managed products must get their balance (read when pushed)."""
    targets = [StockTarget(b.store_id, b.external_variant_id, b.external_product_id, b.product_id)
               for b in uow.bindings.products_for(managed)]
    uow.store_updates.want_stock(targets, _now())


def invoice_authorised(event: InvoiceAuthorised, uow: ConnectorUnitOfWork) -> None:
    """The access key goes to the store order (orders that did not come from a store have none to get it)."""
    with uow.no_autoflush():
        origin = uow.bindings.order_ref(event.order.id)
    if origin is not None:
        uow.store_updates.want_invoice_key(*origin, event.access_key, _now())


def invoice_cancelled(event: InvoiceCancelled, uow: ConnectorUnitOfWork) -> None:
    """A cancelled NF-e's key must not stay on the store order as if it were valid."""
    with uow.no_autoflush():
        origin = uow.bindings.order_ref(event.order.id)
    if origin is not None:
        uow.store_updates.withdraw_invoice_key(*origin, _now())


def _now() -> datetime:
    return datetime.now(timezone.utc)
