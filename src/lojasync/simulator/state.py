"""The simulator: stores, request gate (auth, suspension, rate limit), counters and mutations."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import datetime

from lojasync.simulator import orders as rules
from lojasync.simulator.bucket import BucketRegistry, BucketVerdict
from lojasync.simulator.clock import Clock, real_clock
from lojasync.simulator.config import SimulatorConfig
from lojasync.simulator.errors import api_error, not_found
from lojasync.simulator.generator import StoreGenerator
from lojasync.simulator.orders import OrderRecord
from lojasync.simulator.query import ListQuery, OrderQuery, select_fields
from lojasync.simulator.store import StoreState

Listener = Callable[[str, str, int], None]


def bearer_token(authentication: str | None, authorization: str | None) -> str | None:
    """`Authentication: bearer X` (documented) or `Authorization: Bearer X`; scheme case-insensitive."""
    for header in (authentication, authorization):
        if header:
            scheme, _, token = header.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def _dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()


class Simulator:
    """Thread safe: every public method takes the lock; listeners run after it is released."""

    def __init__(self, config: SimulatorConfig | None = None, clock: Clock | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.config = config or SimulatorConfig()
        self.clock: Clock = clock or real_clock
        self.lock = threading.RLock()
        self.stores: dict[str, StoreState] = {}
        self.buckets = BucketRegistry(self.config.bucket_size, self.config.leak_per_second, monotonic)
        self.api_calls = 0
        self.rate_limited = 0
        self._listeners: list[Listener] = []
        c = self.config
        self.add_store(c.store_id, c.access_token, orders=c.orders, seed=c.seed, days=c.days, now=c.now)

    # stores
    def add_store(self, store_id: str, access_token: str, *, orders: int = 300, seed: int = 0,
                  days: float = 30.0, now: datetime | None = None, bucket_size: int | None = None,
                  leak_per_second: float | None = None) -> StoreState:
        anchor = (now or self.clock()).replace(microsecond=0)
        generator = StoreGenerator(store_id, seed, anchor)
        store = StoreState.build(store_id, access_token, generator, generator.history(orders, days, anchor))
        if bucket_size or leak_per_second:
            self.buckets.configure_store(store_id, bucket_size or self.config.bucket_size,
                                         leak_per_second or self.config.leak_per_second)
        with self.lock:
            self.stores[store_id] = store
        return store

    def store(self, store_id: str | None = None) -> StoreState:
        store = self.stores.get(self.config.store_id if store_id is None else str(store_id))
        if store is None:
            raise not_found("Store not found")
        return store

    def add_token(self, token: str, store_id: str | None = None) -> None:
        with self.lock:
            self.store(store_id).tokens.add(token)

    def revoke_token(self, token: str, store_id: str | None = None) -> None:
        with self.lock:
            self.store(store_id).tokens.discard(token)

    def suspend(self, store_id: str | None = None) -> None:
        self._set_suspended(store_id, True)

    def resume(self, store_id: str | None = None) -> None:
        self._set_suspended(store_id, False)

    def _set_suspended(self, store_id: str | None, value: bool) -> None:
        with self.lock:
            store = self.store(store_id)
            store.suspended = value
        resource = int(store.store_id) if store.store_id.isdigit() else 0
        self._emit(store.store_id, "app/suspended" if value else "app/resumed", resource)

    # listeners (a webhook sender subscribes here)
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def notify(self, store_id: str, event: str, resource_id: int | str) -> None:
        """Tell listeners about `event` on a resource (call without holding the lock)."""
        self._emit(str(store_id), event, int(resource_id))

    def _emit(self, store_id: str, event: str, resource_id: int) -> None:
        for listener in list(self._listeners):
            listener(store_id, event, resource_id)

    # request gate
    def admit(self, store_id: str, user_agent: str | None, authentication: str | None,
              authorization: str | None = None) -> BucketVerdict:
        """Count the call and run the checks in Nuvemshop's order; raises ApiError."""
        with self.lock:
            self.api_calls += 1
            store = self.stores.get(store_id)
            if store is not None:
                store.api_calls += 1
        if self.config.user_agent_required and not (user_agent or "").strip():
            raise api_error(400, "User-Agent header is required")
        if store is None:
            raise not_found("Store not found")
        token = bearer_token(authentication, authorization)
        if token is None or token not in store.tokens:
            raise api_error(401, "Invalid access token")
        bucket = self.buckets.get(store_id, token)
        if store.suspended:
            raise api_error(402, "Store is suspended", bucket.peek().headers())
        verdict = bucket.hit()
        if not verdict.allowed:
            with self.lock:
                self.rate_limited += 1
                store.rate_limited += 1
            raise api_error(429, "Rate limit exceeded", verdict.headers())
        return verdict

    # reading
    def orders_page(self, store_id: str, version: str, query: OrderQuery) -> tuple[int, int, bytes]:
        """(total matches, last page, JSON body of the requested page)."""
        with self.lock:
            store = self.store(store_id)
            matches = query.filter(store.ordered)
            start, end, last = query.window(len(matches))
            page = matches[start:end]
            if query.fields:
                return len(matches), last, _dumps([select_fields(r.payload(version), query.fields) for r in page])
            return len(matches), last, b"[" + b",".join(r.json(version) for r in page) + b"]"

    def order_json(self, store_id: str, order_id, version: str = "2025-03", fields=None) -> bytes:
        with self.lock:
            record = self.store(store_id).order(order_id)
            return _dumps(select_fields(record.payload(version), fields)) if fields else record.json(version)

    def get_order(self, order_id, store_id: str | None = None, version: str = "2025-03") -> dict:
        with self.lock:
            return json.loads(self.store(store_id).order(order_id).json(version))

    def orders(self, store_id: str | None = None) -> list[dict]:
        """Copies of every order, in API order (created_at, id)."""
        with self.lock:
            return [json.loads(r.json("2025-03")) for r in self.store(store_id).ordered]

    def record(self, order_id, store_id: str | None = None) -> OrderRecord:
        """The live internal record (document_kind, timestamps); do not mutate it directly."""
        with self.lock:
            return self.store(store_id).order(order_id)

    def products(self, store_id: str | None = None) -> list[dict]:
        with self.lock:
            return json.loads(_dumps(list(self.store(store_id).products.values())))

    def webhooks(self, store_id: str | None = None) -> list[dict]:
        """Registered webhooks (copies): what a webhook sender delivers to."""
        with self.lock:
            return [dict(hook) for hook in self.store(store_id).webhooks.values()]

    def products_page(self, store_id: str, query: ListQuery) -> tuple[int, int, bytes]:
        with self.lock:
            items = [p for p in self.store(store_id).products.values()
                     if query.since_id is None or p["id"] > query.since_id]
            start, end, last = query.window(len(items))
            return len(items), last, _dumps([select_fields(p, query.fields) for p in items[start:end]])

    def read(self, reader: Callable[[StoreState], object], store_id: str | None = None) -> bytes:
        """Run `reader` on the store under the lock and return its JSON."""
        with self.lock:
            return _dumps(reader(self.store(store_id)))

    # mutations
    def _mutate(self, store_id, order_id, change: Callable[[OrderRecord, datetime], None], event: str) -> dict:
        with self.lock:
            store = self.store(store_id)
            record = store.order(order_id)
            change(record, self.clock())
            result = json.loads(record.json("2025-03"))
        self._emit(store.store_id, event, record.id)
        return result

    def create_order(self, *, store_id: str | None = None) -> dict:
        """A new random order placed now: open, payment pending, unpacked; takes stock."""
        with self.lock:
            store = self.store(store_id)
            now = self.clock()
            record = store.generator.new_order(now)
            store.add_order(record)
            store.take_stock(record, -1, now)
            result = json.loads(record.json("2025-03"))
        self._emit(store.store_id, "order/created", record.id)
        return result

    def create_orders(self, count: int, store_id: str | None = None) -> list[int]:
        return [self.create_order(store_id=store_id)["id"] for _ in range(count)]

    def pay_order(self, order_id, *, store_id: str | None = None) -> dict:
        return self._mutate(store_id, order_id, rules.pay, "order/paid")

    def cancel_order(self, order_id, reason: str = "other", *, store_id: str | None = None,
                     restock: bool = False) -> dict:
        def change(record: OrderRecord, now: datetime) -> None:
            rules.cancel(record, now, reason)
            if restock:
                self.store(store_id).take_stock(record, +1, now)
        return self._mutate(store_id, order_id, change, "order/cancelled")

    def close_order(self, order_id, *, store_id: str | None = None) -> dict:
        return self._mutate(store_id, order_id, rules.close, "order/updated")

    def open_order(self, order_id, *, store_id: str | None = None) -> dict:
        return self._mutate(store_id, order_id, rules.reopen, "order/updated")

    def edit_order(self, order_id, changes: dict | None = None, *, store_id: str | None = None, **more) -> dict:
        """Store-side edit; keys in orders.EDITABLE (identification, quantity, quantities, note...)."""
        changes = {**(changes or {}), **more}
        event = "order/edited" if {"quantity", "quantities"} & set(changes) else "order/updated"
        return self._mutate(store_id, order_id, lambda r, now: rules.edit(r, now, changes), event)

    def set_order_identification(self, order_id, document: str | None, *, store_id: str | None = None,
                                 contact: bool = True) -> dict:
        """Set customer.identification (and, with `contact`, contact_identification)."""
        changes = {"identification": document}
        if contact:
            changes["contact_identification"] = document
        return self.edit_order(order_id, changes, store_id=store_id)

    def mutate_store(self, change: Callable[[StoreState, datetime], object], store_id: str | None = None) -> bytes:
        """Run a product/webhook change under the lock; returns its JSON."""
        with self.lock:
            return _dumps(change(self.store(store_id), self.clock()))

    # stats
    def stats(self) -> dict:
        with self.lock:
            per_store = {
                sid: {"api_calls": s.api_calls, "rate_limited": s.rate_limited, "orders": len(s.records),
                      "suspended": s.suspended, "webhooks": len(s.webhooks)}
                for sid, s in self.stores.items()
            }
            return {"api_calls": self.api_calls, "rate_limited": self.rate_limited,
                    "orders": sum(len(s.records) for s in self.stores.values()), "stores": per_store}

    def reset_stats(self) -> None:
        with self.lock:
            self.api_calls = self.rate_limited = 0
            for store in self.stores.values():
                store.api_calls = store.rate_limited = 0
