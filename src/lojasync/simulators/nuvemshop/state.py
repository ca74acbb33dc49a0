"""The simulator's facade: stores, request gate (auth, suspension, rate limit) and counters.

The rest of `Simulator` is mixed in from its parts: state_install (app settings, OAuth, uninstall),
state_delivery (listeners, webhook and LGPD delivery) and state_orders (order reads and changes).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from datetime import datetime

from lojasync.simulators.nuvemshop.bucket import BucketRegistry, BucketVerdict
from lojasync.simulators.nuvemshop.clock import Clock, real_clock
from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.delivery import Dispatcher
from lojasync.simulators.nuvemshop.errors import api_error, not_found
from lojasync.simulators.nuvemshop.generator import StoreGenerator
from lojasync.simulators.nuvemshop.oauth import CodeBook
from lojasync.simulators.nuvemshop.query import ListQuery, select_fields
from lojasync.simulators.nuvemshop.state_common import dumps
from lojasync.simulators.nuvemshop.state_delivery import DeliveryMixin, Listener
from lojasync.simulators.nuvemshop.state_install import LGPD_EVENTS, InstallMixin
from lojasync.simulators.nuvemshop.state_orders import OrdersMixin
from lojasync.simulators.nuvemshop.store import StoreState

__all__ = ["LGPD_EVENTS", "Listener", "Simulator", "bearer_token"]


def bearer_token(authentication: str | None, authorization: str | None) -> str | None:
    """`Authentication: bearer X` (documented) or `Authorization: Bearer X`; scheme case-insensitive."""
    for header in (authentication, authorization):
        if header:
            scheme, _, token = header.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


class Simulator(InstallMixin, DeliveryMixin, OrdersMixin):
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
        self.redirect_url: str | None = None
        self.lgpd_urls: dict[str, str] = {}
        self.set_redirect_url(c.redirect_url)
        self.set_lgpd_urls(c.lgpd_urls or {})
        self._codes = CodeBook()
        self._data_request_ids = itertools.count(7001)
        self.deliveries = Dispatcher(c.client_secret, workers=c.webhook_workers, timeout=c.webhook_timeout,
                                     time_scale=c.webhook_time_scale, max_attempts=c.webhook_max_attempts,
                                     seed=c.seed)
        if c.deliver_webhooks:
            self.subscribe(self._deliver_event)
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

    # products, webhooks and any other store data (orders: state_orders)
    def products(self, store_id: str | None = None) -> list[dict]:
        with self.lock:
            return json.loads(dumps(list(self.store(store_id).products.values())))

    def webhooks(self, store_id: str | None = None) -> list[dict]:
        """Registered webhooks (copies): what a webhook sender delivers to."""
        with self.lock:
            return [dict(hook) for hook in self.store(store_id).webhooks.values()]

    def variant_writes(self, store_id: str | None = None) -> list[dict]:
        """Every variant write the API received (PUT one, PATCH several), oldest first (copies)."""
        with self.lock:
            return json.loads(dumps(self.store(store_id).variant_writes))

    def metafields(self, store_id: str | None = None) -> list[dict]:
        """Every metafield in the store (copies)."""
        with self.lock:
            return json.loads(dumps(list(self.store(store_id).metafields.items.values())))

    def products_page(self, store_id: str, query: ListQuery) -> tuple[int, int, bytes]:
        with self.lock:
            items = [p for p in self.store(store_id).products.values()
                     if query.since_id is None or p["id"] > query.since_id]
            start, end, last = query.window(len(items))
            return len(items), last, dumps([select_fields(p, query.fields) for p in items[start:end]])

    def read(self, reader: Callable[[StoreState], object], store_id: str | None = None) -> bytes:
        """Run `reader` on the store under the lock and return its JSON."""
        with self.lock:
            return dumps(reader(self.store(store_id)))

    def mutate_store(self, change: Callable[[StoreState, datetime], object], store_id: str | None = None) -> bytes:
        """Run a product/webhook change under the lock; returns its JSON."""
        with self.lock:
            return dumps(change(self.store(store_id), self.clock()))

    # stats
    def stats(self) -> dict:
        """API counters, per-store figures and the webhook delivery counters."""
        deliveries = self.deliveries.stats()
        with self.lock:
            per_store = {
                sid: {"api_calls": s.api_calls, "rate_limited": s.rate_limited, "orders": len(s.records),
                      "suspended": s.suspended, "installed": s.installed,
                      "webhooks": len(s.webhooks)}
                for sid, s in self.stores.items()
            }
            return {"api_calls": self.api_calls, "rate_limited": self.rate_limited,
                    "orders": sum(len(s.records) for s in self.stores.values()), **deliveries,
                    "stores": per_store}

    def reset_stats(self) -> None:
        with self.lock:
            self.api_calls = self.rate_limited = 0
            for store in self.stores.values():
                store.api_calls = store.rate_limited = 0
        self.deliveries.reset_stats()
