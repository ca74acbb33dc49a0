"""One simulated store's data and per-store operations (callers hold the simulator lock)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from lojasync.simulators.nuvemshop import webhooks
from lojasync.simulators.nuvemshop.clock import STYLE_BRT, format_ts
from lojasync.simulators.nuvemshop.errors import ApiError, invalid, not_found
from lojasync.simulators.nuvemshop.generator import StoreGenerator
from lojasync.simulators.nuvemshop.metafields import Metafields
from lojasync.simulators.nuvemshop.orders import OrderRecord, money


def _sort_key(record: OrderRecord) -> tuple:
    return (record.created, record.id)


def _stock(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid("stock", "must be an integer greater than or equal to 0, or null")
    return value


@dataclass
class StoreState:
    store_id: str
    tokens: set[str]
    generator: StoreGenerator
    records: dict[int, OrderRecord] = field(default_factory=dict)
    ordered: list[OrderRecord] = field(default_factory=list)
    products: dict[int, dict] = field(default_factory=dict)
    variants: dict[int, dict] = field(default_factory=dict)
    webhooks: dict[int, dict] = field(default_factory=dict)
    metafields: Metafields = field(init=False)
    # Every variant write through the API, in order: what a test asserts the store was told (and how often).
    variant_writes: list[dict] = field(default_factory=list)
    fulfillments: list[dict] = field(default_factory=list)   # every fulfill call the API took, oldest first
    suspended: bool = False
    installed: bool = True
    api_calls: int = 0
    rate_limited: int = 0
    _next_webhook_id: int = 1000

    def __post_init__(self) -> None:
        self.metafields = Metafields(self._owner_exists)

    def _owner_exists(self, resource: str, owner_id: int) -> bool:
        found = {"Order": self.records, "Product": self.products, "Product_Variant": self.variants}.get(resource)
        return found is None or owner_id in found   # categories, pages, customers: not modelled, accepted

    @classmethod
    def build(cls, store_id: str, token: str, generator: StoreGenerator, records: list[OrderRecord]) -> StoreState:
        store = cls(store_id, {token}, generator)
        for product in generator.products:
            store.products[product["id"]] = product
            for variant in product["variants"]:
                store.variants[variant["id"]] = variant
        for record in records:
            store.add_order(record)
            record.json("2025-03")  # serialize up front: pages of 200 then cost a join
        return store

    def info(self) -> dict:
        """`GET /store`: what the platform says about the store itself (the cheap credentials check)."""
        sid = int(self.store_id) if self.store_id.isdigit() else self.store_id
        return {"id": sid, "name": {"pt": f"Loja Simulada {self.store_id}"},
                "email": f"loja{self.store_id}@example.com", "country": "BR", "main_currency": "BRL",
                "main_language": "pt",
                "original_domain": f"loja{self.store_id}.lojavirtualnuvem.com.br"}

    # orders
    def add_order(self, record: OrderRecord) -> None:
        self.records[record.id] = record
        bisect.insort(self.ordered, record, key=_sort_key)

    def order(self, order_id: int | str) -> OrderRecord:
        try:
            return self.records[int(order_id)]
        except (KeyError, ValueError):
            raise not_found("Order not found") from None

    def take_stock(self, record: OrderRecord, sign: int, now: datetime) -> None:
        """Checkout takes stock (sign -1); a cancel with restock gives it back (+1)."""
        for line in record.data["products"]:
            variant = self.variants.get(int(line["variant_id"]))
            if variant is not None and variant["stock"] is not None:
                variant["stock"] = max(0, variant["stock"] + sign * int(line["quantity"]))
                self._touch_product(variant, now)

    # products
    def product(self, product_id: int | str) -> dict:
        try:
            return self.products[int(product_id)]
        except (KeyError, ValueError):
            raise not_found("Product not found") from None

    def product_by_sku(self, sku: str) -> dict:
        for product in self.products.values():
            if any(v["sku"] == sku for v in product["variants"]):
                return product
        raise not_found("Product not found")

    def variant(self, product_id: int | str, variant_id: int | str) -> dict:
        product = self.product(product_id)
        for variant in product["variants"]:
            if str(variant["id"]) == str(variant_id):
                return variant
        raise not_found("Variant not found")

    def _touch_product(self, variant: dict, now: datetime) -> None:
        stamp = format_ts(now, STYLE_BRT)
        variant["updated_at"] = stamp
        self.products[variant["product_id"]]["updated_at"] = stamp

    def update_variant(self, product_id, variant_id, changes: dict, now: datetime) -> dict:
        variant = self.variant(product_id, variant_id)
        self._check_variant_changes(changes)
        self._apply_variant_changes(variant, changes, now)
        self._log_write("PUT", variant["product_id"], [{**changes, "id": variant["id"]}], now)
        return variant

    def patch_variants(self, product_id, items: list, now: datetime) -> list[dict]:
        product = self.product(product_id)
        if not isinstance(items, list) or not all(isinstance(i, dict) and "id" in i for i in items):
            raise invalid("variants", "must be a list of objects with an id")
        targets = [(self.variant(product["id"], item["id"]), item) for item in items]
        for _, item in targets:
            self._check_variant_changes(item)
        for variant, item in targets:
            self._apply_variant_changes(variant, item, now)
        self._log_write("PATCH", product["id"], [{**item, "id": variant["id"]} for variant, item in targets], now)
        return product["variants"]

    def _log_write(self, method: str, product_id: int, variants: list[dict], now: datetime) -> None:
        self.variant_writes.append({"method": method, "product_id": product_id, "variants": variants,
                                    "at": format_ts(now, STYLE_BRT)})

    @staticmethod
    def _check_variant_changes(changes: dict) -> None:
        if not isinstance(changes, dict):
            raise invalid("variant", "must be an object")
        if "stock" in changes:
            _stock(changes["stock"])
        for key in ("price", "promotional_price"):
            value = changes.get(key)
            if value is not None and not _is_money(value):
                raise invalid(key, "must be a decimal number")

    def _apply_variant_changes(self, variant: dict, changes: dict, now: datetime) -> None:
        if "stock" in changes:
            variant["stock"] = changes["stock"]
            variant["stock_management"] = changes["stock"] is not None
        for key in ("price", "promotional_price"):
            if key in changes:
                variant[key] = None if changes[key] is None else money(Decimal(str(changes[key])))
        self._touch_product(variant, now)

    # webhooks
    def create_webhook(self, body: dict, now: datetime) -> dict:
        errors = webhooks.validation_errors(body)
        if errors:
            raise ApiError(422, errors)
        if any(h["event"] == body["event"] and h["url"] == body["url"] for h in self.webhooks.values()):
            raise invalid("url", "has already been taken")
        self._next_webhook_id += 1
        stamp = format_ts(now, STYLE_BRT)
        hook = {"id": self._next_webhook_id, "event": body["event"], "url": body["url"],
                "created_at": stamp, "updated_at": stamp}
        self.webhooks[hook["id"]] = hook
        return hook

    def webhook(self, webhook_id) -> dict:
        try:
            return self.webhooks[int(webhook_id)]
        except (KeyError, ValueError):
            raise not_found("Webhook not found") from None

    def update_webhook(self, webhook_id, body: dict, now: datetime) -> dict:
        hook = self.webhook(webhook_id)
        errors = webhooks.validation_errors(body, partial=True)
        if errors:
            raise ApiError(422, errors)
        hook.update({k: body[k] for k in ("event", "url") if k in body})
        hook["updated_at"] = format_ts(now, STYLE_BRT)
        return hook

    def delete_webhook(self, webhook_id) -> None:
        self.webhook(webhook_id)
        del self.webhooks[int(webhook_id)]


def _is_money(value) -> bool:
    # JSON bodies are parsed with Decimal for floats, so a float here came from Python code.
    if isinstance(value, (bool, float)):
        return False
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return False
    return amount.is_finite() and amount >= 0
