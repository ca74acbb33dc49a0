"""Task queue (huey): SQLite in the data dir by default, Redis when LOJASYNC_REDIS_URL is set.

Tasks only build a request and call a service. The web process enqueues; `lojasync worker` (or the
worker embedded in `lojasync serve`) consumes, on any number of machines sharing the database and Redis.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey
from huey.consumer import Consumer

from lojasync.bootstrap import Container
from lojasync.entrypoints.sefaz_access import sefaz_for
from lojasync.fiscal.errors import (
    BuyerDataErasedSinceGenerated,
    DocumentStateRefused,
    InvoiceNotFound,
    OrderCancelledInStore,
    OrderChangedSinceGenerated,
    SefazNeedsAPerson,
    WorkerStuckOnABug,
)
from lojasync.fiscal.services.authorised_checks import check_authorised_invoice, claim_sefaz_checks
from lojasync.fiscal.services.invoice_cancellation import (
    claim_cancellations_to_settle,
    flag_unsettled_cancellation,
    settle_cancellation,
)
from lojasync.fiscal.services.invoices import (
    approve_invoice,
    claim_invoices_to_settle,
    flag_stuck_invoice,
    flag_unsettled_invoice,
    sefaz_down,
)
from lojasync.fiscal.services.number_voids import claim_voids_to_resend, flag_stuck_void, resend_number_void
from lojasync.nuvemshop.errors import SyncBusy
from lojasync.nuvemshop.services.app_events import recheck_paused_store
from lojasync.nuvemshop.services.drain_events import DrainReport, drain_store_events, retryable
from lojasync.nuvemshop.services.drain_retries import claim_drain_retry, drain_retry_pending
from lojasync.nuvemshop.services.lgpd import handle_lgpd_event
from lojasync.nuvemshop.services.maintenance import (
    HEARTBEAT_EVERY,
    HOUSEKEEPING,
    claim_round,
    due_work,
    paused_stores,
    purge_old_records,
    record_heartbeat,
    stop_for_attention,
    syncable_store,
)
from lojasync.nuvemshop.services.outcomes import Outcome
from lojasync.nuvemshop.services.push_updates import push_store_updates
from lojasync.nuvemshop.services.store_updates import stores_with_due_updates
from lojasync.nuvemshop.services.sync_runs import REQUEST_PATIENCE, pending_request
from lojasync.nuvemshop.services.sync_store import SyncReport, reconcile_while_holding, sync_store
from lojasync.sales.history import Actor
from lojasync.shared.errors import Action, LojasyncError
from lojasync.shared.private_files import make_private

log = logging.getLogger("lojasync.tasks")


# Errors that belong to this process's configuration, not to the store: never flag the store for them.
PROCESS_PROBLEMS = ("secrets.", "settings.")
PUSH_BUSY_TRIES = 12
# Seconds between two slices of a long push (the store's webhooks are drained in between).
PUSH_SLICE_PAUSE = 1.0
# SEFAZ answered out of service (108/109) or not at all: this process's other NF-e awaiting it are not asked for this
# long (each is claimed again after its sending window). A round asked SEFAZ about every one of them, hundreds of
# calls a SEFAZ that is down answers alike, and that SEFAZ counts against the sender ("consumo indevido", 656).
SEFAZ_DOWN_PAUSE = 300.0
# The longest wait before looking again at a store another worker holds: a webhook's order still arrives within
# seconds of the holder letting go.
BUSY_LOOK_MAX = 10.0
# The longest wait before a sync a person asked for looks again at a store another worker holds (a drain holds it for
# as long as webhooks keep coming): about a minute late at most, without a task every few seconds for an hour.
REQUESTED_SYNC_LOOK_MAX = 60.0
# What settling an NF-e may meet that needs nothing more from the worker (the order changed in the store: the
# NF-e SEFAZ never got is pending again and its order already says so).
SETTLED_ELSEWHERE = (InvoiceNotFound, DocumentStateRefused, SefazNeedsAPerson, OrderCancelledInStore,
                     OrderChangedSinceGenerated, BuyerDataErasedSinceGenerated)


def build_huey(container: Container) -> Huey:
    settings = container.settings
    if settings.redis_url:
        return RedisHuey(settings.queue_name, url=settings.redis_url)
    # The queue holds store ids and order ids: private like the database (huey would create it 0644).
    settings.queue_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(settings.queue_path, os.O_WRONLY | os.O_CREAT, 0o600))
    make_private(settings.queue_path)  # a queue left 0644 by an earlier version
    try:
        return SqliteHuey(settings.queue_name, filename=str(settings.queue_path))
    except sqlite3.OperationalError as exc:   # locked for good, read-only, disk full
        raise QueueUnreadable(path=settings.queue_path, reason=f"não pode ser aberta ({exc})",
                              resolution=QUEUE_FOLDER) from exc
    except sqlite3.DatabaseError as exc:      # not a database, malformed
        raise QueueUnreadable(path=settings.queue_path, reason="está ilegível (não é um banco SQLite ou está "
                              "corrompida)", resolution=QUEUE_CORRUPT) from exc


def _log_synced(store_id: int, report: SyncReport) -> None:
    """What `lojasync sync` prints, for the operator who runs the worker at INFO (the last notes: the worker's syncs
    logged nothing when they succeeded, and the orders left out for the data inicial were counted by the terminal's
    sync only)."""
    counts = report.imports.counts()
    # Full as the run was (a store's first reads every order, whichever task ran it), not as the task was asked.
    log.info("store synced", extra={"store_id": store_id, "full": report.full, "fetched": report.fetched,
                                    "api_calls": report.api_calls,
                                    **{f"orders_{outcome.value}": counts[outcome] for outcome in Outcome}})


class QueueUnreadable(LojasyncError):
    """The SQLite queue file cannot be used. Nothing of value is only there: every task is redone from the
    database (webhooks are recorded before they are queued; housekeeping requeues what is pending)."""

    code = "queue.unreadable"
    message_template = "A fila de tarefas {path} {reason}."
    resolution_template = "{resolution}"
    action = Action.CONFIGURE
    retryable = True


QUEUE_CORRUPT = ("Mova o arquivo para outro lugar (ou apague-o) e rode de novo: o lojasync cria uma fila nova e refaz "
                 "sozinho o que estava nela (os webhooks e o que falta enviar estão gravados no banco).")
QUEUE_FOLDER = ("Confira as permissões e o espaço livre da pasta de dados, e se outro programa segura o arquivo; "
                "rode de novo.")


class TaskQueue:
    """The queue and its tasks, registered on one huey instance for this process."""

    def __init__(self, container: Container, huey: Huey | None = None) -> None:
        self.container = container
        self.huey = huey or build_huey(container)
        self._last_drain: dict[int, float] = {}
        self._lock = threading.Lock()
        self._sefaz_down_until = 0.0   # time.monotonic(): see SEFAZ_DOWN_PAUSE
        self._heartbeat_failing: str | None = None   # the error class of the beats failing now: see `heartbeat`
        self._drain = self.huey.task(name="drain_store")(self._drain_task)
        # No huey retries: a transient failure is tried again by the next housekeeping round anyway, and a
        # permanent one must stop (and say so once), not be repeated with a traceback each time.
        self._sync = self.huey.task(name="sync_store")(self._sync_task)
        self._recheck = self.huey.task(name="recheck_paused_store")(self._recheck_task)
        self._settle = self.huey.task(name="settle_invoice")(self._settle_task)
        self._settle_cancel = self.huey.task(name="settle_cancellation")(self._settle_cancel_task)
        self._check_authorised = self.huey.task(name="check_authorised_invoice")(self._check_authorised_task)
        self._resend_void = self.huey.task(name="resend_number_void")(self._resend_void_task)
        self._push = self.huey.task(name="push_store_updates")(self._push_task)
        # Every consumer (each worker, each serve with its worker) schedules these; one runs each round.
        self.huey.periodic_task(crontab(minute="*"), name=HOUSEKEEPING)(
            self._once_per_round(HOUSEKEEPING, 50, self.housekeeping))
        self.huey.periodic_task(crontab(minute="*/5"), name="recheck_paused")(
            self._once_per_round("recheck_paused", 280, self.recheck_paused))
        self.huey.periodic_task(crontab(minute="17", hour="*"), name="purge_events")(
            self._once_per_round("purge_events", 3000, self.purge_events))

    # enqueueing ------------------------------------------------------------------------------------
    def drain_soon(self, store_id: int) -> None:
        """Schedule a drain after the coalescing delay; skip it if one was scheduled moments ago.

        Skipping is safe: the task scheduled less than half a delay ago starts after this event was
        committed, and a drain loops until no pending event is left.
        """
        if self.claim_drain(store_id):
            self.schedule_drain(store_id)

    def claim_drain(self, store_id: int) -> bool:
        """Whether this event must schedule a drain (no I/O: the web route asks on its event loop)."""
        delay = self.container.settings.coalesce_seconds
        now = time.monotonic()
        with self._lock:
            last = self._last_drain.get(store_id)
            if last is not None and now - last < delay / 2:
                return False
            self._last_drain[store_id] = now
            return True

    def schedule_drain(self, store_id: int) -> None:
        delay = self.container.settings.coalesce_seconds
        if delay:
            self._drain.schedule((store_id,), delay=delay)
        else:
            self._drain(store_id)

    def sync_soon(self, store_id: int, full: bool = False, requested: bool = False) -> None:
        """`requested`: a person asked for it (Sincronizar agora, `sync_runs.request_sync`): found the store busy, it
        is tried again (`_sync_task`) instead of left to the periodic one."""
        self._sync(store_id, full, requested)

    def push_soon(self, store_id: int) -> None:
        """Write the store's pending updates (stock, NF-e keys) shortly. Called after the commit that queued
        them (an approval, a count): handlers inside the transaction cannot enqueue, since a rollback would
        leave a task for nothing. Housekeeping picks up whatever a failed enqueue or a dead worker left."""
        delay = self.container.settings.coalesce_seconds
        if delay:
            # A short delay: the other approvals of a batch join the same push.
            self._push.schedule((store_id,), delay=delay)
        else:
            self._push(store_id)

    # tasks -----------------------------------------------------------------------------------------
    def _drain_task(self, store_id: int, attempt: int = 0, busy_before: int = 0) -> None:
        """`attempt`: this store's failed drains in a row (its retry); `busy_before`: the times in a row it found
        another worker draining the store."""
        app = self.container
        settings = app.settings
        # A trigger (a webhook, housekeeping) leaves the store to the follow-up already scheduled, which takes what
        # is pending; that follow-up itself (a retry, a look again) runs whatever this host's clock says.
        if attempt == 0 and busy_before == 0 and drain_retry_pending(app.read_uow(), store_id,
                                                                     datetime.now(timezone.utc)):
            return
        try:
            report = self._drain_now(store_id)
        except Exception as exc:
            # The events stay pending whatever happens; try again later, waiting longer each time, one retry per
            # store (`drain_retries`): a drain that failed while another retry waits leaves it to that one.
            delay = min(600.0, 5.0 * 2 ** attempt)
            # The store down, or the database busy or gone for a moment: a warning; anything else, with its traceback.
            passing = retryable(exc) or (isinstance(exc, LojasyncError) and exc.retryable)
            log.log(logging.WARNING if passing else logging.ERROR, "drain failed, retrying later", exc_info=not passing,
                    extra={"store_id": store_id, "error_class": type(exc).__name__, "retry_in_s": delay})
            if self._first_follow_up(store_id, delay):
                self._drain.schedule((store_id, attempt + 1), delay=delay)
            return
        if report.busy:
            # Another worker drains this store; look again shortly so nothing waits for housekeeping: one look
            # for the store at a time (every webhook meanwhile began one, each asking the database every second
            # while a long drain or a reconciliation held the store), less often the longer it holds it.
            delay = min(BUSY_LOOK_MAX, max(settings.coalesce_seconds, 1.0) * 2 ** busy_before)
            if self._first_follow_up(store_id, delay):
                self._drain.schedule((store_id, attempt, busy_before + 1), delay=delay)
        if report.needs_sync:
            self.sync_soon(store_id)

    def _first_follow_up(self, store_id: int, delay: float) -> bool:
        """Whether this drain schedules the store's next one (`drain_retries`): none is pending. The database failing
        here too (the drain's own failure may be it), the next one is scheduled all the same: a retry too many
        beats a store left to the next housekeeping round."""
        try:
            return claim_drain_retry(self.container.uow(), store_id, datetime.now(timezone.utc),
                                     timedelta(seconds=delay))
        except Exception:   # see above: the next one is scheduled all the same
            log.warning("drain follow-up not claimed", extra={"store_id": store_id}, exc_info=True)
            return True

    def _sync_task(self, store_id: int, full: bool = False, requested: bool = False, busy_tries: int = 0) -> None:
        """`busy_tries`: the times in a row a sync a person asked for found the store busy."""
        app = self.container
        external_id = syncable_store(app.read_uow(), store_id)
        if external_id is None:
            return
        if (requested or busy_tries) and pending_request(app.read_uow(), store_id, full) is None:
            # A run of its kind begun since the request answered it meanwhile (another click's, the periodic; a
            # store's first sync, a complete one: review, the click's full task read the whole store again after it).
            return
        try:
            report = sync_store(app.uow(), app.client_for, app.policy(), external_store_id=external_id, full=full,
                                overlap_seconds=app.settings.sync_overlap_seconds,
                                page_size=app.settings.sync_page_size, lease_wait_seconds=0)
        except SyncBusy:
            # Another worker is on this store (every consumer runs housekeeping): do not hold a worker thread
            # waiting; the next housekeeping tries again. Not a sync a person asked for (review: dropped while a
            # drain of a webhook storm or a push held the store, the page said "na fila" and then that the periodic
            # one would do it, and a full one asked for never ran, the periodic one being incremental): looked at
            # again, less often the longer the store stays busy, until the request is answered or too old.
            if requested:
                self._sync_again(store_id, full, busy_tries)
            return
        except LojasyncError as exc:
            extra = {"store_id": store_id, "error_code": exc.code}
            if exc.retryable:
                log.warning("sync failed, the next round tries again", extra=extra)
            elif exc.code.startswith(PROCESS_PROBLEMS):
                # This process's key cannot open the token (a machine with another LOJASYNC_SECRET_KEY, a lost
                # secret.key): the store is fine, and flagging it would stop the processes that can read it.
                log.error("sync impossible in this process", extra={**extra, "reason": exc.message,
                                                                     "resolution": exc.resolution})
            elif stop_for_attention(app.uow(), store_id, exc, datetime.now(timezone.utc)):
                log.warning("sync stopped: the store needs attention", extra={**extra, "reason": exc.message})
        except Exception:
            log.exception("sync failed", extra={"store_id": store_id})  # a bug: the next round tries again
        else:
            _log_synced(store_id, report)

    def _sync_again(self, store_id: int, full: bool, busy_tries: int) -> None:
        asked = pending_request(self.container.read_uow(), store_id, full)
        if asked is None:
            return   # answered meanwhile
        if datetime.now(timezone.utc) - asked >= REQUEST_PATIENCE:
            # The page says it did not begin and asks for it again (the periodic one answers an incremental request).
            log.warning("requested sync given up: the store stayed busy", extra={"store_id": store_id, "full": full})
            return
        delay = min(REQUESTED_SYNC_LOOK_MAX, BUSY_LOOK_MAX * 2 ** busy_tries)
        self._sync.schedule((store_id, full, True, busy_tries + 1), delay=delay)

    def _once_per_round(self, name: str, seconds: int, job):
        def run_once() -> None:
            try:
                if claim_round(self.container.uow(), name, datetime.now(timezone.utc), timedelta(seconds=seconds)):
                    job()
            except LojasyncError as exc:
                if not exc.retryable:
                    raise
                # The database gone for a moment (PostgreSQL restarted, a full disk): one line, and the next
                # round tries again; huey would print a traceback for each round.
                log.warning("round skipped: %s", exc.message, extra={"round": name, "error_code": exc.code})
        return run_once

    def housekeeping(self) -> None:
        """Every minute: reconcile stores that are due, drain what a dead worker left pending, settle NF-e
        awaiting SEFAZ, cancellations requested without an outcome recorded and requests to void numbers left
        unanswered, ask SEFAZ whether the NF-e authorised a day (a week) ago still stand, and push store updates
        no task is pushing (a failed enqueue, a dead worker)."""
        app = self.container
        # The interval as set now (Configurações, `import-rules set`, else LOJASYNC_RECONCILE_MINUTES): no restart.
        due = due_work(app.read_uow(), datetime.now(timezone.utc), app.import_settings().reconcile_every)
        for store_id in due.stores_to_sync:
            self.sync_soon(store_id)
        for store_id in due.stores_to_drain:
            self._drain(store_id)
        # Claimed: enqueued once, not again each round while the task waits or asks SEFAZ.
        for invoice_id in claim_invoices_to_settle(app.uow()):
            self._settle(invoice_id)
        for invoice_id in claim_cancellations_to_settle(app.uow()):
            self._settle_cancel(invoice_id)
        for void_id in claim_voids_to_resend(app.uow()):
            self._resend_void(void_id)
        for invoice_id in claim_sefaz_checks(app.uow()):
            self._check_authorised(invoice_id)
        for store_id in stores_with_due_updates(app.read_uow()):
            self._push(store_id)

    def _settle_task(self, invoice_id: int) -> None:
        """An NF-e left "aguardando SEFAZ": ask SEFAZ by key (or send it, if SEFAZ never got it)."""
        app = self.container
        if self._sefaz_paused():
            # SEFAZ was down for another NF-e moments ago: not asked now (claimed again after its sending window);
            # after a day of it, a person hears of it as when asked.
            log.info("invoice settling postponed: SEFAZ down", extra={"invoice_id": invoice_id})
            if flag_unsettled_invoice(app.uow(), invoice_id):
                log.error("invoice awaiting SEFAZ for a day needs a person", extra={"invoice_id": invoice_id})
            return
        try:
            invoice, _ = approve_invoice(app.uow(), app.cipher, sefaz_for(app.settings), invoice_id, Actor.SYSTEM)
        except LojasyncError as exc:
            if isinstance(exc, SETTLED_ELSEWHERE):
                return   # settled, discarded or already flagged by another hand meanwhile
            if exc.retryable:
                # Still undecided (SEFAZ down, in processing): the next housekeeping round asks again; after a day
                # of SEFAZ's silence, a person hears of it too (not of this database's conflicts: the flag says SEFAZ).
                log.warning("invoice still awaiting SEFAZ", extra={"invoice_id": invoice_id, "error_code": exc.code})
                if sefaz_down(exc):
                    self._pause_for_sefaz()
                if exc.code.startswith(("sefaz.", "fiscal.sefaz_")) and flag_unsettled_invoice(app.uow(), invoice_id):
                    log.error("invoice awaiting SEFAZ for a day needs a person", extra={"invoice_id": invoice_id})
                return
            # Retrying cannot help (no certificate, company incomplete, the simulator refused in production):
            # a person must act, so the order says so instead of waiting silently. Asked again each round, in
            # case the person fixed it; flagged once.
            if flag_stuck_invoice(app.uow(), invoice_id, exc):
                log.error("invoice awaiting SEFAZ needs a person",
                          extra={"invoice_id": invoice_id, "error_code": exc.code})
            return
        except Exception as exc:  # noqa: BLE001 - a bug: logged with its traceback by `_say_bug`
            # A bug: asked again each round all the same; the order says so once (review: only the log knew, the
            # NF-e awaiting SEFAZ for ever).
            self._say_bug(exc, "invoice settling", {"invoice_id": invoice_id}, "resolver a NF-e com a SEFAZ",
                          lambda bug: flag_stuck_invoice(app.uow(), invoice_id, bug))
            return
        log.info("invoice settled", extra={"invoice_id": invoice_id, "status": invoice.status})
        for store_id in stores_with_due_updates(app.read_uow()):
            self.push_soon(store_id)

    def _settle_cancel_task(self, invoice_id: int) -> None:
        """A cancellation requested whose outcome was never recorded (SEFAZ out of reach or out of service, a
        process killed, an answer lost): ask SEFAZ by key and record what it holds, or send it if SEFAZ never got it."""
        app = self.container
        try:
            settled = settle_cancellation(app.uow(), app.cipher, sefaz_for(app.settings), invoice_id)
        except LojasyncError as exc:
            # SEFAZ unreachable or unable to say now: the request stays, and the next housekeeping round asks
            # again. What retrying cannot fix (a certificate gone, the company incomplete) also asks a person.
            log.warning("cancellation still awaiting SEFAZ", extra={"invoice_id": invoice_id, "error_code": exc.code,
                                                                    "reason": exc.message})
            if not exc.retryable:
                flag_unsettled_cancellation(app.uow(), invoice_id, exc.message.rstrip("."))
            return
        except Exception as exc:  # noqa: BLE001 - a bug, as `_settle_task`'s
            self._say_bug(exc, "cancellation settling", {"invoice_id": invoice_id},
                          "resolver o cancelamento com a SEFAZ",
                          lambda bug: flag_unsettled_cancellation(app.uow(), invoice_id,
                                                                  f"{bug.message.rstrip('.')}. {bug.resolution}"))
            return
        if settled.cancelled:
            log.info("cancellation settled: cancelled at SEFAZ", extra={"invoice_id": invoice_id, "sent": settled.sent})
            for store_id in stores_with_due_updates(app.read_uow()):
                self.push_soon(store_id)
        elif settled.refused_by_sefaz:
            log.warning("cancellation sent and refused by SEFAZ", extra={"invoice_id": invoice_id,
                                                                         "reason": settled.refused_by_sefaz})
        elif settled.undecided:
            log.warning("cancellation still awaiting SEFAZ", extra={"invoice_id": invoice_id,
                                                                    "sefaz_answer": settled.undecided})
            if settled.refused:   # the query itself refused (226, 252...): the same next round, a person acts
                flag_unsettled_cancellation(app.uow(), invoice_id, f"a SEFAZ recusou a consulta: {settled.undecided}")

    @staticmethod
    def _say_bug(exc: Exception, task: str, ids: dict[str, int], what: str,
                 flag: Callable[[WorkerStuckOnABug], bool]) -> None:
        """A bug in `task` (called from its `except`): its traceback in the log, and a person told on the order or the
        request (`flag`, with the words "Erro inesperado (...) do worker ao `what`"), the database failing here too
        being only logged."""
        log.exception(f"{task} failed unexpectedly", extra=ids)
        bug = WorkerStuckOnABug(error_class=type(exc).__name__, what=what,
                                where=", ".join(f"{name} {value}" for name, value in ids.items()))
        try:
            if flag(bug):
                log.error("a bug keeps the worker from settling a document: the order says so")
        except Exception:
            log.warning("the order could not be flagged for the bug", exc_info=True)

    def _sefaz_paused(self) -> bool:
        """SEFAZ was found down moments ago (`SEFAZ_DOWN_PAUSE`): this process does not ask it now."""
        return time.monotonic() < self._sefaz_down_until

    def _pause_for_sefaz(self) -> None:
        self._sefaz_down_until = time.monotonic() + SEFAZ_DOWN_PAUSE

    def _check_authorised_task(self, invoice_id: int) -> None:
        """An authorised NF-e past a cancellation deadline: does it still stand at SEFAZ, or did another program
        cancel it? (`fiscal.services.authorised_checks`)"""
        app = self.container
        if self._sefaz_paused():
            # SEFAZ down moments ago (SEFAZ_DOWN_PAUSE): claimed again once the claim's window passes; these checks are
            # the most numerous of the rounds' questions (every authorised NF-e, a day and a week after).
            log.info("authorised invoice check postponed: SEFAZ down", extra={"invoice_id": invoice_id})
            return
        try:
            found = check_authorised_invoice(app.uow(), app.cipher, sefaz_for(app.settings), invoice_id)
        except LojasyncError as exc:
            # The database, the certificate: asked again once the claim's window passes.
            log.warning("authorised invoice not checked", extra={"invoice_id": invoice_id, "error_code": exc.code,
                                                                 "reason": exc.message})
            return
        if found.cancelled:
            log.warning("authorised invoice found cancelled at SEFAZ", extra={"invoice_id": invoice_id})
            for store_id in stores_with_due_updates(app.read_uow()):
                self.push_soon(store_id)
        elif found.needs_a_person:
            log.warning("authorised invoice not confirmed by SEFAZ", extra={"invoice_id": invoice_id,
                                                                            "sefaz_answer": found.needs_a_person})
        elif found.misconfigured:
            # Asked again each hour by whichever process runs it: this one cannot, and whoever runs it must know.
            log.warning("authorised invoice not checked: this process cannot ask the SEFAZ that authorised it",
                        extra={"invoice_id": invoice_id, "reason": found.undecided})
        elif found.undecided:
            log.info("authorised invoice check postponed", extra={"invoice_id": invoice_id,
                                                                  "reason": found.undecided})
            if found.sefaz_down:
                self._pause_for_sefaz()

    def _resend_void_task(self, void_id: int) -> None:
        """A request to void numbers left awaiting SEFAZ: sent again (SEFAZ answers 563 if it had voided them)."""
        app = self.container
        try:
            resent = resend_number_void(app.uow(), app.cipher, sefaz_for(app.settings), void_id)
        except LojasyncError as exc:
            # Unanswered again: the next rounds resend it, and after a few the request says so to a person; one
            # that cannot be resent as things are (certificate expired) says why at once. Rejected: recorded on
            # the request, which the lists show with SEFAZ's code; retrying would get the same answer.
            log.warning("number void not settled", extra={"void_id": void_id, "error_code": exc.code,
                                                          "reason": exc.message})
            flag_stuck_void(app.uow(), void_id, exc)
            return
        except Exception as exc:  # noqa: BLE001 - a bug, as `_settle_task`'s, said on the request (the lists show it)
            self._say_bug(exc, "number void resend", {"void_id": void_id}, "reenviar o pedido de inutilização",
                          lambda bug: flag_stuck_void(app.uow(), void_id, bug))
            return
        if resent is not None:
            log.info("number void settled", extra={"void_id": void_id, "status": resent.status})

    def _push_task(self, store_id: int, busy_tries: int = 0) -> None:
        """Push a store's due updates. The rows keep their own attempts and next time, so housekeeping and
        this task's own retries never push one twice nor hammer a store that is down."""
        app = self.container
        report = push_store_updates(app.uow(), app.client_for, store_id)
        if report.busy and busy_tries < PUSH_BUSY_TRIES:
            # Another worker holds the store (a drain, a sync): look again shortly; after a minute of that,
            # housekeeping's next round takes over (so a long sync cannot pile up waiting tasks).
            self._push.schedule((store_id, busy_tries + 1), delay=5.0)
        elif report.retry_in is not None:
            self._push.schedule((store_id,), delay=report.retry_in)
        elif report.more:
            # The rest after a moment: a push of many updates goes in slices (`push_updates.SLICE_SECONDS`), and the
            # orders arriving meanwhile are imported between them (below).
            self._push.schedule((store_id,), delay=PUSH_SLICE_PAUSE)
        if report.calls:
            self._drain_after_push(store_id)
        if report.pushed or report.failed:
            log.info("store updates pushed", extra={"store_id": store_id, "pushed": report.pushed,
                                                    "failed": report.failed, "api_calls": report.calls})

    def _drain_now(self, store_id: int) -> DrainReport:
        """The store's pending webhooks, drained in this thread (`drain_store_events`)."""
        app = self.container
        policy = app.policy()

        def reconcile(lease) -> None:
            report = reconcile_while_holding(app.uow(), app.client_for, policy, store_id, lease,
                                             app.import_settings().reconcile_every,
                                             overlap_seconds=app.settings.sync_overlap_seconds,
                                             page_size=app.settings.sync_page_size)
            if report is not None:
                _log_synced(store_id, report)

        return drain_store_events(app.uow(), app.client_for, policy, store_id,
                                  threshold=app.settings.coalesce_threshold, lgpd_handler=handle_lgpd_event,
                                  reconcile=reconcile)

    def _drain_after_push(self, store_id: int) -> None:
        """The webhooks that came while this push held the store, drained now by this worker (Black Friday review:
        their drain found the store busy and looked again later and later, up to a minute after, and a trigger
        meanwhile is left to that follow-up). Whatever fails here is left to that follow-up and to housekeeping:
        the events stay pending."""
        try:
            report = self._drain_now(store_id)
        except Exception:
            log.warning("drain after a push failed: its follow-up takes it", extra={"store_id": store_id},
                        exc_info=True)
            return
        if report.needs_sync:
            self.sync_soon(store_id)

    def recheck_paused(self) -> None:
        """Every 5 minutes: a store paused by a late or lost webhook must not stay paused for good."""
        for store_id in paused_stores(self.container.read_uow()):
            self._recheck(store_id)

    def _recheck_task(self, store_id: int) -> None:
        if recheck_paused_store(self.container.uow(), self.container.client_for, store_id):
            self.sync_soon(store_id)

    def purge_events(self) -> None:
        days = self.container.settings.event_retention_days
        purged = purge_old_records(self.container.uow(), datetime.now(timezone.utc) - timedelta(days=days))
        if purged:
            log.info("old webhook events purged", extra={"events": purged, "days": days})

    # consuming -------------------------------------------------------------------------------------
    def consumer(self, workers: int, embedded: bool = False) -> Consumer:
        beat = self.heartbeat
        if embedded:
            return EmbeddedConsumer(self.huey, workers=workers, worker_type="thread", periodic=True,
                                    check_worker_health=True, beat=beat)
        # SIGTERM (docker, systemd, k8s) finishes the running tasks, so their leases are released.
        return BeatingConsumer(self.huey, workers=workers, worker_type="thread", periodic=True,
                               check_worker_health=True, graceful_signal="TERM", beat=beat)

    def heartbeat(self) -> None:
        """This process's consumer is running (`maintenance.worker_silence` reads it). Never raises: the database
        gone for a while costs beats, said once in the log when they start failing (and again when they fail for
        another reason) and once when they record again (it was said every 30 s for as long as the outage lasted), not
        the consumer. The words are those of every earlier version, for the alerts keyed on them (the last notes)."""
        try:
            record_heartbeat(self.container.uow(), datetime.now(timezone.utc))
        except Exception as exc:  # noqa: BLE001 - see above
            if self._heartbeat_failing != type(exc).__name__:
                log.warning("worker heartbeat not recorded",
                            extra={"error_class": type(exc).__name__, "said_once": "until it records again"})
            self._heartbeat_failing = type(exc).__name__
            return
        if self._heartbeat_failing:
            log.info("worker heartbeat recorded again")
        self._heartbeat_failing = None


class BeatingConsumer(Consumer):
    """huey's consumer, with a thread of its own writing the heartbeat every HEARTBEAT_EVERY while it runs: the tasks
    may hold every worker thread for minutes (a long drain), and a round waiting behind them is not a dead worker."""

    def __init__(self, huey: Huey, *, beat: Callable[[], None], **options) -> None:
        super().__init__(huey, **options)
        self._beat = beat
        self._beating: threading.Thread | None = None

    def start(self) -> None:
        super().start()
        self._beating = threading.Thread(target=self._keep_beating, name="lojasync-heartbeat", daemon=True)
        self._beating.start()

    def _keep_beating(self) -> None:
        while True:
            # Only while it can work: its scheduler (which enqueues the rounds) and a worker thread alive; `serve`
            # starts its consumer without huey's health checks that restart them (the integrator's review: a dead
            # scheduler went on beating).
            if self._working():
                self._beat()
            if self.stop_flag.wait(HEARTBEAT_EVERY.total_seconds()):
                return

    def _working(self) -> bool:
        alive = self.environment.is_alive
        return alive(self.scheduler) and any(alive(thread) for _, thread in self.worker_threads)


class EmbeddedConsumer(BeatingConsumer):
    """A consumer inside another server's process: uvicorn owns the signals there."""

    def _set_signal_handlers(self) -> None:
        pass

