"""Use cases of the worker's periodic jobs: who runs a round, which stores are due, what to purge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lojasync.nuvemshop.client.errors import PaymentRequiredError
from lojasync.nuvemshop.model.store_log import StoreLogType
from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.nuvemshop.services.lgpd.exports import purge_exports
from lojasync.sales.history import Actor
from lojasync.shared.errors import LojasyncError

# The minute's round every consumer schedules (`entrypoints.tasks`): the time a worker last ran it is the
# heartbeat of the workers, in the database every process reads.
HOUSEKEEPING = "housekeeping"
# Three rounds missed: a worker restarting, or a round late behind a long task, stays under it.
WORKER_SILENT_AFTER = timedelta(minutes=3)


@dataclass(frozen=True)
class WorkerSilence:
    """No worker has run the minute's round for a while (stopped, or too busy for it): webhooks are still recorded
    by `serve`, but nothing imports them, reconciles the stores, settles NF-e awaiting SEFAZ or sends a queued
    cancellation. `last_round_at` None: no worker has ever run it, with a store connected `since`."""

    last_round_at: datetime | None
    since: datetime

    def text(self, now: datetime) -> str:
        when = (f"há {elapsed_words(now - self.since)}" if self.last_round_at is not None
                else f"desde que a primeira loja foi conectada, há {elapsed_words(now - self.since)}")
        return (f"Nenhum worker do lojasync dá sinal {when} (parado, ou sem folga para a rotina de cada minuto): "
                "os webhooks da loja seguem guardados, mas nenhum pedido é importado, nenhuma NF-e aguardando a SEFAZ "
                "é conferida e nenhum cancelamento guardado é enviado até um worker voltar. Confira se o worker está "
                "no ar (ou o serviço do lojasync, quando o worker roda nele) e reinicie-o")


def worker_silence(uow: ConnectorUnitOfWork, now: datetime) -> WorkerSilence | None:
    """Whether the workers are silent now (see WorkerSilence); None when a worker ran the round lately, or when no
    store was connected long enough ago for one to have run it."""
    with uow:
        last = uow.periodic_runs.last_run(HOUSEKEEPING)
        if last is not None:
            return WorkerSilence(last, last) if now - last > WORKER_SILENT_AFTER else None
        connected = [s.created_at for s in uow.stores.list() if s.active and s.created_at is not None]
    first = min(connected, default=None)
    return WorkerSilence(None, first) if first is not None and now - first > WORKER_SILENT_AFTER else None


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
