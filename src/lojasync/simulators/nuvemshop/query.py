"""List endpoint parameters: order filters, pages, `fields`, and the Link header."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from lojasync.simulators.nuvemshop.clock import parse_ts
from lojasync.simulators.nuvemshop.errors import invalid, not_found
from lojasync.simulators.nuvemshop.orders import OrderRecord

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 30
STATUSES = ("open", "closed", "cancelled")
PAYMENT_STATUSES = ("pending", "authorized", "paid", "abandoned", "refunded", "voided",
                    "partially_paid", "partially_refunded")
# Listed only when `payment_status` names them: the platform's default ("any") means authorized, pending and paid
# orders (its docs), and a client that lists without the filter does not see a voided or refunded order, nor one
# partially paid or refunded (statuses the newer docs name, outside those three).
LISTED_ONLY_BY_NAME = frozenset({"abandoned", "refunded", "voided", "partially_paid", "partially_refunded"})
# Both spellings occur in payloads; a filter on either matches both.
SHIPPING_ALIASES = {
    "unpacked": {"unpacked"},
    "unshipped": {"unshipped", "unfulfilled"}, "unfulfilled": {"unshipped", "unfulfilled"},
    "shipped": {"shipped", "fulfilled"}, "fulfilled": {"shipped", "fulfilled"},
}


def _int(params: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise invalid(name, "must be an integer") from None


@dataclass
class ListQuery:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    since_id: int | None = None
    fields: tuple[str, ...] | None = None

    def _parse_common(self, params: Mapping[str, str]) -> None:
        self.per_page = _int(params, "per_page", DEFAULT_PER_PAGE)
        if self.per_page > MAX_PER_PAGE:
            raise invalid("per_page", f"must be less than or equal to {MAX_PER_PAGE}")
        if self.per_page < 1:
            raise invalid("per_page", "must be greater than or equal to 1")
        self.page = _int(params, "page", 1)
        if self.page < 1:
            raise invalid("page", "must be greater than or equal to 1")
        self.since_id = _int(params, "since_id", None)
        raw_fields = params.get("fields")
        if raw_fields:
            self.fields = tuple(f.strip() for f in raw_fields.split(",") if f.strip())

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> ListQuery:
        query = cls()
        query._parse_common(params)
        return query

    def window(self, total: int) -> tuple[int, int, int]:
        """(start, end, last page); a page past the last one is a 404 (unless nothing matched)."""
        last = max(1, math.ceil(total / self.per_page))
        if total and self.page > last:
            raise not_found(f"Last page is {last}")
        start = (self.page - 1) * self.per_page
        return start, min(total, start + self.per_page), last


def _date(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        return parse_ts(raw)
    except ValueError:
        raise invalid(name, "must be a valid ISO 8601 date") from None


def _choice(params: Mapping[str, str], name: str, allowed) -> str | None:
    raw = params.get(name)
    if not raw or raw == "any":
        return None
    if raw not in allowed:
        raise invalid(name, "is invalid")
    return raw


@dataclass
class OrderQuery(ListQuery):
    created_min: datetime | None = None
    created_max: datetime | None = None
    updated_min: datetime | None = None
    updated_max: datetime | None = None
    status: str | None = None
    payment_status: str | None = None
    shipping_statuses: set[str] | None = None
    customer_ids: set[int] | None = None
    total_min: Decimal | None = None
    total_max: Decimal | None = None
    q: str | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> OrderQuery:
        query = cls()
        query._parse_common(params)
        query.created_min = _date(params, "created_at_min")
        query.created_max = _date(params, "created_at_max")
        query.updated_min = _date(params, "updated_at_min")
        query.updated_max = _date(params, "updated_at_max")
        query.status = _choice(params, "status", STATUSES)
        query.payment_status = _choice(params, "payment_status", PAYMENT_STATUSES)
        shipping = _choice(params, "shipping_status", SHIPPING_ALIASES)
        query.shipping_statuses = SHIPPING_ALIASES[shipping] if shipping else None
        if params.get("customer_ids"):
            try:
                query.customer_ids = {int(x) for x in params["customer_ids"].split(",") if x.strip()}
            except ValueError:
                raise invalid("customer_ids", "must be a list of integers") from None
        for name in ("total_min", "total_max"):
            if params.get(name):
                try:
                    setattr(query, name, Decimal(params[name]))
                except InvalidOperation:
                    raise invalid(name, "must be a number") from None
        query.q = (params.get("q") or "").strip().lower() or None
        return query

    def filter(self, records: list[OrderRecord]) -> list[OrderRecord]:
        """The matching records, in the given order; one pass per active filter keeps it fast."""
        items = records
        if self.since_id is not None:
            items = [r for r in items if r.data["id"] > self.since_id]
        if self.created_min:
            limit = self.created_min.timestamp()
            items = [r for r in items if r.created_ts >= limit]
        if self.created_max:
            limit = self.created_max.timestamp()
            items = [r for r in items if r.created_ts <= limit]
        if self.updated_min:
            limit = self.updated_min.timestamp()
            items = [r for r in items if r.updated_ts >= limit]
        if self.updated_max:
            limit = self.updated_max.timestamp()
            items = [r for r in items if r.updated_ts <= limit]
        if self.status:
            items = [r for r in items if r.status == self.status]
        if self.payment_status:
            items = [r for r in items if r.payment_status == self.payment_status]
        else:
            items = [r for r in items if r.payment_status not in LISTED_ONLY_BY_NAME]
        if self.shipping_statuses:
            items = [r for r in items if r.shipping_status in self.shipping_statuses]
        if self.customer_ids:
            items = [r for r in items if r.data["customer"]["id"] in self.customer_ids]
        if self.total_min is not None:
            items = [r for r in items if Decimal(r.data["total"]) >= self.total_min]
        if self.total_max is not None:
            items = [r for r in items if Decimal(r.data["total"]) <= self.total_max]
        if self.q:
            items = [r for r in items if self._text_match(r.data)]
        return items

    def _text_match(self, order: dict) -> bool:
        customer = order["customer"]
        haystack = (str(order["number"]), order["contact_name"] or "", order["contact_email"] or "",
                    customer.get("identification") or "", order.get("contact_identification") or "")
        return any(self.q in value.lower() for value in haystack)


def link_header(url, page: int, last: int) -> str | None:
    """`<url>; rel="next"` etc.; `url` is the request's starlette URL (all params kept)."""
    rels = []
    if page < last:
        rels += [("next", page + 1), ("last", last)]
    if page > 1:
        rels += [("first", 1), ("prev", min(page - 1, last))]
    if not rels:
        return None
    return ", ".join(f'<{url.include_query_params(page=n)}>; rel="{rel}"' for rel, n in rels)


def select_fields(payload: dict, fields: tuple[str, ...] | None) -> dict:
    if not fields:
        return payload
    return {name: payload[name] for name in fields if name in payload}

