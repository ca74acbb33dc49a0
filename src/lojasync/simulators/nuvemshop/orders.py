"""One order's record and the rules that change it: totals, payment, cancel, close, edits."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lojasync.simulators.nuvemshop.clock import format_ts
from lojasync.simulators.nuvemshop.promotions import Promotion, promotional_discount

CENT = Decimal("0.01")
CANCEL_REASONS = ("customer", "fraud", "inventory", "other")
SHIPPING_STATUSES = ("unpacked", "unshipped", "unfulfilled", "shipped", "fulfilled")
# Only API 2025-03 has these order-level fields.
V2025_ONLY = ("contact_identification", "contact_email", "contact_phone")


class OrderStateError(ValueError):
    """A change the store would refuse; `errors` is the 422 body."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.errors = {field_name: [message]}


def money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


@dataclass(slots=True)
class OrderRecord:
    """An order as served (`data`) plus what the simulator needs to keep it consistent."""

    data: dict
    created: datetime
    updated: datetime
    style: str
    coupon_rate: Decimal = Decimal(0)
    gateway_rate: Decimal = Decimal(0)
    document_kind: str = "cpf"
    customer_id: int = 0
    promotion: Promotion | None = None   # a store promotion the order met (most orders: none)
    cache: dict[str, bytes] = field(default_factory=dict, repr=False)
    # Copies of what list filters read, so a pass over 20k orders stays in small objects.
    created_ts: float = field(init=False, repr=False)
    updated_ts: float = field(init=False, repr=False)
    status: str = field(init=False, repr=False)
    payment_status: str = field(init=False, repr=False)
    shipping_status: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.created_ts = self.created.timestamp()
        self.updated_ts = self.updated.timestamp()

    def sync(self) -> None:
        """Refresh the filter copies after `data` changed."""
        self.updated_ts = self.updated.timestamp()
        self.status = self.data["status"]
        self.payment_status = self.data["payment_status"]
        self.shipping_status = self.data["shipping_status"]

    @property
    def id(self) -> int:
        return self.data["id"]

    def payload(self, version: str) -> dict:
        if version == "2025-03":
            return self.data
        return {k: v for k, v in self.data.items() if k not in V2025_ONLY}

    def json(self, version: str) -> bytes:
        cached = self.cache.get(version)
        if cached is None:
            cached = json.dumps(self.payload(version), ensure_ascii=False, separators=(",", ":")).encode()
            self.cache[version] = cached
        return cached

    def ts(self, moment: datetime | None) -> str | None:
        return format_ts(moment, self.style)

    def touch(self, now: datetime) -> None:
        self.updated = max(now.replace(microsecond=0), self.created)
        self.data["updated_at"] = self.ts(self.updated)
        self.cache.clear()
        self.sync()


def recompute_totals(record: OrderRecord) -> None:
    """subtotal = sum(price x qty), the lines at their price before any promotion;
    discount = promotion + coupon + gateway (the platform counts its promotions in `discount`);
    total = subtotal - discount + shipping_cost_customer."""
    order = record.data
    subtotal = sum((Decimal(line["price"]) * int(line["quantity"]) for line in order["products"]), Decimal(0))
    promoted, order["promotional_discount"] = promotional_discount(order, record.promotion, record.ts(record.created))
    # The coupon and the gateway's discount apply to what is left after the promotion (nothing changes without one).
    coupon = ((subtotal - promoted) * record.coupon_rate).quantize(CENT, rounding=ROUND_HALF_UP)
    gateway = ((subtotal - promoted - coupon) * record.gateway_rate).quantize(CENT, rounding=ROUND_HALF_UP)
    shipping = Decimal(order["shipping_cost_customer"])
    weight = sum((Decimal(line["weight"] or 0) * int(line["quantity"]) for line in order["products"]), Decimal(0))
    order["subtotal"] = money(subtotal)
    order["discount_coupon"] = money(coupon)
    order["discount_gateway"] = money(gateway)
    order["discount"] = money(promoted + coupon + gateway)
    order["total"] = money(subtotal - promoted - coupon - gateway + shipping)
    order["weight"] = str(weight.quantize(Decimal("0.001")))


def pay(record: OrderRecord, now: datetime) -> None:
    order = record.data
    if order["status"] == "cancelled":
        raise OrderStateError("payment_status", "cancelled orders cannot be paid")
    if order["payment_status"] == "paid":
        raise OrderStateError("payment_status", "order is already paid")
    order["payment_status"] = "paid"
    record.touch(now)
    order["paid_at"] = order["updated_at"]


def cancel(record: OrderRecord, now: datetime, reason: str = "other") -> None:
    order = record.data
    if reason not in CANCEL_REASONS:
        raise OrderStateError("reason", f"must be one of {', '.join(CANCEL_REASONS)}")
    if order["status"] == "cancelled":
        raise OrderStateError("status", "order is already cancelled")
    order["status"] = "cancelled"
    order["cancel_reason"] = reason
    if order["payment_status"] in ("paid", "partially_paid"):
        order["payment_status"] = "refunded"
    elif order["payment_status"] in ("pending", "authorized"):
        order["payment_status"] = "voided"
    record.touch(now)
    order["cancelled_at"] = order["updated_at"]


def close(record: OrderRecord, now: datetime) -> None:
    order = record.data
    if order["status"] == "cancelled":
        raise OrderStateError("status", "cancelled orders cannot be closed")
    order["status"] = "closed"
    record.touch(now)
    order["closed_at"] = order["updated_at"]


def reopen(record: OrderRecord, now: datetime) -> None:
    order = record.data
    if order["status"] == "cancelled":
        raise OrderStateError("status", "cancelled orders cannot be reopened")
    order["status"] = "open"
    order["closed_at"] = None
    record.touch(now)


def fulfill(record: OrderRecord, now: datetime, body: dict) -> None:
    """`POST /orders/{id}/fulfill` (API v1): shipped, with the tracking code and link given. A shipped order may
    be fulfilled again (a corrected code replaces the old one); a cancelled one is refused."""
    order = record.data
    if order["status"] == "cancelled":
        raise OrderStateError("status", "cancelled orders cannot be fulfilled")
    number, url = body.get("shipping_tracking_number"), body.get("shipping_tracking_url")
    for name, value in (("shipping_tracking_number", number), ("shipping_tracking_url", url)):
        if value is not None and not isinstance(value, str):
            raise OrderStateError(name, "must be a string")
    if url and not url.startswith(("http://", "https://")):
        raise OrderStateError("shipping_tracking_url", "is not a valid URL")
    order["shipping_status"] = "shipped"
    order["shipping_tracking_number"] = number or None
    order["shipping_tracking_url"] = url or None
    record.touch(now)
    if not order.get("shipped_at"):
        order["shipped_at"] = order["updated_at"]


EDITABLE = frozenset({
    "identification", "contact_identification", "quantity", "quantities", "note",
    "contact_email", "contact_phone", "customer_name", "shipping_status", "shipping_cost_customer",
})


def _set_quantity(line: dict, quantity) -> None:
    try:
        value = int(quantity)
    except (TypeError, ValueError):
        raise OrderStateError("quantity", "must be an integer") from None
    if value < 1:
        raise OrderStateError("quantity", "must be greater than or equal to 1")
    # Keep the line's own quirk: string quantities stay strings.
    line["quantity"] = str(value) if isinstance(line["quantity"], str) else value


def edit(record: OrderRecord, now: datetime, changes: dict) -> None:
    """Apply store-side edits (see EDITABLE) all or nothing."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise OrderStateError(sorted(unknown)[0], "is not editable")
    backup = copy.deepcopy(record.data)
    try:
        _apply_edit(record.data, changes)
    except OrderStateError:
        record.data.clear()
        record.data.update(backup)
        raise
    recompute_totals(record)
    record.touch(now)
    order = record.data
    if order["shipping_status"] in ("shipped", "fulfilled") and not order.get("shipped_at"):
        order["shipped_at"] = order["updated_at"]


def _apply_edit(order: dict, changes: dict) -> None:
    customer = order["customer"]
    if "identification" in changes:
        customer["identification"] = changes["identification"]
    if "contact_identification" in changes:
        order["contact_identification"] = changes["contact_identification"]
    if "quantity" in changes:
        _set_quantity(order["products"][0], changes["quantity"])
    for line_id, quantity in (changes.get("quantities") or {}).items():
        line = next((p for p in order["products"] if str(p["id"]) == str(line_id)), None)
        if line is None:
            raise OrderStateError("quantities", f"unknown line id {line_id}")
        _set_quantity(line, quantity)
    if "shipping_cost_customer" in changes:
        try:
            cost = Decimal(str(changes["shipping_cost_customer"]))
        except InvalidOperation:
            raise OrderStateError("shipping_cost_customer", "must be a decimal") from None
        order["shipping_cost_customer"] = money(cost)
    if "shipping_status" in changes:
        if changes["shipping_status"] not in SHIPPING_STATUSES:
            raise OrderStateError("shipping_status", "is invalid")
        order["shipping_status"] = changes["shipping_status"]
    for key in ("note", "contact_email", "contact_phone"):
        if key in changes:
            order[key] = changes[key]
    if "contact_email" in changes:
        customer["email"] = changes["contact_email"]
    if "customer_name" in changes:
        customer["name"] = order["contact_name"] = changes["customer_name"]
