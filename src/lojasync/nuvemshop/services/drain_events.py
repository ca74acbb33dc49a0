"""Use case `drain_store_events`: turn a store's pending webhook notifications into imports.

Delivery is at-least-once and unordered, so a notification only says "look at order X": the worker
always re-reads the order. App and LGPD notifications are handled here, each in its own transaction;
order notifications are read in bulk by `drain_orders`.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import datetime, timezone

from lojasync.nuvemshop.client.errors import NuvemshopError
from lojasync.nuvemshop.errors import EventFailed, LeaseLost, LgpdNotHandledHere
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.model.webhook_events import WebhookEvent, WebhookEventStatus
from lojasync.nuvemshop.ports import ClientFactory, ConnectorUnitOfWork
from lojasync.nuvemshop.services.app_events import APP_HANDLERS
from lojasync.nuvemshop.services.drain_orders import DrainReport, Finisher, handle_order_events
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.leases import Lease, store_lease
from lojasync.nuvemshop.services.push_updates import push_while_holding
from lojasync.nuvemshop.webhook_topics import APP_EVENTS, LGPD_EVENTS, ORDER_EVENTS
from lojasync.shared.errors import LojasyncError

log = logging.getLogger("lojasync.drain")

# The database's own mismatch with this version (`db.errors.SchemaMismatch`; its code, the connector not importing db).
SCHEMA_MISMATCH = "database.schema_mismatch"
# A reconciliation that failed between two batches is asked again this long after, in the same drain.
RECONCILE_AGAIN_AFTER = 60.0
# After this many attempts an error that keeps coming back turns the events into failed ones.
MAX_ATTEMPTS = 5
LgpdHandler = Callable[[ConnectorUnitOfWork, Store, WebhookEvent], object]

__all__ = ["MAX_ATTEMPTS", "DrainReport", "drain_store_events", "retryable"]


def drain_store_events(uow: ConnectorUnitOfWork, client_factory: ClientFactory, policy: ImportPolicy,
                       store_id: int, *, threshold: int = 3, lgpd_handler: LgpdHandler | None = None,
                       now: Callable[[], datetime] | None = None,
                       reconcile: Callable[[Lease], object] | None = None) -> DrainReport:
    """Process every pending event of a store under its lease; loop until none is left. `reconcile`: the store's
    reconciliation if it is due (`sync_store.reconcile_while_holding`), asked between two batches (a storm's drain
    lasts for minutes); one that failed is asked again RECONCILE_AGAIN_AFTER later."""
    finish = Finisher(uow, now or (lambda: datetime.now(timezone.utc)))
    report = DrainReport(store_id)
    with store_lease(uow, store_id) as lease:
        if lease is None:
            report.busy = True
            return report
        reconcile_from = 0.0 if reconcile is not None else math.inf   # monotonic time it may be asked again
        while True:
            with uow:
                pending = uow.webhook_events.pending_for_store(store_id)
                uow.detach_all()
            if not pending:
                return report
            report.events += len(pending)
            others = [e for e in pending if e.event not in ORDER_EVENTS]
            orders = [e for e in pending if e.event in ORDER_EVENTS]
            # The events this pass took up: a failure counts an attempt against them only (review: an app or LGPD
            # event that failed counted one against every order event pending beside it, never tried, and five
            # such failures turned those into failed ones a person had to retry).
            tried: list[WebhookEvent] = []
            try:
                _handle_store_events(uow, client_factory, store_id, others, report, lgpd_handler, finish, tried)
                tried += orders
                if orders and not handle_order_events(uow, client_factory, policy, store_id, orders, threshold,
                                                      report, finish, lease):
                    return report  # paused or unreachable: the events wait, the loop must not spin
            except Exception as exc:
                if not retryable(exc):
                    # Not the store being down: an error that would come back on every try. After a
                    # few attempts the events become failed ones a person can see and retry.
                    _count_attempt(uow, tried, exc, finish.now)
                raise
            # The stock these orders' documents moved, between two batches: a push of its own would find the
            # store held by this loop for as long as webhooks keep coming.
            # Its requests count in the drain's own (they spend the same store's rate limit).
            report.api_calls += push_while_holding(uow, client_factory, store_id, lease, now).calls
            # Likewise the reconciliation, when due: what it finds is what the webhooks lost.
            if time.monotonic() >= reconcile_from and not _reconcile(reconcile, lease, store_id):
                reconcile_from = time.monotonic() + RECONCILE_AGAIN_AFTER
            if not lease.renew():
                return report


def _reconcile(reconcile: Callable[[Lease], object], lease: Lease, store_id: int) -> bool:
    """The reconciliation between two batches, if due; False when it failed (asked again RECONCILE_AGAIN_AFTER later in
    this drain: a storm's drain lasts, and one 5xx must not put the reconciliation off for the storm). Its failure is
    its own (the housekeeping's sync meets it again, and flags the store if it must), never the drain's."""
    try:
        reconcile(lease)
        return True
    except LojasyncError as exc:   # the store's answer, or the lease taken: one line, the webhooks still drained
        log.warning("reconciliation between drain batches failed",
                    extra={"store_id": store_id, "error_code": exc.code, "reason": exc.message})
        return False
    except Exception:   # a bug: its traceback, and the webhooks still drained
        log.exception("reconciliation between drain batches failed", extra={"store_id": store_id})
        return False


def retryable(exc: Exception) -> bool:
    """The store unreachable for now, or the store taken by another worker: the events stay pending and the
    task is retried with backoff. Anything else counts an attempt; after a few the events fail for a person."""
    if isinstance(exc, LojasyncError) and exc.code == SCHEMA_MISMATCH:
        return True   # the database lacks a column: no notification's fault, none is failed for it (review)
    return isinstance(exc, (NuvemshopError, LeaseLost)) and exc.retryable


def _token_still_works(client_factory: ClientFactory, store: Store) -> bool:
    """Whether the store's current token answers. The store's refusal (401, 403, 402) or no token lets the uninstall
    proceed; a store that cannot answer now (5xx, network, 429) is no answer: that error is raised, the event stays
    pending and is tried again (review: a 503 was taken for "uninstalled", and a store/redact delivered after a
    reinstall erased the working store and anonymised its customers)."""
    try:
        client = client_factory(store)
    except LojasyncError:
        return False
    try:
        client.list_orders_page({"per_page": 1})
        return True
    except NuvemshopError as exc:
        if retryable(exc):
            raise
        return False
    finally:
        client.close()


def _handle_store_events(uow: ConnectorUnitOfWork, client_factory: ClientFactory, store_id: int,
                         events: list[WebhookEvent], report: DrainReport, lgpd_handler: LgpdHandler | None,
                         finish: Finisher, tried: list[WebhookEvent]) -> None:
    """App and LGPD events, each in its own transaction: one that fails never blocks the others. Each is added
    to `tried` as it is taken up."""
    for event in events:
        tried.append(event)
        try:
            with uow:
                record = uow.webhook_events.get(event.id)
                store = uow.stores.get(store_id)
                if event.event == "app/uninstalled" and _token_still_works(client_factory, store):
                    # Delivered late, after a reinstall: the current token answers, so it is stale.
                    record.mark_done(finish.now(), WebhookEventStatus.IGNORED,
                                     "app/uninstalled antigo: a loja foi reinstalada depois e o token atual funciona.")
                elif event.event == "store/redact" and _token_still_works(client_factory, store):
                    # Sent 48 h after an uninstall, and retried for 48 h more: the store was installed again since
                    # (its token answers), and erasing it would cut a working store and anonymise its customers
                    # (review). Kept, listed as ignored, for a person to see.
                    record.mark_done(finish.now(), WebhookEventStatus.IGNORED,
                                     "store/redact de uma desinstalação anterior: a loja foi reinstalada depois e o "
                                     "token atual funciona; nada foi apagado.")
                elif event.event in APP_EVENTS:
                    APP_HANDLERS[event.event](uow, store)
                    report.needs_sync |= event.event == "app/resumed" and store.active
                    record.mark_done(finish.now())
                elif event.event in LGPD_EVENTS:
                    if lgpd_handler is None:
                        raise LgpdNotHandledHere()
                    lgpd_handler(uow, store, record)
                    record.mark_done(finish.now())
                else:
                    record.mark_done(finish.now(), WebhookEventStatus.IGNORED)
                record.attempts += 1
                uow.commit()
        except Exception as exc:
            if retryable(exc) or (isinstance(exc, LojasyncError) and exc.retryable):
                # The store down, or this database busy or gone for a moment (review: a customers/redact that met
                # another writer failed at its first try, waiting for a person, while a moment later it would
                # have gone through): the drain is retried with backoff, counting the attempt (`_count_attempt`).
                raise
            if not isinstance(exc, LojasyncError):
                # A bug, not advice: the traceback goes to the log, the event says where to look.
                log.exception("webhook event failed", extra={"event_id": event.id, "webhook_event": event.event})
                exc = EventFailed(kind=type(exc).__name__, attempts="")
            finish([event], WebhookEventStatus.FAILED, error=exc)


def _count_attempt(uow: ConnectorUnitOfWork, events: list[WebhookEvent], exc: Exception,
                   now: Callable[[], datetime]) -> None:
    with uow:
        for event in events:
            record = uow.webhook_events.get(event.id)
            if record is None or record.status != WebhookEventStatus.PENDING:
                continue
            record.attempts += 1
            if record.attempts >= MAX_ATTEMPTS:
                # Our own errors in their own words (review: "Erro ao processar (WriteConflict)" named a class).
                failed = exc if isinstance(exc, LojasyncError) else EventFailed(kind=type(exc).__name__, attempts="")
                record.mark_failed(now(), f"{failed.message.rstrip('.')} ({record.attempts} tentativas).",
                                   failed.resolution, failed.code)
        uow.commit()
