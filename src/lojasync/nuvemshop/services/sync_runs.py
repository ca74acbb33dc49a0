"""A store's last sync as a person reads it: when it ended and how its orders ended (the counts `lojasync sync`
prints), or why it stopped and what to do; and the sync a person asked for (Sincronizar agora) while it waits or runs.

The sync records it on the store row itself, whoever ran it (the worker, the terminal, the periodic reconciliation):
Sincronizar agora only queued the worker's sync, whose counts went to the worker's log, and a failure that did not
flag the store (the store down, a bug) only there too (gap: the operator who clicked the button never saw either).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.nuvemshop.services.outcomes import Outcome, outcome_label
from lojasync.shared.errors import LojasyncError
from lojasync.shared.utc import aware

# What a person does about the orders of each outcome that asks for something (the others need nothing).
OUTCOME_ADVICE = {
    Outcome.FAILED: ("O motivo de cada um está no Registro da loja; a próxima sincronização tenta de novo sozinha. "
                     "Corrija na loja o que o motivo apontar."),
    Outcome.ATTENTION: ("Pedidos já processados (NF-e ou venda) que mudaram na loja: a mudança não foi aplicada; "
                        "abra cada um em Pedidos/Orçamentos e decida."),
    Outcome.BEFORE_START: ("Criados na loja antes da data inicial dos pedidos (Configurações): para trazê-los, mude "
                           "a data inicial e use Sincronização completa."),
}
UNEXPECTED = ("A próxima conferência periódica tenta de novo. Se continuar, avise quem mantém o lojasync: o detalhe "
              "técnico está no log do lojasync.")


@dataclass(frozen=True)
class OutcomeCount:
    outcome: Outcome
    count: int
    label: str            # "criados", "anteriores à data inicial (não importados)"
    advice: str | None    # what to do about them, when something is to be done


@dataclass(frozen=True)
class LastSync:
    """The last sync that ended: its orders counted by outcome, and the error that stopped it (None: it finished)."""

    ended_at: datetime
    full: bool
    fetched: int
    counts: tuple[OutcomeCount, ...]
    error: str | None = None
    resolution: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


# A sync a person asked for that found the store busy (another worker draining its notifications, pushing its
# updates) is tried again by the worker for this long after the request; past it the page says it did not begin.
REQUEST_PATIENCE = timedelta(hours=1)


def request_sync(uow: ConnectorUnitOfWork, store_id: int, now: datetime, full: bool = False) -> None:
    """A person asked for a sync (the page queues it): the page says it waits until a sync begun since then ends, a
    full one for Sincronização completa (the periodic one is incremental: review, it answered a full request)."""
    with uow:
        store = uow.stores.get(store_id)
        if store is not None:
            store.sync_requested_at = now
            if full:
                store.full_sync_requested_at = now
            uow.commit()


def pending_request(uow: ConnectorUnitOfWork, store_id: int, full: bool) -> datetime | None:
    """When the request a run of this kind answers was made (a full run answers any; an incremental one, an
    incremental request only), or None when none waits: the worker's look again at a busy store stops there."""
    with uow:
        store = uow.stores.get(store_id)
        if store is None:
            return None
        return aware(store.full_sync_requested_at if full else store.sync_requested_at)


def record_finished(store: Store, full: bool, fetched: int, counts: Mapping[Outcome, int], started: datetime,
                    ended: datetime, resumed: bool = False) -> None:
    """In the transaction that moves the store's cursor: the run and its counts are recorded together; not over the
    result of a run that began after it (this one lost its lease where it does not look, retrying its failed orders,
    and the run that took the store over ended first: review)."""
    if _later_run_recorded(store, started):
        return
    _record(store, ended, started, {"full": full, "fetched": fetched, "counts": _counts(counts)}, resumed)


def record_failed(uow: ConnectorUnitOfWork, store_id: int, full: bool, fetched: int, counts: Mapping[Outcome, int],
                  started: datetime, ended: datetime, error: Exception, resumed: bool = False) -> None:
    """The run stopped on `error`: what it had read, and the error's words with what to do (a bug, in general words:
    its traceback is for the log). The database failing here too is left to the caller's error."""
    if isinstance(error, LojasyncError):
        words = {"error": error.message, "resolution": error.resolution, "code": error.code}
    else:
        words = {"error": f"Erro inesperado ({type(error).__name__}) na sincronização.", "resolution": UNEXPECTED,
                 "code": "unexpected"}
    with uow:
        store = uow.stores.get(store_id)
        if store is None:   # removed meanwhile
            return
        if _later_run_recorded(store, started):
            # Another process took the store over while this run lost its lease, and has already said what it did:
            # this run's stop does not take the place of that result (carried gap).
            return
        _record(store, ended, started, {"full": full, "fetched": fetched, "counts": _counts(counts), **words}, resumed)
        uow.commit()


def last_run(store: Store) -> LastSync | None:
    """The store's last sync that ended, with words for each count; None before the first."""
    run = store.last_run
    if store.last_run_at is None or not run:
        return None
    counts = run.get("counts") or {}
    shown = tuple(OutcomeCount(outcome, counts[outcome.value], outcome_label(outcome, counts[outcome.value]),
                               OUTCOME_ADVICE.get(outcome))
                  for outcome in Outcome if counts.get(outcome.value))
    return LastSync(aware(store.last_run_at), bool(run.get("full")), int(run.get("fetched") or 0), shown,
                    run.get("error"), run.get("resolution"))


def _record(store: Store, ended: datetime, started: datetime, run: dict, resumed: bool) -> None:
    store.last_run_at, store.last_run = ended, {**run, "started": aware(started).isoformat()}
    # A request made after this run began is not answered by it (the sync it queued comes next); nor is a full one by
    # an incremental run (review: the periodic sync that began after Sincronização completa was clicked cleared it,
    # and the page said it done while the full sync never ran), nor by one resumed that read its first pages before
    # it (a store's first sync taken up again: it read them with the settings of then).
    first_began = _first_began(store, started) if resumed else started
    if run["full"] and _answered(store.full_sync_requested_at, first_began):
        store.full_sync_requested_at = None
    if store.full_sync_requested_at is None and _answered(store.sync_requested_at, started):
        store.sync_requested_at = None


def _later_run_recorded(store: Store, started: datetime) -> bool:
    """Whether the result kept is of a run that began after `started` (runs recorded before lojasync kept their
    start: no)."""
    kept = (store.last_run or {}).get("started")
    return kept is not None and datetime.fromisoformat(kept) > aware(started)


def _first_began(store: Store, started: datetime) -> datetime:
    """When the resumed run recorded read its first page: the start of the attempt it resumed (still on the store
    until the run ends). Only for a resumed run: one that did not resume (a full one asked for, refused for an
    inactive store) left an older attempt's start there (review: its refusal no longer answered the request, and
    the page said the sync waited in the worker's queue)."""
    first = aware(store.run_started_at)
    return started if first is None else min(aware(started), first)


def _answered(requested: datetime | None, started: datetime) -> bool:
    return requested is not None and aware(requested) <= started


def _counts(counts: Mapping[Outcome, int]) -> dict[str, int]:
    return {outcome.value: n for outcome, n in counts.items() if n}
