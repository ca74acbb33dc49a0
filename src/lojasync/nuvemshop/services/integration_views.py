"""Read side and small operator actions of the Integração page: each connected store with its state, last sync
and how far behind the import is, and putting the updates the store refused back in the queue."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.model.store_updates import LATE_AFTER, UpdateStatus
from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.nuvemshop.services.leases import syncing
from lojasync.nuvemshop.services.stores import find_store, inactive_error
from lojasync.nuvemshop.services.sync_runs import LastSync, last_run
from lojasync.shared.utc import aware

# Counting pending notifications reads them; past this many the page says "more than" instead.
PENDING_SHOWN = 1000

_STATE_LABELS = {"active": "ativa", "paused": "suspensa na Nuvemshop", "attention": "precisa de atenção",
                 "inactive": "desativada"}
_PAUSED = ("A Nuvemshop suspendeu o app nesta loja: nada é importado até ela reativá-lo.",
           "Reative o app no painel da Nuvemshop; o lojasync retoma sozinho quando a loja avisar.")


@dataclass(frozen=True)
class StoreState:
    id: int
    external_id: str
    name: str | None
    api_url: str
    state: str                    # active, paused, attention, inactive
    state_label: str
    reason: str | None            # why it is not importing, for a person
    resolution: str | None
    attention_at: datetime | None
    last_sync_at: datetime | None
    sync_cursor: datetime | None  # the store's updated_at the sync reached
    interrupted_run: bool
    seconds_since_sync: float | None
    pending_events: int           # capped at PENDING_SHOWN + 1
    oldest_pending_at: datetime | None
    lag_seconds: float | None     # age of the oldest notification not imported yet (None: nothing waits)
    failed_events: int
    pending_updates: int
    failed_updates: int
    # Pending updates the store has been failing for over an hour (LATE_AFTER), and since when the oldest has.
    late_updates: int = 0
    late_since: datetime | None = None
    # The last sync that ended (its counts, or why it stopped); the one a person asked for, while it waits or runs
    # (since when it was asked); and whether a run holds the store now (an interrupted one does not).
    last_run: LastSync | None = None
    sync_requested_at: datetime | None = None
    sync_running: bool = False
    full_sync_requested: bool = False   # the request waits for a full sync (Sincronização completa)
    running_full: bool = False          # the run under way reads the whole store (a full one, or the first)

    @property
    def pending_events_capped(self) -> bool:
        return self.pending_events > PENDING_SHOWN

    def to_dict(self) -> dict:
        return asdict(self)


def store_states(uow: ConnectorUnitOfWork, now: datetime | None = None) -> list[StoreState]:
    """Every connected store with its state, last sync (and what it did), pending and failed notifications and store
    updates."""
    now = now or datetime.now(timezone.utc)
    # review (Black Friday volume): the counts are the database's. The page loaded every failed notification
    # (up to 100,000, bodies included), the first 1,001 pending ones of each store and every pending or refused
    # store update (3,000 NF-e keys waiting: one per NF-e) to count them in Python: 270 ms of a 300-400 ms page
    # with 1,800 failed and 600 pending notifications, and growing with the backlog it is there to show.
    with uow:
        failed = uow.webhook_events.failed_by_store()
        return [_state(uow, store, now, failed.get(store.id, 0)) for store in uow.stores.list()]


def _state(uow: ConnectorUnitOfWork, store: Store, now: datetime, failed_events: int) -> StoreState:
    if not store.active:
        error = inactive_error(uow, store)
        state, reason, resolution = "inactive", error.message, error.resolution
    elif store.needs_attention():
        state, reason, resolution = "attention", store.attention, store.attention_resolution
    elif store.paused:
        state, (reason, resolution) = "paused", _PAUSED
    else:
        state, reason, resolution = "active", None, None
    pending, oldest = uow.webhook_events.pending_summary(store.id, limit=PENDING_SHOWN + 1)
    oldest = aware(oldest)
    last_sync = aware(store.last_sync_at)
    updates = uow.store_updates.counts(store.id, [UpdateStatus.PENDING.value, UpdateStatus.FAILED.value])
    late, late_since = uow.store_updates.late_summary(store.id, now - LATE_AFTER)
    return StoreState(
        store.id, store.external_id, store.name, store.api_url, state, _STATE_LABELS[state], reason, resolution,
        aware(store.attention_at), last_sync, aware(store.sync_cursor), store.run_started_at is not None,
        max(0.0, (now - last_sync).total_seconds()) if last_sync else None, pending, oldest,
        max(0.0, (now - oldest).total_seconds()) if oldest else None, failed_events,
        updates.get(UpdateStatus.PENDING.value, 0), updates.get(UpdateStatus.FAILED.value, 0),
        late, aware(late_since),
        # A store disabled or suspended since the click: the worker skips it, and the box above says why.
        last_run(store), aware(store.sync_requested_at) if state in ("active", "attention") else None,
        # A sync holding the store (a drain or a push holds it too: review, taken for the sync running again).
        store.run_started_at is not None and syncing(uow.leases.live_holder(store.id, now)),
        store.full_sync_requested_at is not None, store.run_started_at is not None and store.run_since is None)


def retry_failed_updates(uow: ConnectorUnitOfWork, external_store_id: str | None,
                         now: datetime | None = None) -> tuple[int, int]:
    """Put the updates the store refused back in the queue (the worker sends them), and make those waiting for their
    next attempt due now, as `lojasync store push --failed` does; returns the store's id (to wake the worker) and how
    many refused ones went back."""
    moment = now or datetime.now(timezone.utc)
    with uow:
        store = find_store(uow, external_store_id)
        again = uow.store_updates.retry_failed(store.id, moment)
        # review: the page said "as pendentes foram enviadas ao worker", and those waiting (up to 10 minutes after
        # a store outage, listed "atrasada") kept waiting.
        uow.store_updates.due_now(store.id, moment)
        uow.commit()
        return store.id, again
