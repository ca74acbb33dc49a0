"""What `GET /orders` lists: without `payment_status`, only authorized, pending and paid orders ("any" is the
default, and means those three, in the platform's own docs). A store cancellation usually voids or refunds the
payment, so a listing meant to see every order changed since a moment asks again for each status left out: the
reconciliation and the webhook drain read such orders too (they were acknowledged and never imported).

The newer docs name two more payment statuses, `partially_paid` and `partially_refunded`, which that default does not
name either (review: if it leaves them out, such orders were never read by the reconciliation, and the drain took
them for unchanged). They are listed apart too; an order the default listing returned as well is imported once. A
platform that refuses one of them as a filter (400/422: it does not know it) has no order in it to miss: that
listing is skipped."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from lojasync.nuvemshop.client.errors import BadRequestError
from lojasync.nuvemshop.payloads import parse_store_datetime

# The payment statuses the default listing leaves out: each is listed apart, by name.
LISTED_APART = ("voided", "refunded", "abandoned", "partially_paid", "partially_refunded")
# Those a platform may not know as a filter value yet.
NEWER_STATUSES = frozenset({"partially_paid", "partially_refunded"})


def listings_apart(params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The listings of the orders `params` selects that its default listing leaves out, one per payment status."""
    return [{**params, "payment_status": status} for status in LISTED_APART]


def pages_apart(client, params: Mapping[str, Any]) -> Iterator:
    """The pages of every listing apart (`listings_apart`), a newer status the platform refuses as a filter skipped."""
    for listing in listings_apart(params):
        try:
            yield from client.iter_order_pages(listing)
        except BadRequestError:
            if listing["payment_status"] not in NEWER_STATUSES:
                raise


def payments(page) -> dict[str, str | None]:
    """Each order of a page by id, with its payment status as read."""
    return {str(order.get("id")): order.get("payment_status") for order in page.orders if isinstance(order, dict)}


def listed_on(pages_seen: dict[str, tuple[int, str | None]], page) -> None:
    """Note, in `pages_seen`, the page number each order of `page` (the default listing's) was first read on, and its
    payment status then."""
    if page.page is not None:
        for order_id, payment in payments(page).items():
            pages_seen.setdefault(order_id, (page.page, payment))


def changed_since(page, moment: datetime, margin: timedelta = timedelta(minutes=10)) -> list[str]:
    """The ids of a page's orders the store changed since `moment` (less `margin`: the store's clock and ours), or
    whose moment cannot be read (taken as changed)."""
    found = []
    for order in page.orders:
        if not isinstance(order, dict):
            continue
        try:
            updated = parse_store_datetime(order.get("updated_at"))
        except (TypeError, ValueError):
            updated = None
        if updated is None or updated >= moment - margin:
            found.append(str(order.get("id")))
    return found


def pages_shifted_back(client, params: Mapping[str, Any], pages_seen: Mapping[str, tuple[int, str | None]],
                       apart: Mapping[str, str | None]) -> Iterator:
    """The default listing's pages read again from the first on which an order was read that has left it since:
    listed apart now with another payment status (`apart`: voided or refunded while the listing was read), it moved
    every later order back a place, and the first of the next page slid onto a page already read. `iter_order_pages`
    reads back when the total shrinks; one order leaving while another arrives (a cancellation and a new order, a busy
    day) keeps the total, and the order that slid was never read, nor by the next incremental run, as it did not
    change (review). Nothing when no order left (one listed in both with the same status, where the platform's
    default listing holds that status too, did not leave)."""
    left = [page for order_id, (page, payment) in pages_seen.items()
            if order_id in apart and apart[order_id] != payment]
    if left:
        yield from client.iter_order_pages(params, start_page=min(left))
