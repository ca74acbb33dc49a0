"""GET /orders over HTTP: pagination, Link and X-Total-Count, filters, fields, versions, errors."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import httpx

from lojasync.simulators.nuvemshop import SimulatorServer
from lojasync.simulators.nuvemshop.query import LISTED_ONLY_BY_NAME

from .conftest import NOW, client_for

BRT = timezone(timedelta(hours=-3))


def listed_by_default(orders: list[dict]) -> list[dict]:
    """The orders `GET /orders` lists without `payment_status`: not voided, refunded nor abandoned (the platform's
    "any" means authorized, pending and paid)."""
    return [o for o in orders if o["payment_status"] not in LISTED_ONLY_BY_NAME]


def pull_all(api: httpx.Client, **params) -> tuple[list[dict], list[httpx.Response]]:
    orders, responses = [], []
    response = api.get("/orders", params=params)
    while True:
        assert response.status_code == 200, response.text
        responses.append(response)
        orders += response.json()
        following = response.links.get("next")
        if not following:
            return orders, responses
        response = api.get(following["url"])


def test_pagination_covers_every_order_once(api: httpx.Client, read_server: SimulatorServer) -> None:
    orders, responses = pull_all(api, per_page=45)
    expected = listed_by_default(read_server.simulator.orders())
    assert [o["id"] for o in orders] == [o["id"] for o in expected]
    pages = -(-len(expected) // 45)
    assert len(responses) == pages >= 5
    assert all(r.headers["X-Total-Count"] == str(len(expected)) for r in responses)
    first, middle, last = responses[0].links, responses[3].links, responses[-1].links
    assert set(first) == {"next", "last"} and set(last) == {"first", "prev"}
    assert set(middle) == {"next", "last", "first", "prev"}
    assert middle["prev"]["url"].endswith("page=3") and middle["next"]["url"].endswith("page=5")
    assert "per_page=45" in middle["last"]["url"] and middle["last"]["url"].endswith(f"page={pages}")
    assert middle["first"]["url"].startswith(f"{read_server.url}/2025-03/{read_server.store_id}/orders?")


def test_default_and_maximum_page_sizes(api: httpx.Client) -> None:
    assert len(api.get("/orders").json()) == 30
    assert len(api.get("/orders", params={"per_page": 200}).json()) == 200
    response = api.get("/orders", params={"per_page": 201})
    assert response.status_code == 422
    assert response.json() == {"per_page": ["must be less than or equal to 200"]}


def test_page_past_the_end_and_empty_results(api: httpx.Client) -> None:
    response = api.get("/orders", params={"per_page": 100, "page": 4})
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "Not Found", "description": "Last page is 3"}
    empty = api.get("/orders", params={"created_at_min": "2030-01-01T00:00:00Z"})
    assert empty.status_code == 200 and empty.json() == [] and empty.headers["X-Total-Count"] == "0"


def test_updated_at_min_accepts_both_offset_styles(api: httpx.Client, read_server: SimulatorServer) -> None:
    cut = NOW - timedelta(days=3)
    expected = {o["id"] for o in listed_by_default(read_server.simulator.orders())
                if datetime.fromisoformat(o["updated_at"]) >= cut}
    assert 0 < len(expected) < 300
    for text in (cut.strftime("%Y-%m-%dT%H:%M:%S+0000"), cut.astimezone(BRT).isoformat(),
                 cut.strftime("%Y-%m-%dT%H:%M:%SZ")):
        orders, _ = pull_all(api, updated_at_min=text, per_page=200)
        assert {o["id"] for o in orders} == expected, text
    # An unencoded "+" arrives as a space: still read as +0000.
    raw = api.get(f"/orders?per_page=200&updated_at_min={cut.strftime('%Y-%m-%dT%H:%M:%S+0000')}")
    assert {o["id"] for o in raw.json()} == expected
    assert api.get("/orders", params={"updated_at_min": "yesterday"}).status_code == 422


def test_created_range_status_and_since_id(api: httpx.Client, read_server: SimulatorServer) -> None:
    everything = listed_by_default(read_server.simulator.orders())
    low, high = NOW - timedelta(days=20), NOW - timedelta(days=10)
    orders, _ = pull_all(api, created_at_min=low.isoformat(), created_at_max=high.isoformat(), per_page=200)
    assert [o["id"] for o in orders] == [o["id"] for o in everything
                                         if low <= datetime.fromisoformat(o["created_at"]) <= high]
    for status in ("open", "closed", "cancelled"):
        orders, _ = pull_all(api, status=status, per_page=200)
        assert orders and {o["status"] for o in orders} == {status}
        assert len(orders) == sum(o["status"] == status for o in everything)
    assert len(pull_all(api, status="any", per_page=200)[0]) == len(everything)
    pivot = everything[149]["id"]
    orders, _ = pull_all(api, since_id=pivot, per_page=200)
    assert [o["id"] for o in orders] == [o["id"] for o in everything if o["id"] > pivot]


def test_voided_refunded_and_abandoned_orders_are_listed_only_by_name(api: httpx.Client,
                                                                     read_server: SimulatorServer) -> None:
    """The platform's default listing ("any") means authorized, pending and paid orders: a client that never names
    the others never sees a store cancellation that voided or refunded the payment (review)."""
    everything = read_server.simulator.orders()
    assert len(listed_by_default(everything)) < len(everything) == 300
    by_default = {o["id"] for o in pull_all(api, per_page=200)[0]}
    for status in sorted(LISTED_ONLY_BY_NAME):
        named = pull_all(api, payment_status=status, per_page=200)[0]
        assert {o["payment_status"] for o in named} <= {status}
        assert len(named) == sum(o["payment_status"] == status for o in everything)
        assert not by_default & {o["id"] for o in named}
        by_default |= {o["id"] for o in named}
    assert by_default == {o["id"] for o in everything}


def test_payment_and_shipping_status_filters(api: httpx.Client, read_server: SimulatorServer) -> None:
    everything = read_server.simulator.orders()
    paid, _ = pull_all(api, payment_status="paid", per_page=200)
    assert {o["payment_status"] for o in paid} == {"paid"}
    assert len(paid) == sum(o["payment_status"] == "paid" for o in everything)
    shipped, _ = pull_all(api, shipping_status="fulfilled", per_page=200)
    assert {o["shipping_status"] for o in shipped} == {"shipped", "fulfilled"}
    assert api.get("/orders", params={"status": "weird"}).status_code == 422


def test_fields_limits_the_keys(api: httpx.Client) -> None:
    orders = api.get("/orders", params={"fields": "id, number,updated_at", "per_page": 5}).json()
    assert len(orders) == 5 and all(set(o) == {"id", "number", "updated_at"} for o in orders)
    one = api.get(f"/orders/{orders[0]['id']}", params={"fields": "id,total"}).json()
    assert set(one) == {"id", "total"} and Decimal(one["total"]) > 0


def test_single_order_and_versions(read_server: SimulatorServer, api: httpx.Client) -> None:
    order = read_server.simulator.orders()[10]
    assert api.get(f"/orders/{order['id']}").json() == order
    assert api.get("/orders/1").status_code == 404
    assert api.get("/orders/not-a-number").status_code == 404
    with client_for(read_server, "v1") as legacy:
        old = legacy.get(f"/orders/{order['id']}").json()
    assert "contact_identification" not in old and old["customer"] == order["customer"]
    with client_for(read_server, "v9") as unknown:
        assert unknown.get("/orders").status_code == 404


def test_order_json_is_utf8_with_accents(api: httpx.Client) -> None:
    response = api.get("/orders", params={"per_page": 200})
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert "ã".encode() in response.content or "é".encode() in response.content
