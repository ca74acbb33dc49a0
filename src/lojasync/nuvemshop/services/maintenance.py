"""Use cases of the worker's periodic jobs: who runs a round, which stores are due, what to purge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lojasync.fiscal.services.worker_work import fiscal_work_waiting
from lojasync.nuvemshop.client.errors import PaymentRequiredError
from lojasync.nuvemshop.model.store_log import StoreLogType
from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.nuvemshop.services.lgpd.exports import purge_exports
from lojasync.sales.history import Actor
from lojasync.shared.errors import LojasyncError

HOUSEKEEPING = "housekeeping"   # the minute's round every consumer schedules (`entrypoints.tasks`)
# Every running consumer (each `worker`, each `serve` with its worker) writes its time here every HEARTBEAT_EVERY,
# from a thread of its own: the round itself waits in the queue behind the tasks, and a worker busy with two long
# drains on Black Friday would read as a dead one (review).
HEARTBEAT = "worker-heartbeat"
HEARTBEAT_EVERY = timedelta(seconds=30)
# Six beats missed: a worker restarting stays under it.
WORKER_SILENT_AFTER = timedelta(minutes=3)


def record_heartbeat(uow: ConnectorUnitOfWork, now: datetime) -> None:
    """A consumer of this process is running now."""
    with uow:
        uow.periodic_runs.stamp(HEARTBEAT, now)
        uow.commit()


@dataclass(frozen=True)
class WorkerSilence:
    """No worker has given a sign of life for a while: webhooks are still recorded by `serve`, but nothing imports
    them, reconciles the stores, settles NF-e awaiting SEFAZ or sends a queued cancellation. `last_beat_at` None: no
    worker ever ran, with a store connected `since` (None: with no store, fiscal work waits). `stores`: an active
    store waits for the worker (False: only fiscal work, the stores disabled or removed)."""

    last_beat_at: datetime | None
    since: datetime | None
    stores: bool = True

    def text(self, now: datetime) -> str:
        if self.last_beat_at is not None:
            when = f" há {elapsed_words(now - self.last_beat_at)}"
        elif self.since is not None:
            when = f" desde que a loja foi conectada, há {elapsed_words(now - self.since)}"
        else:   # none ever ran, and no store waits for one: only fiscal work does
            when = ""
        undone = ("os webhooks da loja seguem guardados, mas nenhum pedido é importado, nenhuma NF-e aguardando a "
                  "SEFAZ é conferida e nenhum cancelamento guardado é enviado" if self.stores else
                  "nenhuma NF-e aguardando a SEFAZ é conferida, nenhum cancelamento guardado é enviado e nenhuma "
                  "inutilização pendente é reenviada")
        return (f"Nenhum worker do lojasync está no ar{when}: {undone} até um worker entrar no ar. Confira se o "
                "worker está no ar (ou o serviço do lojasync, quando o worker roda nele) e reinicie-o")


def worker_silence(uow: ConnectorUnitOfWork, now: datetime) -> WorkerSilence | None:
    """Whether the workers are silent now (see WorkerSilence); None while one beats, and while nothing needs one: no
    store active (connected, enabled) since long enough for a worker to have started, and no fiscal work waiting
    that long (`fiscal.services.worker_work`). With neither, a stopped worker leaves nothing undone (review: the
    banner stayed for ever after the last store was removed); with fiscal work only, it does (review: a cancellation
    queued after `store disable` waited for a worker nobody was told was stopped)."""
    before = now - WORKER_SILENT_AFTER
    with uow:
        connected = [s.created_at for s in uow.stores.list() if s.active and s.created_at is not None]
        first = min(connected, default=None)
        stores = first is not None and first < before
        if not stores and not fiscal_work_waiting(uow, before):
            return None
        last = uow.periodic_runs.last_run(HEARTBEAT)
    if last is None:
        return WorkerSilence(None, first if stores else None, stores)
    return WorkerSilence(last, last, stores) if last < before else None


def worker_beating(uow: ConnectorUnitOfWork, now: datetime) -> bool:
    """Whether a worker gave a sign of life within WORKER_SILENT_AFTER (a consumer beats as it starts): what a use
    case that leaves work to a worker tells its caller, at once, with or without a store connected."""
    with uow:
        last = uow.periodic_runs.last_run(HEARTBEAT)
    return last is not None and last >= now - WORKER_SILENT_AFTER


def elapsed_words(delta: timedelta) -> str:
    """A while in the words a person says it: "5 minutos", "2 h 10 min", "3 dias"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return "1 minuto" if minutes == 1 else f"{minutes} minutos"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h" + (f" {rest} min" if rest else "")
    return f"{minutes // (24 * 60)} dias"


@dataclass(frozen=True)
class DueWork:
    stores_to_sync: list[int]      # active stores whose last reconciliation is older than the interval
    stores_to_drain: list[int]     # stores with pending notifications (a dead worker may have left them)


def claim_round(uow: ConnectorUnitOfWork, name: str, now: datetime, every: timedelta) -> bool:
    """Whether this process runs periodic job `name` now: every consumer schedules the jobs, one runs each."""
    with uow:
        mine = uow.periodic_runs.claim_round(name, now, now - every)
        uow.commit()
        return mine


def due_work(uow: ConnectorUnitOfWork, now: datetime, reconcile_every: timedelta) -> DueWork:
    with uow:
        due_before = now - reconcile_every
        # A store that needs attention waits for a person: retrying a refused token every round only
        # fills the logs.
        stores = [s.id for s in uow.stores.list() if s.active and not s.paused and not s.needs_attention()
                  and (s.last_sync_at is None or s.last_sync_at < due_before)]
        return DueWork(stores, uow.webhook_events.stores_with_pending())


def paused_stores(uow: ConnectorUnitOfWork) -> list[int]:
    """Stores paused by a suspension: a late or lost webhook must not leave them paused for good."""
    with uow:
        return [s.id for s in uow.stores.list() if s.active and s.paused]


def syncable_store(uow: ConnectorUnitOfWork, store_id: int) -> str | None:
    """The platform id of a store a sync may run on now (active, not paused), or None."""
    with uow:
        store = uow.stores.get(store_id)
        if store is None or not store.active or store.paused:
            return None
        return store.external_id


def purge_old_records(uow: ConnectorUnitOfWork, before: datetime) -> int:
    """Processed notifications and LGPD exports older than the retention period; failed events stay."""
    with uow:
        purged = uow.webhook_events.purge_processed(before) + purge_exports(uow, before)
        uow.commit()
        return purged


def stop_for_attention(uow: ConnectorUnitOfWork, store_id: int, error: LojasyncError, now: datetime) -> bool:
    """A permanent error stopped the automatic sync: flag the store for a person (a suspension pauses it
    instead: the periodic recheck lifts that by itself). False when nothing new was flagged."""
    with uow:
        store = uow.stores.get(store_id)
        if store is None:
            return False
        if isinstance(error, PaymentRequiredError):
            changed = not store.paused
            store.paused = True
        else:
            changed = store.flag(error.code, error.message, error.resolution, now)
            if changed:
                uow.store_log.record(store.id, StoreLogType.NEEDS_ATTENTION, Actor.SYSTEM.value,
                                     {"code": error.code, "error": error.message, "resolution": error.resolution})
        uow.commit()
        return changed
