"""Store-side changes (Python and admin HTTP) and order actions: updated_at moves, totals stay right."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from validate_docbr import CPF

from lojasync.simulators.nuvemshop import ManualClock, OrderStateError, SimulatorServer
from lojasync.simulators.nuvemshop.query import LISTED_ONLY_BY_NAME

from .conftest import NOW


def admin(server: SimulatorServer, path: str, body: dict | None = None) -> httpx.Response:
    return httpx.post(f"{server.url}/_simulator/{server.store_id}{path}", json=body)


def updated_since(api: httpx.Client, moment: datetime) -> list[dict]:
    return api.get("/orders", params={"updated_at_min": moment.isoformat(), "per_page": 200}).json()


def check_totals(order: dict) -> None:
    subtotal = sum(Decimal(p["price"]) * int(p["quantity"]) for p in order["products"])
    assert Decimal(order["subtotal"]) == subtotal
    assert Decimal(order["total"]) == subtotal - Decimal(order["discount"]) + Decimal(order["shipping_cost_customer"])


def test_admin_creates_pending_orders_visible_in_updated_at_min(
        live_server: SimulatorServer, live_api: httpx.Client, clock: ManualClock) -> None:
    clock.advance(3600)
    response = admin(live_server, "/orders", {"count": 3})
    assert response.status_code == 201
    ids = response.json()["ids"]
    assert len(ids) == 3 and ids == sorted(ids)
    fresh = updated_since(live_api, clock())
    assert [o["id"] for o in fresh] == ids
    for order in fresh:
        assert (order["status"], order["payment_status"], order["shipping_status"]) == ("open", "pending", "unpacked")
        assert order["created_at"] == order["updated_at"]
        check_totals(order)
    assert [o["number"] for o in fresh] == [140, 141, 142]
    listed = [o for o in live_server.simulator.orders() if o["payment_status"] not in LISTED_ONLY_BY_NAME]
    assert len(live_server.simulator.orders()) == 43
    assert live_api.get("/orders").headers["X-Total-Count"] == str(len(listed))


def test_pay_bumps_updated_at_and_shows_up_incrementally(
        live_server: SimulatorServer, live_api: httpx.Client, clock: ManualClock) -> None:
    sim = live_server.simulator
    target = next(o for o in sim.orders() if o["payment_status"] == "pending" and o["status"] == "open")
    clock.advance(7200)
    assert updated_since(live_api, clock()) == []
    paid = admin(live_server, f"/orders/{target['id']}/pay").json()
    assert paid["payment_status"] == "paid" and paid["paid_at"] == paid["updated_at"]
    assert datetime.fromisoformat(paid["updated_at"]) == clock()
    assert [o["id"] for o in updated_since(live_api, clock())] == [target["id"]]
    assert admin(live_server, f"/orders/{target['id']}/pay").status_code == 422


def test_cancel_and_python_api_mutations(live_server: SimulatorServer, live_api: httpx.Client, clock: ManualClock) -> None:
    sim = live_server.simulator
    target = next(o for o in sim.orders() if o["payment_status"] == "paid" and o["status"] != "cancelled")
    clock.advance(60)
    cancelled = admin(live_server, f"/orders/{target['id']}/cancel", {"reason": "fraud"}).json()
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "fraud"
    assert cancelled["payment_status"] == "refunded" and cancelled["cancelled_at"] == cancelled["updated_at"]
    with pytest.raises(OrderStateError):
        sim.pay_order(target["id"])
    with pytest.raises(OrderStateError):
        sim.cancel_order(sim.orders()[0]["id"], reason="because")
    assert live_api.get(f"/orders/{target['id']}").json()["status"] == "cancelled"


def test_later_update_brings_a_valid_cpf(live_server: SimulatorServer, live_api: httpx.Client, clock: ManualClock) -> None:
    target = live_server.simulator.orders()[5]
    clock.advance(90)
    response = admin(live_server, f"/orders/{target['id']}/edit", {"identification": "529.982.247-25"})
    assert response.status_code == 200
    order = live_api.get(f"/orders/{target['id']}").json()
    assert order["customer"]["identification"] == "529.982.247-25" and CPF().validate(order["customer"]["identification"])
    assert datetime.fromisoformat(order["updated_at"]) == clock()
    clock.advance(30)
    live_server.simulator.set_order_identification(target["id"], "52998224725")
    order = live_api.get(f"/orders/{target['id']}").json()
    assert order["customer"]["identification"] == order["contact_identification"] == "52998224725"
    assert [o["id"] for o in updated_since(live_api, clock())] == [target["id"]]


def test_edit_quantity_keeps_totals_and_rejects_bad_edits(live_server: SimulatorServer, clock: ManualClock) -> None:
    sim = live_server.simulator
    order = sim.orders()[7]
    clock.advance(10)
    edited = sim.edit_order(order["id"], quantity=4)
    assert int(edited["products"][0]["quantity"]) == 4
    assert type(edited["products"][0]["quantity"]) is type(order["products"][0]["quantity"])
    check_totals(edited)
    assert Decimal(edited["subtotal"]) > Decimal(order["subtotal"])
    line = edited["products"][0]["id"]
    assert admin(live_server, f"/orders/{order['id']}/edit", {"quantities": {str(line): 0}}).status_code == 422
    assert admin(live_server, f"/orders/{order['id']}/edit", {"colour": "blue"}).status_code == 422
    assert sim.get_order(order["id"]) == edited  # a refused edit changes nothing


def test_order_actions_through_the_api(live_server: SimulatorServer, live_api: httpx.Client, clock: ManualClock) -> None:
    target = next(o for o in live_server.simulator.orders() if o["status"] == "open")
    clock.advance(5)
    closed = live_api.post(f"/orders/{target['id']}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["closed_at"] == closed.json()["updated_at"]
    reopened = live_api.post(f"/orders/{target['id']}/open").json()
    assert reopened["status"] == "open" and reopened["closed_at"] is None
    cancelled = live_api.post(f"/orders/{target['id']}/cancel", json={"reason": "customer", "restock": True}).json()
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "customer"
    assert live_api.post(f"/orders/{target['id']}/fly").status_code == 404


def test_listeners_hear_store_events(live_server: SimulatorServer, clock: ManualClock) -> None:
    sim = live_server.simulator
    events: list[tuple[str, str, int]] = []
    sim.subscribe(lambda store, event, resource: events.append((store, event, resource)))
    created = sim.create_order()
    sim.pay_order(created["id"])
    sim.edit_order(created["id"], note="Entregar à tarde")
    sim.cancel_order(created["id"], "customer")
    assert [e[1] for e in events] == ["order/created", "order/paid", "order/updated", "order/cancelled"]
    assert {e[2] for e in events} == {created["id"]} and {e[0] for e in events} == {live_server.store_id}


def test_updated_at_never_precedes_created_at(live_server: SimulatorServer, clock: ManualClock) -> None:
    clock.set(NOW - timedelta(days=400))
    order = live_server.simulator.orders()[-1]
    edited = live_server.simulator.edit_order(order["id"], note="x")
    assert datetime.fromisoformat(edited["updated_at"]) == datetime.fromisoformat(order["created_at"])
