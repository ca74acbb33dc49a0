"""Use cases around the store updates queue: which stores have something to push, what is waiting or
failed (for a person), sending the failed ones again, and pushing from the terminal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone

from lojasync.nuvemshop.model.store_updates import StoreUpdate, UpdateKind, UpdateStatus
from lojasync.nuvemshop.ports import ClientFactory, ConnectorUnitOfWork
from lojasync.nuvemshop.services.push_updates import PushReport, push_store_updates
from lojasync.nuvemshop.services.stores import find_store
from lojasync.stock.views import product_reference

Clock = Callable[[], datetime]

_KIND_LABELS = {UpdateKind.STOCK: "estoque", UpdateKind.NFE_KEY: "chave da NF-e",
                UpdateKind.TRACKING: "código de rastreio"}
_STATUS_LABELS = {UpdateStatus.PENDING: "pendente", UpdateStatus.DONE: "enviada", UpdateStatus.FAILED: "com erro"}


@dataclass(frozen=True)
class UpdateView:
    id: int
    kind: str
    kind_label: str
    ref: str                  # the variant (stock) or the order (NF-e key, tracking) in the store
    subject: str | None       # what it is in the ERP: "Camiseta P (CAM-P)", "pedido 16"; None when unbound
    value: str | None         # NF-e key, tracking code; stock is read when pushed (sent_value: the last written)
    sent_value: str | None
    status: str
    status_label: str
    attempts: int
    error: str | None
    resolution: str | None
    updated_at: str
    failing_since: str | None   # since when the store has been answering it with an error (None: not failing)
    late: bool                  # pending, and failing for over an hour: a person should look

    def to_dict(self) -> dict:
        return asdict(self)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def stores_with_due_updates(uow: ConnectorUnitOfWork, now: datetime | None = None, kind: UpdateKind | None = None
                            ) -> list[int]:
    """Stores with updates to push now (of `kind` only, when given), among those the worker may call (active, not
    paused, not waiting for a person): what housekeeping and the commands that move stock hand to the queue."""
    with uow:
        due = set(uow.store_updates.stores_due(now or _now(), kind))
        return [s.id for s in uow.stores.list()
                if s.id in due and s.active and not s.paused and not s.needs_attention()]


def list_store_updates(uow: ConnectorUnitOfWork, external_store_id: str | None, include_done: bool = False,
                       now: datetime | None = None, limit: int = 200) -> list[UpdateView]:
    """What waits to be written to the store and what it refused (refused first, then newest; up to `limit`); with
    `include_done`, what was written too."""
    statuses = [UpdateStatus.PENDING, UpdateStatus.FAILED] + ([UpdateStatus.DONE] if include_done else [])
    with uow:
        store = find_store(uow, external_store_id)
        rows = uow.store_updates.list(store.id, [s.value for s in statuses], limit=limit)
        # The store's ids say nothing to an operator: each row also names the ERP's product or order.
        variants = uow.bindings.products_by_variant_ids(store.id, (r.ref for r in rows if r.kind == UpdateKind.STOCK))
        # The order numbers only (review, Black Friday volume: each order was loaded whole, lines and products).
        orders = uow.bindings.order_ids_by_external_ids(store.id,
                                                        (r.ref for r in rows if r.kind != UpdateKind.STOCK))
        moment = now or _now()
        return [_view(row, _subject(row, variants, orders), moment) for row in rows]


def waiting_elsewhere(uow: ConnectorUnitOfWork, external_store_id: str | None
                      ) -> tuple[str, list[tuple[str, bool, int]]]:
    """The store `list_store_updates` lists, and the others with updates waiting (pending or refused), as (id, active,
    how many): the store chosen when none is named leaves a disabled one out, and its storefront's stock waited
    unseen (multi-store review)."""
    statuses = [UpdateStatus.PENDING.value, UpdateStatus.FAILED.value]
    with uow:
        chosen = find_store(uow, external_store_id)
        found = []
        for store in uow.stores.list():
            if store.id != chosen.id:
                waiting = sum(uow.store_updates.counts(store.id, statuses).values())
                if waiting:
                    found.append((store.external_id, store.active, waiting))
        return chosen.external_id, found


def count_store_updates(uow: ConnectorUnitOfWork, external_store_id: str | None,
                        include_done: bool = False) -> dict[str, int]:
    """How many updates of each status `list_store_updates` would list, were it not cut (pending, failed, done)."""
    statuses = [UpdateStatus.PENDING, UpdateStatus.FAILED] + ([UpdateStatus.DONE] if include_done else [])
    with uow:
        return uow.store_updates.counts(find_store(uow, external_store_id).id, [s.value for s in statuses])


def _subject(row: StoreUpdate, variants: dict, orders: dict) -> str | None:
    if row.kind == UpdateKind.STOCK:
        product = getattr(variants.get(row.ref), "product", None)
        return f"{product.name} ({product_reference(product.sku, product.id)})" if product is not None else None
    order_id = orders.get(row.ref)
    return f"pedido {order_id}" if order_id is not None else None


def push_now(uow: ConnectorUnitOfWork, client_factory: ClientFactory, external_store_id: str | None,
             retry_failed: bool = False, now: Clock = _now) -> tuple[PushReport, int]:
    """Push the store's updates from the terminal, failed ones first put back when asked; returns the
    report and how many failed updates were put back."""
    with uow:
        store = find_store(uow, external_store_id)
        store_id = store.id
        again = uow.store_updates.retry_failed(store_id, now()) if retry_failed else 0
        # Those waiting for their next attempt go now too: after a store outage the command said "Enviadas: 0"
        # and exited 0, saying nothing of the updates waiting.
        uow.store_updates.due_now(store_id, now())
        uow.commit()
    report = push_store_updates(uow, client_factory, store_id, now=now)
    # Slice after slice, the store free in between (`push_updates.SLICE_SECONDS`): a person asked for all of them.
    while report.more and not report.busy and not report.error and report.retry_in is None:
        following = push_store_updates(uow, client_factory, store_id, now=now)
        if following.busy:   # another worker took the store between two slices: it pushes the rest
            break
        report = replace(following, pushed=report.pushed + following.pushed, failed=report.failed + following.failed,
                         unsent=report.unsent + following.unsent,
                         calls=report.calls + following.calls)
    return report, again


def _status_label(row: StoreUpdate, status: UpdateStatus) -> str:
    if status is UpdateStatus.DONE and row.kind == UpdateKind.STOCK.value and row.sent_value is None:
        return "encerrada sem envio"   # nothing to write: the variant unbound (gone from the store), or not managed
    return _STATUS_LABELS[status]


def _view(row: StoreUpdate, subject: str | None, now: datetime) -> UpdateView:
    kind, status = UpdateKind(row.kind), UpdateStatus(row.status)
    late = row.late(now)
    return UpdateView(row.id, row.kind, _KIND_LABELS[kind], row.ref, subject, row.value, row.sent_value,
                      row.status, "atrasada" if late else _status_label(row, status), row.attempts, row.last_error,
                      row.resolution, row.updated_at.isoformat(),
                      row.failing_since.isoformat() if row.failing_since else None, late)
