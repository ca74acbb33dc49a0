"""What the simulator sends: listeners, webhook delivery and the LGPD requests.

Sending happens after the simulator's lock is released, in the Dispatcher's worker threads.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.delivery import Dispatcher, encode
from lojasync.simulators.nuvemshop.errors import invalid, not_found
from lojasync.simulators.nuvemshop.state_common import id_value
from lojasync.simulators.nuvemshop.store import StoreState

Listener = Callable[[str, str, int], None]


class DeliveryMixin:
    """Part of Simulator, which sets these attributes up and provides `store`."""

    config: SimulatorConfig
    lock: threading.RLock
    stores: dict[str, StoreState]
    lgpd_urls: dict[str, str]
    deliveries: Dispatcher
    _listeners: list[Listener]
    _data_request_ids: itertools.count

    # LGPD (URLs from the partner configuration, not /webhooks)
    def redact_store(self, store_id: str | None = None) -> dict:
        """Send store/redact {store_id}; returns the payload."""
        store = self.store(store_id)
        payload = {"store_id": id_value(store.store_id)}
        self._send_lgpd(store.store_id, "store/redact", payload)
        return payload

    def redact_customer(self, customer_id, store_id: str | None = None) -> dict:
        """Send customers/redact {store_id, customer, orders_to_redact}; returns the payload."""
        store = self.store(store_id)
        customer, orders = self._customer_data(store, customer_id)
        payload = {"store_id": id_value(store.store_id), "customer": customer, "orders_to_redact": orders}
        self._send_lgpd(store.store_id, "customers/redact", payload)
        return payload

    def request_customer_data(self, customer_id, store_id: str | None = None,
                              data_request_id: int | None = None) -> dict:
        """Send customers/data_request {store_id, customer, orders_requested, data_request{id}}."""
        store = self.store(store_id)
        customer, orders = self._customer_data(store, customer_id)
        request_id = data_request_id if data_request_id is not None else next(self._data_request_ids)
        payload = {"store_id": id_value(store.store_id), "customer": customer, "orders_requested": orders,
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

    # webhooks
    def _deliver_event(self, store_id: str, event: str, resource_id: int) -> None:
        with self.lock:
            store = self.stores.get(store_id)
            if store is None or (store.suspended and not event.startswith("app/")):
                return  # a suspended store sends no webhooks (except the app/* ones)
            urls = [h["url"] for h in store.webhooks.values() if h["event"] == event]
        if urls:
            self._send("webhook", store_id, event, resource_id, urls,
                       {"store_id": id_value(store_id), "event": event, "id": resource_id})

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
