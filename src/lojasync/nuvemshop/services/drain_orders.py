"""Order notifications of a drain, read in bulk.

Many pending orders are read through the order list (by `updated_at_min`) in pages of 200 instead of
one `GET /orders/{id}` each; whatever the pages missed (a late retry of an old notification) is then
fetched one by one. Each notification ends done, or failed with its reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lojasync.nuvemshop.client.errors import NotFoundError, NuvemshopError, PaymentRequiredError, UnauthorizedError
from lojasync.nuvemshop.errors import (
    BRING_IN_OLDER_ORDERS,
    RETRY_NOTIFICATION,
    LeaseLost,
    OrderImportFailed,
    StoreDisabled,
)
from lojasync.nuvemshop.model.webhook_events import WebhookEvent, WebhookEventStatus
from lojasync.nuvemshop.order_listing import listed_on, pages_apart, pages_shifted_back, payments
from lojasync.nuvemshop.ports import ClientFactory, ConnectorUnitOfWork, StoreClient
from lojasync.nuvemshop.services.import_orders import import_orders
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.leases import Lease
from lojasync.nuvemshop.services.outcomes import ImportReport, Outcome
from lojasync.nuvemshop.services.stores import inactive_error
from lojasync.sales.history import Actor
from lojasync.shared.errors import LojasyncError
from lojasync.shared.local_zone import local_day
from lojasync.shared.typed_day import shown

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
    needs_sync: bool = False   # app/resumed: a reconciliation should run now


class Finisher:
    """Marks events done, ignored or failed, in a transaction of their own."""

    def __init__(self, uow: ConnectorUnitOfWork, now: Callable[[], datetime]) -> None:
        self.uow, self.now = uow, now

    def __call__(self, events: list[WebhookEvent], status: str, error: LojasyncError | None = None,
                 note: str | None = None) -> None:
        """`error` is why events failed (its words and code are kept); `note` says why they were ignored."""
        if not events:
            return
        with self.uow as uow:
            for event in events:
                record = uow.webhook_events.get(event.id)
                record.attempts += 1
                if status == WebhookEventStatus.FAILED:
                    record.mark_failed(self.now(), error.message, error.resolution or RETRY_NOTIFICATION, error.code)
                else:
                    record.mark_done(self.now(), status, note)
            uow.commit()


def handle_order_events(uow: ConnectorUnitOfWork, client_factory: ClientFactory, policy: ImportPolicy,
                        store_id: int, events: list[WebhookEvent], threshold: int, report: DrainReport,
                        finish: Finisher, lease: Lease | None = None) -> bool:
    """Import the orders the events name; False when the store cannot be read now (the events wait)."""
    with uow:
        store = uow.stores.get(store_id)
        active, paused, cursor = store.active, store.paused, store.sync_cursor
        # Disabled here by an operator, or the app uninstalled: each said as it is (review: a disabled store's
        # webhooks said "app desinstalado", sending the operator to reinstall it).
        why = None if active else inactive_error(uow, store)
        uow.detach(store)
    if not active:
        note = ("Loja desativada no lojasync: pedido não importado (reative-a com lojasync store enable "
                f"{store.external_id}, e a conferência periódica traz o que chegou)"
                if isinstance(why, StoreDisabled) else "Loja desativada (app desinstalado): pedido não importado.")
        finish(events, WebhookEventStatus.IGNORED, note=note)
        return True
    if paused:
        return False
    try:
        client = client_factory(store)
    except LojasyncError as exc:  # the token cannot be decrypted (key changed) or is gone
        finish(events, WebhookEventStatus.FAILED, error=exc)
        return True
    reader = _OrderReader(uow, client, policy, store_id, report, lease)
    try:
        reader.read(events, threshold, cursor)
    except PaymentRequiredError:
        with uow:
            uow.stores.get(store_id).paused = True
            uow.commit()
        return False
    except UnauthorizedError as exc:
        finish(events, WebhookEventStatus.FAILED, error=exc)
        return True
    finally:
        report.api_calls += client.api_calls
        client.close()
    reader.finish(events, finish)
    return True


def before_start_note(policy: ImportPolicy) -> str | None:
    """What the notification of an order created before the data inicial says (the day where the merchant is)."""
    if policy.orders_from is None:
        return None
    # No command in it: the pages show it as it is (the terminal adds its own, `EventNotRetryable`).
    return (f"Pedido criado na loja antes da data inicial dos pedidos ({shown(local_day(policy.orders_from))}): não "
            f"importado. {BRING_IN_OLDER_ORDERS}")


class _OrderReader:
    """One pass over the orders that pending notifications name."""

    def __init__(self, uow: ConnectorUnitOfWork, client: StoreClient, policy: ImportPolicy, store_id: int,
                 report: DrainReport, lease: Lease | None) -> None:
        self.uow, self.client, self.policy, self.store_id = uow, client, policy, store_id
        self.report, self.lease = report, lease
        self.seen: set[str] = set()
        self.refused: dict[str, NuvemshopError] = {}
        self.not_found: set[str] = set()

    def read(self, events: list[WebhookEvent], threshold: int, cursor: datetime | None) -> None:
        wanted = {e.resource_id for e in events if e.resource_id}
        if len(wanted) > threshold:
            since = min(e.received_at for e in events) - CLOCK_MARGIN
            self._import_listing(since)
            missing = wanted - self.seen
            if len(missing) > threshold and cursor is not None and cursor - CLOCK_MARGIN < since:
                # Late retries (the platform resends for 48 h) name orders changed long ago: one more
                # listing from the last reconciliation covers them instead of one GET each.
                self._import_listing(cursor - CLOCK_MARGIN, until=since)
                self.seen |= self._already_imported(wanted - self.seen)
        for index, order_id in enumerate(sorted(wanted - self.seen)[:MAX_GETS_PER_PASS]):
            try:
                payload = self.client.get_order(order_id)
            except NotFoundError:
                self.not_found.add(order_id)
                continue
            except NuvemshopError as exc:
                if exc.retryable or isinstance(exc, (PaymentRequiredError, UnauthorizedError)):
                    raise
                self.refused[order_id] = exc  # this order's answer is unusable; the others go on
                continue
            self.report.imports.extend(import_orders(self.uow, self.store_id, [payload], self.policy, Actor.WEBHOOK))
            self.seen.add(order_id)
            if self.lease is not None and index % 20 == 19 and not self.lease.renew():
                raise LeaseLost()

    def finish(self, events: list[WebhookEvent], finish: Finisher) -> None:
        # How each order's last read ended decides its notification: the order as the store has it now. One left out
        # for its date is said so (it was done with nothing said, "processado" as if the order had been imported);
        # one read as failed and then read again, imported or left out, is no failure (review: the failure won).
        last = {r.external_id: r for r in self.report.imports.results}
        failed = {external_id: r.message for external_id, r in last.items() if r.outcome is Outcome.FAILED}
        for event in events:
            if event.resource_id in self.not_found:
                finish([event], WebhookEventStatus.FAILED, NotFoundError(
                    f"Pedido {event.resource_id} não existe na loja (404).",
                    resolution="O pedido pode ter sido apagado na loja. Nada a fazer; se ele voltar a existir, "
                               "reprocesse a notificação."))
            elif event.resource_id in self.refused:
                finish([event], WebhookEventStatus.FAILED, self.refused[event.resource_id])
            elif event.resource_id in failed:
                finish([event], WebhookEventStatus.FAILED, OrderImportFailed(failed[event.resource_id]))
        # Orders beyond this pass's GET budget stay pending for the next pass.
        unfinished = self.not_found | self.refused.keys() | failed.keys()
        # One naming no order ("" kept before receive_webhook took it for none) has nothing to wait for: left
        # pending, it kept the drain's loop going for good.
        done = [e for e in events if not e.resource_id
                or (e.resource_id in self.seen and e.resource_id not in unfinished)]
        before = [e for e in done
                  if e.resource_id and e.resource_id in last and last[e.resource_id].outcome is Outcome.BEFORE_START]
        # Handled, as an order of a disabled store is: ignored with the reason, never failed nor retried.
        finish(before, WebhookEventStatus.IGNORED, note=before_start_note(self.policy))
        left_out = {e.id for e in before}
        finish([e for e in done if e.id not in left_out], WebhookEventStatus.DONE)

    def _import_listing(self, since: datetime, until: datetime | None = None) -> None:
        params = {"updated_at_min": since.isoformat(timespec="seconds"), "per_page": 200}
        if until is not None:
            params["updated_at_max"] = until.isoformat(timespec="seconds")
        # Every payment status: the default listing leaves voided and refunded orders out (most store
        # cancellations), and `_already_imported` takes an order not returned as unchanged.
        pages_seen: dict[str, tuple[int, str | None]] = {}
        apart: dict[str, str | None] = {}

        def read(pages, noted: Callable[[object], None] = lambda page: None) -> None:
            for page in pages:
                noted(page)
                # Smaller transactions than the sync's: on SQLite a write holds the lock that the webhook
                # inbox needs, and answering the platform fast matters more here than bulk speed.
                for start in range(0, len(page.orders), WEBHOOK_IMPORT_CHUNK):
                    chunk = page.orders[start:start + WEBHOOK_IMPORT_CHUNK]
                    self.report.imports.extend(import_orders(self.uow, self.store_id, chunk, self.policy,
                                                             Actor.WEBHOOK))
                self.seen.update(str(o.get("id")) for o in page.orders if isinstance(o, dict))
                if self.lease is not None and not self.lease.renew():
                    raise LeaseLost()

        read(self.client.iter_order_pages(params), lambda page: listed_on(pages_seen, page))
        read(pages_apart(self.client, params), lambda page: apart.update(payments(page)))
        # An order that slid onto a page already read (another left the listing meanwhile) was never read: taken for
        # unchanged by `_already_imported`, its notification would be done with the old version kept (as the sync).
        read(pages_shifted_back(self.client, params, pages_seen, apart))

    def _already_imported(self, order_ids: set[str]) -> set[str]:
        """Orders the listing since the last reconciliation did not return have not changed since it. A link with no
        order (a customers/redact listed the order before it was imported) is no import (review)."""
        with self.uow:
            found = self.uow.bindings.orders_by_external_ids(self.store_id, order_ids)
            return {external_id for external_id, binding in found.items() if binding.order is not None}
