"""Hand-written fakes of lojasync's own interfaces: a unit of work in memory and a store client.

Service rules are unit-tested with these, without a database or HTTP (cosmicpython style); the
database tests stay in tests/integration. The fake publishes domain events through the same message
bus as the real one, so the order history is written exactly as in production.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

from lojasync.bootstrap import message_bus
from lojasync.nuvemshop.client.protocol import OrdersPage
from lojasync.nuvemshop.model.store_log import StoreLogEntry, StoreLogType
from lojasync.nuvemshop.model.store_updates import StoreUpdate, UpdateKind
from lojasync.nuvemshop.model.webhook_events import WebhookEvent, WebhookEventStatus
from lojasync.sales.history import HistoryEntry, actor_name
from lojasync.sales.ports import OriginRef
from lojasync.shared.events import (
    drop_recorded_since,
    pull_recorded,
    pull_recorded_since,
    recording_events,
    sequence_mark,
)
from lojasync.stock.product_filter import listing_order, matches
from tests.unit.fake_order_search import FakeOrderSearch

_ids = itertools.count(1)


def _assign_id(obj) -> None:
    if getattr(obj, "id", None) is None:
        obj.id = next(_ids)


class _Rows:
    def __init__(self) -> None:
        self.rows: list = []

    def add(self, obj) -> None:
        if obj not in self.rows:
            self.rows.append(obj)

    def list(self) -> list:
        return list(self.rows)


class FakeCustomers(_Rows):
    def by_tax_ids(self, tax_ids: Iterable[str]) -> dict:
        wanted = set(tax_ids)
        return {c.tax_id: c for c in self.rows if c.tax_id in wanted}

    def by_tax_id(self, tax_id: str):
        return self.by_tax_ids([tax_id]).get(tax_id)

    def by_ids(self, customer_ids: Iterable[int]) -> dict:
        wanted = set(customer_ids)
        return {c.id: c for c in self.rows if c.id in wanted}


class FakeProducts(_Rows):
    def __init__(self) -> None:
        super().__init__()
        # Set by a test: the ledger's balances and the counted (ERP-managed) products.
        self.balances: dict[int, int] = {}
        self.counted_ids: set[int] = set()
        self.reservations: dict[int, int] = {}   # units on open orders placed since the first count

    def list(self, limit: int | None = None, offset: int = 0) -> list:
        return self.rows[offset:None if limit is None else offset + limit]

    def count(self) -> int:
        return len(self.rows)

    def listing(self, criteria, limit: int | None = None, offset: int = 0) -> tuple[list, int]:
        found = listing_order([p for p in self.rows if matches(criteria, p, p.id in self.counted_ids)])
        return found[offset:None if limit is None else offset + limit], len(found)

    def by_skus(self, skus: Iterable[str], for_update: bool = False) -> dict:
        wanted = set(skus)
        return {p.sku: p for p in self.rows if p.sku in wanted}

    def by_sku_ignoring_case(self, sku: str, for_update: bool = False) -> list:
        return sorted((p for p in self.rows if p.sku and p.sku.lower() == sku.lower()), key=lambda p: p.sku)

    def by_id(self, product_id: int, for_update: bool = False):
        return next((p for p in self.rows if p.id == product_id), None)

    def by_ids(self, product_ids: Iterable[int]) -> dict:
        wanted = set(product_ids)
        return {p.id: p for p in self.rows if p.id in wanted}

    def stock_levels(self, product_ids: Iterable[int] | None = None) -> dict:
        return {pid: q for pid, q in self.balances.items() if product_ids is None or pid in set(product_ids)}

    def counted(self, product_ids: Iterable[int] | None = None) -> set[int]:
        return set(self.counted_ids) if product_ids is None else self.counted_ids & set(product_ids)

    def reserved(self, product_ids: Iterable[int]) -> dict[int, int]:
        wanted = set(product_ids) & self.counted_ids
        return {pid: q for pid, q in self.reservations.items() if pid in wanted}

    def movement_count(self) -> int:
        return 0


class FakeOrders(_Rows):
    def get(self, number: int, *, for_update: bool = False, lines: bool = True):
        return next((o for o in self.rows if o.id == number), None)

    def list(self, status=None, needs_attention=None, without_customer=False, limit=None) -> list:
        found = [o for o in sorted(self.rows, key=lambda o: -o.id)
                 if (status is None or o.status == status)
                 and (needs_attention is None or o.needs_attention == needs_attention)
                 and (not without_customer or o.customer is None)]
        return found[:limit] if limit else found

    def for_processing(self, numbers) -> dict:
        return {o.id: o for o in self.rows if o.id in set(numbers)}

    def sale_lines(self, order_id: int) -> list[tuple]:
        order = self.get(order_id)
        return [(x.position, x.product_id if x.product_id is not None else x.product.id, x.quantity, x.unit_price)
                for x in sorted(order.lines, key=lambda x: x.position)
                if x.product_id is not None or getattr(x, "product", None) is not None]


class FakeHistory:
    def __init__(self) -> None:
        self.entries: list[HistoryEntry] = []
        self.pending: list = []

    def add(self, event) -> None:
        self.pending.append(event)

    def write_pending(self) -> None:
        for event in self.pending:
            entry = HistoryEntry(event.order.id, event.history_type.value, event.actor.value, event.params(),
                                 datetime.now(timezone.utc), actor_name(event.actor))
            entry.id = next(_ids)
            self.entries.append(entry)
        self.pending.clear()

    def for_order(self, order_id: int, latest: int | None = None) -> list[HistoryEntry]:
        found = [e for e in self.entries if e.order_id == order_id]
        return found[max(len(found) - latest, 0):] if latest is not None else found

    def count_for_order(self, order_id: int) -> int:
        return len(self.for_order(order_id))

    def for_orders(self, order_ids: Iterable[int]) -> dict:
        wanted = set(order_ids)
        found: dict = {}
        for entry in self.entries:
            if entry.order_id in wanted:
                found.setdefault(entry.order_id, []).append(entry)
        return found

    def erase_legacy_texts(self, order_ids: Iterable[int]) -> int:
        return 0


class FakeBindings(_Rows):
    def orders_by_external_ids(self, store_id: int, external_ids: Iterable[str], lock: bool = False) -> dict:
        wanted = set(external_ids)
        return {b.external_id: b for b in self._of("OrderBinding")
                if b.store_id == store_id and b.external_id in wanted}

    def order_ids_by_external_ids(self, store_id: int, external_ids: Iterable[str]) -> dict:
        return {external_id: b.order.id for external_id, b in self.orders_by_external_ids(store_id, external_ids).items()
                if b.order is not None}

    def for_orders(self, order_ids: Iterable[int]) -> dict:
        wanted = set(order_ids)
        return {b.order.id: b for b in self._of("OrderBinding") if b.order is not None and b.order.id in wanted}

    def customers_by_external_ids(self, store_id: int, external_ids: Iterable[str]) -> dict:
        wanted = set(external_ids)
        return {b.external_id: b for b in self._of("CustomerBinding")
                if b.store_id == store_id and b.external_id in wanted}

    def variant_gone(self, store_id: int, variant_id: str, when) -> None:
        for b in self._of("ProductBinding"):
            if b.store_id == store_id and b.external_variant_id == variant_id and b.gone_at is None:
                b.gone_at = when

    def products_for(self, product_ids: Iterable[int], store_id: int | None = None) -> list:
        wanted = set(product_ids)
        return [b for b in self._of("ProductBinding")
                if b.product is not None and b.product.id in wanted and b.gone_at is None
                and (store_id is None or b.store_id == store_id)]

    def products_by_variant_ids(self, store_id: int, variant_ids: Iterable[str]) -> dict:
        wanted = set(variant_ids)
        return {b.external_variant_id: b for b in self._of("ProductBinding")
                if b.store_id == store_id and b.external_variant_id in wanted}

    def _of(self, kind: str) -> list:
        return [b for b in self.rows if type(b).__name__ == kind]


class FakeOrigins:
    def __init__(self, bindings: FakeBindings) -> None:
        self.bindings = bindings

    def for_orders(self, order_ids: Iterable[int]) -> dict:
        return {order_id: OriginRef(order_id, b.external_id, b.external_number,
                                    {"status": b.store_status, "payment_status": b.store_payment_status,
                                     "shipping_status": b.store_shipping_status,
                                     "cancel_reason": b.store_cancel_reason})
                for order_id, b in self.bindings.for_orders(order_ids).items()}


class FakeFailures(_Rows):
    def by_external_ids(self, store_id: int, external_ids: Iterable[str]) -> dict:
        wanted = set(external_ids)
        return {f.external_id: f for f in self.rows if f.store_id == store_id and f.external_id in wanted}

    def list(self, store_id: int | None = None) -> list:
        return [f for f in self.rows if store_id is None or f.store_id == store_id]

    def delete(self, failure) -> None:
        self.rows.remove(failure)


class FakeStores(_Rows):
    def get(self, store_id: int):
        return next((s for s in self.rows if s.id == store_id), None)

    def by_external_id(self, external_id: str):
        return next((s for s in self.rows if s.external_id == external_id), None)


class FakeStoreLog(_Rows):
    def record(self, store_id: int, entry_type: StoreLogType, actor: str, params: dict | None = None) -> None:
        self.add(StoreLogEntry(store_id, entry_type, actor, params))

    def for_store(self, store_id: int, limit: int = 100) -> list:
        return [e for e in reversed(self.rows) if e.store_id == store_id][:limit]

    def has(self, store_id: int, entry_type: StoreLogType, params: dict) -> bool:
        return any(e.store_id == store_id and e.type == entry_type.value and e.params == params for e in self.rows)


class FakeWebhookEvents(_Rows):
    def get(self, event_id: int):
        return next((e for e in self.rows if e.id == event_id), None)

    def pending_for_store(self, store_id: int, limit: int = 5000) -> list:
        return [e for e in self.rows if e.store_id == store_id and e.status == WebhookEventStatus.PENDING][:limit]

    def stores_with_pending(self) -> list:
        return sorted({e.store_id for e in self.rows if e.status == WebhookEventStatus.PENDING})

    def list(self, status: str | None = None, limit: int = 100, before: int | None = None) -> list:
        return [e for e in reversed(self.rows)
                if (status is None or e.status == status) and (before is None or e.id < before)][:limit]


class FakeLeases:
    def __init__(self) -> None:
        self.holders: dict[int, tuple[str, datetime]] = {}

    def acquire(self, store_id, holder, now, expires_at) -> bool:
        current = self.holders.get(store_id)
        if current is None or current[0] == holder or current[1] < now:
            self.holders[store_id] = (holder, expires_at)
            return True
        return False

    def extend(self, store_id, holder, expires_at) -> bool:
        if self.holder(store_id) != holder:
            return False
        self.holders[store_id] = (holder, expires_at)
        return True

    def holder(self, store_id):
        return self.holders.get(store_id, (None,))[0]

    def live_holder(self, store_id, now) -> str | None:
        current = self.holders.get(store_id)
        return current[0] if current is not None and current[1] > now else None

    def steal(self, store_id, from_holder, holder, expires_at) -> bool:
        return False

    def release(self, store_id, holder) -> None:
        if self.holder(store_id) == holder:
            del self.holders[store_id]


class FakePeriodicRuns:
    def __init__(self) -> None:
        self.last: dict[str, datetime] = {}

    def claim_round(self, name: str, now: datetime, not_before: datetime) -> bool:
        if name in self.last and self.last[name] >= not_before:
            return False
        self.last[name] = now
        return True


class FakeStoreUpdates:
    """The outbox in memory, with the SQL repository's rules: one row per (store, kind, ref), a change bumps
    the revision, a push finishes only the revision it read."""

    def __init__(self, bindings: FakeBindings | None = None) -> None:
        self.rows: dict[tuple[int, str, str], dict] = {}
        self._bindings = bindings

    def want_stock(self, targets, now) -> None:
        for t in targets:
            self._upsert(t.store_id, UpdateKind.STOCK.value, t.variant_ref, now, parent_ref=t.product_ref,
                         product_id=t.product_id, value=None)

    def stock_sent(self, store_id, variant_refs) -> dict:
        wanted = set(variant_refs)
        return {ref: (row["status"], row["sent_value"]) for (sid, kind, ref), row in self.rows.items()
                if sid == store_id and kind == UpdateKind.STOCK.value and ref in wanted}

    def want_invoice_key(self, store_id, order_ref, key, now) -> None:
        self._upsert(store_id, UpdateKind.NFE_KEY.value, order_ref, now, parent_ref=None, product_id=None, value=key)

    def want_invoice_key_of_order(self, order_id, key, now) -> None:
        binding = self._bindings.for_orders([order_id]).get(order_id) if self._bindings else None
        if binding is not None:
            self.want_invoice_key(binding.store_id, binding.external_id, key, now)

    def want_tracking_of_order(self, order_id, code, now) -> bool:
        binding = self._bindings.for_orders([order_id]).get(order_id) if self._bindings else None
        if binding is None:
            return False
        self._upsert(binding.store_id, UpdateKind.TRACKING.value, binding.external_id, now, parent_ref=None,
                     product_id=None, value=code)
        return True

    def withdraw_invoice_key(self, store_id, order_ref, now) -> bool:
        row = self.rows.get((store_id, UpdateKind.NFE_KEY.value, order_ref))
        if row is None:
            return False
        row.update(value=None, **self._requeued(row, now))
        return True

    def _upsert(self, store_id, kind, ref, now, **data) -> None:
        row = self.rows.get((store_id, kind, ref))
        if row is None:
            self.rows[(store_id, kind, ref)] = {
                "id": next(_ids), "store_id": store_id, "kind": kind, "ref": ref, **data, "remote_id": None,
                "sent_value": None, "status": "pending", "revision": 1, "attempts": 0, "next_attempt_at": None,
                "last_error": None, "resolution": None, "pushed_at": None, "created_at": now, "updated_at": now,
                "failing_since": None}
        else:
            row.update(**data, **self._requeued(row, now))

    @staticmethod
    def _requeued(row, now) -> dict:
        if row["status"] == "pending" and row["failing_since"] is not None:   # the store keeps failing it
            return {"revision": row["revision"] + 1, "updated_at": now}
        return {"status": "pending", "revision": row["revision"] + 1, "attempts": 0, "next_attempt_at": None,
                "last_error": None, "resolution": None, "failing_since": None, "updated_at": now}

    def _due(self, row, now) -> bool:
        return row["status"] == "pending" and (row["next_attempt_at"] is None or row["next_attempt_at"] <= now)

    def due(self, store_id, now, limit=500) -> list[StoreUpdate]:
        rows = sorted((r for r in self.rows.values() if r["store_id"] == store_id and self._due(r, now)),
                      key=lambda r: (r["attempts"], r["kind"], r["parent_ref"] or "", r["id"]))
        return [StoreUpdate(**r) for r in rows[:limit]]

    def stores_due(self, now, kind=None) -> list[int]:
        return sorted({r["store_id"] for r in self.rows.values()
                       if self._due(r, now) and (kind is None or r["kind"] == kind.value)})

    def _row(self, update: StoreUpdate) -> dict:
        return next(r for r in self.rows.values() if r["id"] == update.id)

    def finish(self, update, now, sent_value, remote_id) -> bool:
        row = self._row(update)
        if row["status"] == "failed" and row["revision"] != update.revision:   # another worker failed the newer value
            row.update(sent_value=sent_value, remote_id=remote_id, pushed_at=now, updated_at=now)
            return True
        row.update(status="done" if row["revision"] == update.revision else "pending", attempts=0)
        row.update(next_attempt_at=None, last_error=None, resolution=None, failing_since=None, sent_value=sent_value,
                   remote_id=remote_id, pushed_at=now, updated_at=now)
        return True

    def fail(self, update, now, error, resolution) -> bool:
        row = self._row(update)
        if row["revision"] != update.revision:
            return False
        row.update(status="failed", attempts=row["attempts"] + 1, last_error=error, resolution=resolution,
                   failing_since=row["failing_since"] or now, updated_at=now)
        return True

    def still_failed(self, updates) -> set[int]:
        return {u.id for u in updates if self._row(u)["status"] == "failed" and self._row(u)["revision"] == u.revision}

    def postpone(self, updates, now, error, retry_at, counted=True) -> None:
        for update in updates:
            row = self._row(update)
            if row["status"] == "pending":
                row.update(attempts=row["attempts"] + counted, last_error=error, next_attempt_at=retry_at,
                           failing_since=(row["failing_since"] or now) if counted else row["failing_since"],
                           updated_at=now)

    def due_now(self, store_id, now) -> int:
        waiting = [r for r in self.rows.values() if r["store_id"] == store_id and r["status"] == "pending"
                   and r.get("next_attempt_at") is not None and r["next_attempt_at"] > now]
        for row in waiting:
            row["next_attempt_at"] = None
        return len(waiting)

    def retry_failed(self, store_id, now) -> int:
        failed = [r for r in self.rows.values() if r["store_id"] == store_id and r["status"] == "failed"]
        for row in failed:
            row.update(self._requeued(row, now))
        return len(failed)

    def list(self, store_id, statuses, limit=200) -> list[StoreUpdate]:
        return [StoreUpdate(**r) for r in self.rows.values() if r["store_id"] == store_id and r["status"] in statuses]


class FakeInvoices(_Rows):
    """NF-e by order: the fiscal handlers ask (a customer replaced while an NF-e stands is refused)."""

    def for_order(self, order_id: int) -> list:
        return [i for i in self.rows if i.order_id == order_id]

    def active_for_order(self, order_id: int):
        return next((i for i in self.for_order(order_id) if i.is_active), None)

    def numbers(self, invoice_ids: Iterable[int]) -> dict[int, int]:
        wanted = set(invoice_ids)
        return {i.id: i.number for i in self.rows if i.id in wanted}


class FakeUnitOfWork:
    """The connector's unit of work, in memory. A transaction that does not commit forgets the rows it
    added (changes to objects that existed before stay: transactions themselves are tested on the real
    databases; this is enough for the services' rules)."""

    writers_one_at_a_time = True   # one test at a time writes it

    def __init__(self) -> None:
        self.bus = message_bus()
        self.customers, self.products, self.orders = FakeCustomers(), FakeProducts(), FakeOrders()
        self.order_history = FakeHistory()
        self.bindings = FakeBindings()
        self.origins = FakeOrigins(self.bindings)
        self.order_search = FakeOrderSearch(self.orders, self.bindings)
        self.failures, self.stores, self.store_log = FakeFailures(), FakeStores(), FakeStoreLog()
        self.webhook_events, self.leases, self.periodic_runs = FakeWebhookEvents(), FakeLeases(), FakePeriodicRuns()
        self.store_updates = FakeStoreUpdates(self.bindings)
        self.invoices = FakeInvoices()
        self.commits = 0
        self._active = False
        # Set by a test: raise this from the next commits whose new or changed orders match (a refusing database).
        self.refuse = None

    def _row_lists(self) -> list[list]:
        return [repo.rows for repo in vars(self).values() if isinstance(repo, _Rows)] + [self.order_history.entries]

    def __enter__(self) -> FakeUnitOfWork:
        assert not self._active, "nested transaction"
        self._active = True
        self._committed = False
        self._before = [list(rows) for rows in self._row_lists()]
        self._recording = recording_events()
        self._aggregates = self._recording.__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        pull_recorded(self._aggregates)
        self._recording.__exit__(None, None, None)
        self._active = False
        if not self._committed:
            for rows, before in zip(self._row_lists(), self._before, strict=True):
                rows[:] = before
            self.order_history.pending.clear()

    def commit(self) -> None:
        self.publish()
        self.flush()
        if self.refuse is not None:
            self.refuse(self)
        self.commits += 1
        self._committed = True

    def publish(self) -> None:
        self.bus.handle(self, lambda: pull_recorded(self._aggregates))

    def redoable(self) -> None:
        """Nothing to relax in memory."""

    def attempt(self, part) -> Exception | None:
        """As the real one (`SqlUnitOfWork.attempt`), but for the rows: the part's own events handled inside it, and
        those of a failed part dropped; what a failed part changed in memory stays (no savepoint here: they are tested
        on the real databases)."""
        mark = sequence_mark()
        try:
            part()
            self.bus.handle(self, lambda: pull_recorded_since(self._aggregates, mark))
        except Exception as exc:  # noqa: BLE001 - returned to the caller, as the real unit of work does
            drop_recorded_since(self._aggregates, mark)
            return exc
        return None

    def flush(self) -> None:
        # New orders, customers and products reach the repositories through the objects that hold them.
        for binding in self.bindings.rows:
            for attr in ("order", "customer", "product"):
                target = getattr(binding, attr, None)
                if target is not None:
                    {"order": self.orders, "customer": self.customers, "product": self.products}[attr].add(target)
        for repository in (self.orders, self.customers, self.products, self.stores, self.failures,
                           self.webhook_events, self.store_log):
            for obj in repository.rows:
                _assign_id(obj)
        for order in self.orders.rows:
            if order.customer is not None:
                self.customers.add(order.customer)
                _assign_id(order.customer)
                order.customer_id = order.customer.id
        self.order_history.write_pending()

    def no_autoflush(self):
        return contextlib.nullcontext()

    def detach(self, *objects) -> None:
        pass

    def detach_all(self) -> None:
        pass


class FakeStoreClient:
    """A store that answers from a dict of order payloads; counts calls like the real client."""

    def __init__(self, orders: dict[str, dict] | None = None, external_store_id: str = "1234567") -> None:
        self.external_store_id = external_store_id
        self.orders = dict(orders or {})
        self.api_calls = 0
        self.rate_limited = 0
        self.closed = False
        self.webhooks: list[dict] = []
        # Writing back: what the store holds, every stock write as (method, product, {variant: stock}), and
        # switches a test sets (the store down, variants deleted in the store, a hook run after a write).
        self.variant_stock: dict[str, int] = {}
        self.writes: list[tuple[str, str, dict]] = []
        self.metafields: dict[int, dict] = {}
        self.fulfilled: list[dict] = []   # every fulfill call's body, with the order id
        self.down = False
        self.gone_variants: set[str] = set()
        self.on_write = None

    def list_orders_page(self, params=None, *, url=None) -> OrdersPage:
        self.api_calls += 1
        return OrdersPage(list(self.orders.values()), 1, None, len(self.orders))

    def iter_order_pages(self, params=None, *, start_page: int = 1) -> Iterator[OrdersPage]:
        page = self.list_orders_page(params)
        if page.orders:
            yield page

    def get_order(self, order_id) -> dict:
        from lojasync.nuvemshop.client.errors import NotFoundError

        self.api_calls += 1
        if str(order_id) not in self.orders:
            raise NotFoundError(f"Pedido {order_id} não encontrado (404).")
        return self.orders[str(order_id)]

    def get_store(self) -> dict:
        self.api_calls += 1
        return {"id": int(self.external_store_id), "name": {"pt": "Loja Fake"}}

    def list_webhooks(self) -> list[dict]:
        self.api_calls += 1
        return list(self.webhooks)

    def create_webhook(self, event: str, url: str) -> dict:
        self.api_calls += 1
        self.webhooks.append({"event": event, "url": url})
        return self.webhooks[-1]

    # writing back: the store's variants' stock and its orders' metafields, as a store would keep them
    def set_variants_stock(self, product_id, stock) -> list[dict]:
        self._write("PATCH", product_id, stock)
        return [{"id": int(vid), "stock": quantity} for vid, quantity in stock.items()]

    def set_variant_stock(self, product_id, variant_id, stock) -> dict:
        self._write("PUT", product_id, {variant_id: stock})
        return {"id": int(variant_id), "stock": stock}

    def _write(self, method, product_id, stock) -> None:
        from lojasync.nuvemshop.client.errors import NotFoundError, TemporaryError

        self.api_calls += 1
        self.writes.append((method, str(product_id), {str(k): v for k, v in stock.items()}))
        if self.down:
            raise TemporaryError("A Nuvemshop não respondeu (HTTP 503).", status_code=503)
        gone = set(map(str, stock)) & self.gone_variants
        if gone:
            raise NotFoundError(f"Recurso não encontrado na Nuvemshop (404): variante {sorted(gone)[0]}.",
                                status_code=404, body={"code": 404, "description": "Variant not found"})
        for vid, quantity in stock.items():
            self.variant_stock[str(vid)] = quantity
        if self.on_write is not None:
            self.on_write()

    def find_order_metafields(self, order_id, namespace, key) -> list[dict]:
        self.api_calls += 1
        return [dict(m) for m in self.metafields.values()
                if (m["owner_id"], m["namespace"], m["key"]) == (int(order_id), namespace, key)]

    def create_order_metafield(self, order_id, namespace, key, value, description=None) -> dict:
        self.api_calls += 1
        metafield = {"id": next(_ids), "owner_resource": "Order", "owner_id": int(order_id), "namespace": namespace,
                     "key": key, "value": value}
        self.metafields[metafield["id"]] = metafield
        return dict(metafield)

    def update_metafield(self, metafield_id, value) -> dict:
        from lojasync.nuvemshop.client.errors import NotFoundError

        self.api_calls += 1
        if int(metafield_id) not in self.metafields:
            raise NotFoundError("Recurso não encontrado na Nuvemshop (404).", status_code=404)
        self.metafields[int(metafield_id)]["value"] = value
        return dict(self.metafields[int(metafield_id)])

    def delete_metafield(self, metafield_id) -> None:
        self.api_calls += 1
        self.metafields.pop(int(metafield_id), None)

    def fulfill_order(self, order_id, tracking_number, tracking_url=None, notify_customer=True) -> dict:
        self.api_calls += 1
        self.fulfilled.append({"order_id": str(order_id), "shipping_tracking_number": tracking_number,
                               "shipping_tracking_url": tracking_url, "notify_customer": notify_customer})
        if str(order_id) in self.orders:   # the store order now reads shipped with it
            self.orders[str(order_id)] = {**self.orders[str(order_id)], "shipping_tracking_number": tracking_number,
                                          "shipping_tracking_url": tracking_url}
        return {"id": int(order_id), "shipping_status": "shipped", "shipping_tracking_number": tracking_number}

    def close(self) -> None:
        self.closed = True


def pending_event(uow: FakeUnitOfWork, store, event: str, resource_id: str | None) -> WebhookEvent:
    record = WebhookEvent(store.id, store.external_id, event, resource_id, {"event": event, "id": resource_id},
                          datetime.now(timezone.utc))
    record.id = next(_ids)
    record.error = record.resolution = record.processed_at = None
    uow.webhook_events.add(record)
    return record
