"""Use case `drain_store_events`: turn a store's pending webhook notifications into imports.

Delivery is at-least-once and unordered, so a notification only says "look at order X": the worker
always re-reads the order. Many pending orders are read through the order list (by `updated_at_min`)
in pages of 200 instead of one `GET /orders/{id}` each; whatever the pages missed (a late retry of an
old notification) is then fetched one by one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from lojasync.nuvemshop.client.errors import (
    NotFoundError, NuvemshopError, PaymentRequiredError, UnauthorizedError,
)
from lojasync.nuvemshop.webhook_topics import APP_EVENTS, LGPD_EVENTS, ORDER_EVENTS
from lojasync.nuvemshop.model.records import Store, WebhookEvent, WebhookEventStatus
from lojasync.nuvemshop.services.app_events import APP_HANDLERS
from lojasync.nuvemshop.services.import_orders import UowFactory, import_orders
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.leases import store_lease
from lojasync.nuvemshop.services.outcomes import ImportReport, Outcome

log = logging.getLogger("lojasync.drain")

# Orders are stamped by the store's clock, notifications by ours: read a little further back.
CLOCK_MARGIN = timedelta(minutes=2)
# GETs of one pass; the rest wait for the next pass, after the lease is renewed.
MAX_GETS_PER_PASS = 200
WEBHOOK_IMPORT_CHUNK = 50


@dataclass
class DrainReport:
    store_id: int
    busy: bool = False
    events: int = 0
    api_calls: int = 0
    imports: ImportReport = field(default_factory=ImportReport)
    failed_events: int = 0
    needs_sync: bool = False   # app/resumed: a reconciliation should run now


def drain_store_events(uow_factory: UowFactory, client_factory: Callable[[Store], object], policy: ImportPolicy,
                       store_id: int, *, threshold: int = 3, lgpd_handler: Callable | None = None,
                       now: Callable[[], datetime] | None = None) -> DrainReport:
    """Process every pending event of a store under its lease; loop until none is left."""
    now = now or (lambda: datetime.now(timezone.utc))
    report = DrainReport(store_id)
    with store_lease(uow_factory, store_id) as lease:
        if lease is None:
            report.busy = True
            return report
        while True:
            with uow_factory() as uow:
                pending = uow.events.pending_for_store(store_id)
                uow.session.expunge_all()
            if not pending:
                return report
            report.events += len(pending)
            others = [e for e in pending if e.event not in ORDER_EVENTS]
            orders = [e for e in pending if e.event in ORDER_EVENTS]
            try:
                _handle_store_events(uow_factory, client_factory, store_id, others, report, lgpd_handler, now)
                if orders and not _handle_order_events(uow_factory, client_factory, policy, store_id, orders,
                                                       threshold, report, now, lease):
                    return report  # paused or unreachable: the events wait, the loop must not spin
            except Exception as exc:
                if not retryable(exc):
                    # Not the store being down: an error that would come back on every try. After a
                    # few attempts the events become failed ones a person can see and retry.
                    _count_attempt(uow_factory, pending, exc, now)
                raise
            if not lease.renew():
                return report


def _token_still_works(client_factory, store: Store) -> bool:
    """Only a clear 'yes' counts: any failure (401, 402, network) lets the uninstall proceed."""
    try:
        client = client_factory(store)
    except ValueError:
        return False
    try:
        client.list_orders_page({"per_page": 1})
        return True
    except NuvemshopError:
        return False
    finally:
        client.close()


def _handle_store_events(uow_factory, client_factory, store_id, events: list[WebhookEvent], report: DrainReport,
                         lgpd_handler, now) -> None:
    """App and LGPD events, each in its own transaction: one that fails never blocks the others."""
    for event in events:
        try:
            with uow_factory() as uow:
                record = uow.events.get(event.id)
                store = uow.stores.get(store_id)
                if event.event == "app/uninstalled" and _token_still_works(client_factory, store):
                    # Delivered late, after a reinstall: the current token answers, so it is stale.
                    record.mark_done(now(), WebhookEventStatus.IGNORED)
                    record.error = "app/uninstalled antigo: a loja foi reinstalada depois e o token atual funciona."
                elif event.event in APP_EVENTS:
                    APP_HANDLERS[event.event](uow, store)
                    report.needs_sync |= event.event == "app/resumed"
                    record.mark_done(now())
                elif event.event in LGPD_EVENTS:
                    if lgpd_handler is None:
                        raise ValueError("Pedido LGPD recebido, mas este processo não trata LGPD.")
                    lgpd_handler(uow, store, record)
                    record.mark_done(now())
                else:
                    record.mark_done(now(), WebhookEventStatus.IGNORED)
                record.attempts += 1
                uow.commit()
        except Exception as exc:
            if retryable(exc):
                raise
            resolution = getattr(exc, "resolution", None) or (
                "Confira o corpo da notificação e os logs do worker; depois use `lojasync events retry ID`.")
            _finish(uow_factory, [event], now, WebhookEventStatus.FAILED,
                    error=str(exc) if isinstance(exc, ValueError) else f"Erro ao processar ({type(exc).__name__}).",
                    resolution=resolution)
            report.failed_events += 1


def _handle_order_events(uow_factory, client_factory, policy, store_id, events: list[WebhookEvent],
                         threshold: int, report: DrainReport, now, lease=None) -> bool:
    with uow_factory() as uow:
        store = uow.stores.get(store_id)
        active, paused, cursor = store.active, store.paused, store.sync_cursor
        uow.session.expunge(store)
    if not active:
        _finish(uow_factory, events, now, WebhookEventStatus.IGNORED,
                error="Loja desativada (app desinstalado): pedido não importado.")
        return True
    if paused:
        return False
    try:
        client = client_factory(store)
    except ValueError as exc:  # the token cannot be decrypted (key changed) or is gone
        _finish(uow_factory, events, now, WebhookEventStatus.FAILED, error=str(exc),
                resolution=getattr(exc, "resolution", None) or "Reinstale o app ou cadastre o token com "
                                                                "`lojasync store add`; depois `lojasync events retry --all`.")
        report.failed_events += len(events)
        return True
    wanted = {e.resource_id for e in events if e.resource_id}
    seen: set[str] = set()
    refused: dict[str, NuvemshopError] = {}
    not_found: set[str] = set()
    try:
        if len(wanted) > threshold:
            since = min(e.received_at for e in events) - CLOCK_MARGIN
            seen |= _import_listing(client, uow_factory, store_id, policy, since, report, lease)
            missing = wanted - seen
            if len(missing) > threshold and cursor is not None and cursor - CLOCK_MARGIN < since:
                # Late retries (the platform resends for 48 h) name orders changed long ago: one more
                # listing from the last reconciliation covers them instead of one GET each.
                seen |= _import_listing(client, uow_factory, store_id, policy, cursor - CLOCK_MARGIN, report,
                                        lease, until=since)
                unchanged = _already_imported(uow_factory, store_id, wanted - seen)
                seen |= unchanged
        for index, order_id in enumerate(sorted(wanted - seen)[:MAX_GETS_PER_PASS]):
            try:
                payload = client.get_order(order_id)
            except NotFoundError:
                not_found.add(order_id)
                continue
            except NuvemshopError as exc:
                if exc.retryable or isinstance(exc, (PaymentRequiredError, UnauthorizedError)):
                    raise
                refused[order_id] = exc  # this order's answer is unusable; the others go on
                continue
            report.imports.extend(import_orders(uow_factory, store_id, [payload], policy, source="webhook"))
            seen.add(order_id)
            if lease is not None and index % 20 == 19 and not lease.renew():
                raise LeaseLost()
    except PaymentRequiredError:
        with uow_factory() as uow:
            uow.stores.get(store_id).paused = True
            uow.commit()
        return False
    except UnauthorizedError as exc:
        _finish(uow_factory, events, now, WebhookEventStatus.FAILED, error=exc.message, resolution=exc.resolution)
        report.failed_events += len(events)
        return True
    finally:
        report.api_calls += getattr(client, "api_calls", 0)
        close = getattr(client, "close", None)
        if close:
            close()
    failed = {r.external_id: r.message for r in report.imports.results if r.outcome is Outcome.FAILED}
    for event in events:
        if event.resource_id in not_found:
            _finish(uow_factory, [event], now, WebhookEventStatus.FAILED,
                    error=f"Pedido {event.resource_id} não existe na loja (404).",
                    resolution="O pedido pode ter sido apagado na loja. Nada a fazer, ou tente de novo com "
                               "`lojasync events retry ID` se ele voltar a existir.")
            report.failed_events += 1
        elif event.resource_id in refused:
            error = refused[event.resource_id]
            _finish(uow_factory, [event], now, WebhookEventStatus.FAILED, error=error.message,
                    resolution=error.resolution or "Tente de novo com `lojasync events retry ID`.")
            report.failed_events += 1
        elif event.resource_id in failed:
            _finish(uow_factory, [event], now, WebhookEventStatus.FAILED, error=failed[event.resource_id],
                    resolution="Corrija o pedido na loja; a notificação seguinte ou `lojasync events retry ID` "
                               "importa de novo.")
            report.failed_events += 1
    # Orders beyond this pass's GET budget stay pending for the next pass.
    unfinished = not_found | refused.keys() | failed.keys()
    done = [e for e in events if e.resource_id is None
            or (e.resource_id in seen and e.resource_id not in unfinished)]
    _finish(uow_factory, done, now, WebhookEventStatus.DONE)
    return True


def _import_listing(client, uow_factory, store_id, policy, since: datetime, report: DrainReport, lease,
                    until: datetime | None = None) -> set[str]:
    params = {"updated_at_min": since.isoformat(timespec="seconds"), "per_page": 200}
    if until is not None:
        params["updated_at_max"] = until.isoformat(timespec="seconds")
    seen: set[str] = set()
    for page in client.iter_order_pages(params):
        # Smaller transactions than the sync's: on SQLite a write holds the lock that the webhook
        # inbox needs, and answering the platform fast matters more here than bulk speed.
        for start in range(0, len(page.orders), WEBHOOK_IMPORT_CHUNK):
            chunk = page.orders[start:start + WEBHOOK_IMPORT_CHUNK]
            report.imports.extend(import_orders(uow_factory, store_id, chunk, policy, source="webhook"))
        seen.update(str(o.get("id")) for o in page.orders if isinstance(o, dict))
        if lease is not None and not lease.renew():
            raise LeaseLost()
    return seen


def _already_imported(uow_factory, store_id: int, order_ids: set[str]) -> set[str]:
    """Orders the listing since the last reconciliation did not return have not changed since it."""
    with uow_factory() as uow:
        return set(uow.bindings.orders_by_external_ids(store_id, order_ids))


class LeaseLost(RuntimeError):
    """Another worker took the store (our lease expired): stop, the events stay pending."""

    retryable = True


def _finish(uow_factory, events: list[WebhookEvent], now, status: str, error: str | None = None,
            resolution: str | None = None) -> None:
    if not events:
        return
    with uow_factory() as uow:
        for event in events:
            record = uow.events.get(event.id)
            record.attempts += 1
            if status == WebhookEventStatus.FAILED:
                record.mark_failed(now(), error or "", resolution or "")
            else:
                record.mark_done(now(), status)
                record.error = error
        uow.commit()


MAX_ATTEMPTS = 5


def _count_attempt(uow_factory, events: list[WebhookEvent], exc: Exception, now) -> None:
    with uow_factory() as uow:
        for event in events:
            record = uow.events.get(event.id)
            if record is None or record.status != WebhookEventStatus.PENDING:
                continue
            record.attempts += 1
            if record.attempts >= MAX_ATTEMPTS:
                record.mark_failed(now(), f"Erro ao processar ({type(exc).__name__}) após {record.attempts} "
                                          "tentativas.",
                                   "Veja os logs do worker (procure o id do evento); depois de corrigir, "
                                   "use `lojasync events retry ID` ou `--all`.")
        uow.commit()


def retryable(exc: Exception) -> bool:
    """Transient errors leave the events pending and the task is retried with backoff."""
    return bool(getattr(exc, "retryable", False)) and isinstance(exc, (NuvemshopError, LeaseLost))
