"""Orders in the simulator: the API's reads (pages, one order) and the store-side changes, which emit order/* events."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime

from lojasync.simulators.nuvemshop import orders as rules
from lojasync.simulators.nuvemshop.clock import Clock
from lojasync.simulators.nuvemshop.orders import OrderRecord
from lojasync.simulators.nuvemshop.query import OrderQuery, select_fields
from lojasync.simulators.nuvemshop.state_common import dumps


class OrdersMixin:
    """Part of Simulator, which sets these attributes up and provides `store` and `_emit`."""

    clock: Clock
    lock: threading.RLock

    # reading
    def orders_page(self, store_id: str, version: str, query: OrderQuery) -> tuple[int, int, bytes]:
        """(total matches, last page, JSON body of the requested page)."""
        with self.lock:
            store = self.store(store_id)
            matches = query.filter(store.ordered)
            start, end, last = query.window(len(matches))
            page = matches[start:end]
            if query.fields:
                return len(matches), last, dumps([select_fields(r.payload(version), query.fields) for r in page])
            return len(matches), last, b"[" + b",".join(r.json(version) for r in page) + b"]"

    def order_json(self, store_id: str, order_id, version: str = "2025-03", fields=None) -> bytes:
        with self.lock:
            record = self.store(store_id).order(order_id)
            return dumps(select_fields(record.payload(version), fields)) if fields else record.json(version)

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

    # changes made in the store's admin
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

    def fulfill_order(self, order_id, body: dict, *, store_id: str | None = None) -> dict:
        """The API's `POST /orders/{id}/fulfill`: shipped with its tracking; the call is kept (`fulfillments`)."""
        def change(record: OrderRecord, now: datetime) -> None:
            rules.fulfill(record, now, body)
            self.store(store_id).fulfillments.append({
                "order_id": record.id, "shipping_tracking_number": record.data["shipping_tracking_number"],
                "shipping_tracking_url": record.data["shipping_tracking_url"],
                "notify_customer": body.get("notify_customer", True), "at": record.data["updated_at"]})
        return self._mutate(store_id, order_id, change, "order/fulfilled")

    def fulfillments(self, store_id: str | None = None) -> list[dict]:
        """Every fulfill call the API took (order, tracking code and link, notify_customer), oldest first."""
        with self.lock:
            return [dict(item) for item in self.store(store_id).fulfillments]

    def close_order(self, order_id, *, store_id: str | None = None) -> dict:
        return self._mutate(store_id, order_id, rules.close, "order/updated")

    def open_order(self, order_id, *, store_id: str | None = None) -> dict:
        return self._mutate(store_id, order_id, rules.reopen, "order/updated")

    def edit_order(self, order_id, changes: dict | None = None, *, store_id: str | None = None, **more) -> dict:
        """Store-side edit; keys in orders.EDITABLE (identification, quantity, quantities, note...)."""
        changes = {**(changes or {}), **more}
        # Item-level edits are what Nuvemshop's EditOrders announces as order/edited.
        event = "order/edited" if {"quantity", "quantities"} & set(changes) else "order/updated"
        return self._mutate(store_id, order_id, lambda r, now: rules.edit(r, now, changes), event)

    def set_order_identification(self, order_id, document: str | None, *, store_id: str | None = None,
                                 contact: bool = True) -> dict:
        """Set customer.identification (and, with `contact`, contact_identification)."""
        changes = {"identification": document}
        if contact:
            changes["contact_identification"] = document
        return self.edit_order(order_id, changes, store_id=store_id)
