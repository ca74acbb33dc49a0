"""The simulator: stores, request gate (auth, suspension, rate limit), counters and mutations."""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime

from lojasync.simulators.nuvemshop import orders as rules
from lojasync.simulators.nuvemshop.bucket import BucketRegistry, BucketVerdict
from lojasync.simulators.nuvemshop.clock import Clock, real_clock
from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.delivery import Dispatcher, encode
from lojasync.simulators.nuvemshop.errors import api_error, invalid, not_found
from lojasync.simulators.nuvemshop.generator import StoreGenerator
from lojasync.simulators.nuvemshop.oauth import SCOPE, CodeBook, TokenError, with_query
from lojasync.simulators.nuvemshop.orders import OrderRecord
from lojasync.simulators.nuvemshop.query import ListQuery, OrderQuery, select_fields
from lojasync.simulators.nuvemshop.store import StoreState
from lojasync.simulators.nuvemshop.webhooks import url_problem

Listener = Callable[[str, str, int], None]
LGPD_EVENTS = ("store/redact", "customers/redact", "customers/data_request")


def bearer_token(authentication: str | None, authorization: str | None) -> str | None:
    """`Authentication: bearer X` (documented) or `Authorization: Bearer X`; scheme case-insensitive."""
    for header in (authentication, authorization):
        if header:
            scheme, _, token = header.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def _id_value(store_id: str) -> int | str:
    return int(store_id) if store_id.isdigit() else store_id


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

    # the app: settings, installation (OAuth), uninstall
    def app_settings(self) -> dict:
        c = self.config
        with self.lock:
            return {"app_id": c.app_id, "client_id": c.client_id, "client_secret": c.client_secret,
                    "redirect_url": self.redirect_url, "lgpd_urls": dict(self.lgpd_urls), "scope": SCOPE}

    def set_redirect_url(self, url: str | None) -> None:
        if url is not None and url_problem(url):
            raise invalid("redirect_url", url_problem(url))
        with self.lock:
            self.redirect_url = url

    def set_lgpd_urls(self, urls: Mapping[str, str | None]) -> None:
        """Set (or, with None, remove) the URLs of store/redact, customers/redact, customers/data_request."""
        for event, url in urls.items():
            if event not in LGPD_EVENTS:
                raise invalid("lgpd_urls", f"unknown event {event}; expected one of {', '.join(LGPD_EVENTS)}")
            if url is not None and url_problem(url):
                raise invalid("lgpd_urls", f"{event}: {url_problem(url)}")
        with self.lock:
            for event, url in urls.items():
                if url is None:
                    self.lgpd_urls.pop(event, None)
                else:
                    self.lgpd_urls[event] = url

    def authorize(self, state: str | None = None, store_id: str | None = None) -> str:
        """The merchant approves the app: the redirect URL with a fresh `code` (and `state`)."""
        with self.lock:
            store = self.store(store_id)
            if not self.redirect_url:
                raise api_error(400, "The app has no redirect URL configured")
            code = self._codes.issue(store.store_id, self.clock())
            return with_query(self.redirect_url, code=code, state=state)

    def exchange_code(self, client_id: str | None, client_secret: str | None, code: str | None,
                      grant_type: str | None = "authorization_code") -> dict:
        """The token answer; raises oauth.TokenError. The new token replaces the store's previous ones."""
        c = self.config
        if not client_id or not client_secret or not code or not grant_type:
            raise TokenError(400, "invalid_request",
                             "client_id, client_secret, grant_type and code are required")
        if client_id != c.client_id or client_secret != c.client_secret:
            raise TokenError(401, "invalid_client", "Client authentication failed")
        if grant_type != "authorization_code":
            raise TokenError(400, "unsupported_grant_type", "grant_type must be authorization_code")
        with self.lock:
            store = self.store(self._codes.redeem(code, self.clock()))
            token = secrets.token_hex(20)
            store.tokens = {token}
            store.installed = True
        return {"access_token": token, "token_type": "bearer", "scope": SCOPE,
                "user_id": _id_value(store.store_id)}

    def uninstall_app(self, store_id: str | None = None) -> bool:
        """Revoke the store's tokens, send app/uninstalled, then drop its webhooks; False if not installed."""
        with self.lock:
            store = self.store(store_id)
            if not store.installed:
                return False
            store.installed = False
            store.tokens.clear()
            urls = [h["url"] for h in store.webhooks.values() if h["event"] == "app/uninstalled"]
            store.webhooks.clear()
        sid = store.store_id
        self._send("webhook", sid, "app/uninstalled", _id_value(sid), urls,
                   {"store_id": _id_value(sid), "event": "app/uninstalled", "id": _id_value(sid)})
        self._emit(sid, "app/uninstalled", int(sid) if sid.isdigit() else 0)
        return True

    # LGPD (URLs from the partner configuration, not /webhooks)
    def redact_store(self, store_id: str | None = None) -> dict:
        """Send store/redact {store_id}; returns the payload."""
        store = self.store(store_id)
        payload = {"store_id": _id_value(store.store_id)}
        self._send_lgpd(store.store_id, "store/redact", payload)
        return payload

    def redact_customer(self, customer_id, store_id: str | None = None) -> dict:
        """Send customers/redact {store_id, customer, orders_to_redact}; returns the payload."""
        store = self.store(store_id)
        customer, orders = self._customer_data(store, customer_id)
        payload = {"store_id": _id_value(store.store_id), "customer": customer, "orders_to_redact": orders}
        self._send_lgpd(store.store_id, "customers/redact", payload)
        return payload

    def request_customer_data(self, customer_id, store_id: str | None = None,
                              data_request_id: int | None = None) -> dict:
        """Send customers/data_request {store_id, customer, orders_requested, data_request{id}}."""
        store = self.store(store_id)
        customer, orders = self._customer_data(store, customer_id)
        request_id = data_request_id if data_request_id is not None else next(self._data_request_ids)
        payload = {"store_id": _id_value(store.store_id), "customer": customer, "orders_requested": orders,
                   "data_request": {"id": request_id}}
        self._send_lgpd(store.store_id, "customers/data_request", payload)
        return payload

    def _customer_data(self, store: StoreState, customer_id) -> tuple[dict, list[int]]:
        with self.lock:
            for person in store.generator.customers:
                if str(person.id) == str(customer_id):
                    customer = {"id": person.id, "email": person.email, "phone": person.phone,
                                "identification": person.identity.identification}
                    return customer, [i for i in person.orders if i in store.records]
        raise not_found("Customer not found")

    def _send_lgpd(self, store_id: str, event: str, payload: dict) -> None:
        with self.lock:
            url = self.lgpd_urls.get(event)
        if not url:
            raise invalid("lgpd_urls", f"no URL configured for {event}")
        self._send("lgpd", store_id, event, None, [url], payload)

    # webhook delivery (runs after the lock is released; the sending happens in worker threads)
    def _deliver_event(self, store_id: str, event: str, resource_id: int) -> None:
        with self.lock:
            store = self.stores.get(store_id)
            if store is None or (store.suspended and not event.startswith("app/")):
                return  # a suspended store sends no webhooks (except the app/* ones)
            urls = [h["url"] for h in store.webhooks.values() if h["event"] == event]
        if urls:
            self._send("webhook", store_id, event, resource_id, urls,
                       {"store_id": _id_value(store_id), "event": event, "id": resource_id})

    def _send(self, kind: str, store_id: str, event: str, resource_id, urls: list[str], payload: dict) -> None:
        if urls and self.config.deliver_webhooks:
            body = encode(payload)
            self.deliveries.enqueue((kind, store_id, event, resource_id, url, body) for url in urls)

    def set_webhook_behaviour(self, **changes) -> dict:
        """Delivery switches (see delivery.Dispatcher.configure); raises ValueError on bad values."""
        return self.deliveries.configure(**changes)

    def reset_webhook_behaviour(self) -> dict:
        return self.deliveries.reset_behaviour()

    def webhook_log(self, since: int = 0) -> list[dict]:
        """One entry per attempt or drop: delivery, kind, event, id, url, attempt, copy, status, outcome, at."""
        return self.deliveries.log(since)

    def wait_deliveries_idle(self, timeout: float | None = 10.0) -> bool:
        """True once nothing is queued, in flight or waiting for a retry; False on timeout."""
        return self.deliveries.wait_idle(timeout)

    def close(self) -> None:
        """Stop the delivery workers, dropping queued deliveries (they restart on the next event)."""
        self.deliveries.close()

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
