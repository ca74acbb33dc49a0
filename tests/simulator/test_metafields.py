"""Order metafields (where an ERP puts the NF-e key) and the record of variant writes, over HTTP."""

from __future__ import annotations

import httpx

from lojasync.simulators.nuvemshop import SimulatorServer

from .conftest import client_for


def test_an_order_metafield_is_created_found_changed_and_deleted(live_api: httpx.Client,
                                                                 live_server: SimulatorServer) -> None:
    order_id = live_server.simulator.orders()[0]["id"]
    body = {"namespace": "nfe", "key": "key", "value": "3" * 44, "owner_resource": "Order", "owner_id": order_id,
            "description": "Chave de acesso da NF-e"}
    created = live_api.post("/metafields", json=body)
    assert created.status_code == 201
    metafield = created.json()
    assert {k: metafield[k] for k in body} == body and metafield["created_at"]

    found = live_api.get("/metafields/orders", params={"owner_id": order_id, "namespace": "nfe", "key": "key"})
    assert found.json() == [metafield]
    assert live_api.get("/metafields/orders", params={"owner_id": order_id, "key": "link"}).json() == []
    assert live_api.get(f"/metafields/{metafield['id']}").json() == metafield

    changed = live_api.put(f"/metafields/{metafield['id']}", json={"value": "4" * 44})
    assert changed.status_code == 200 and changed.json()["value"] == "4" * 44
    assert live_api.delete(f"/metafields/{metafield['id']}").status_code == 200
    assert live_api.get(f"/metafields/{metafield['id']}").status_code == 404
    assert live_server.simulator.metafields() == []


def test_metafields_are_refused_like_the_platform_does(live_api: httpx.Client, live_server: SimulatorServer) -> None:
    order_id = live_server.simulator.orders()[0]["id"]
    good = {"namespace": "nfe", "key": "key", "value": "3" * 44, "owner_resource": "Order", "owner_id": order_id}
    assert live_api.post("/metafields", json=good).status_code == 201
    twice = live_api.post("/metafields", json=good)
    assert twice.status_code == 422 and twice.json() == {"key": ["has already been taken"]}
    no_order = live_api.post("/metafields", json={**good, "owner_id": 1})
    assert no_order.status_code == 422 and "owner_id" in no_order.json()
    bad = live_api.post("/metafields", json={**good, "namespace": "1nfe", "value": "", "owner_resource": "Pedido"})
    assert bad.status_code == 422 and set(bad.json()) == {"namespace", "value", "owner_resource"}
    assert live_api.get("/metafields/pedidos").status_code == 404
    assert live_api.put("/metafields/999999", json={"value": "x"}).status_code == 404
    with client_for(live_server, **{"Authentication": "bearer errado"}) as stranger:
        assert stranger.post("/metafields", json=good).status_code == 401


def test_variant_writes_are_recorded_in_order(live_api: httpx.Client, live_server: SimulatorServer) -> None:
    product = live_api.get("/products/sku/CAM-ALG-P").json()
    first, second = (v["id"] for v in product["variants"][:2])
    live_api.patch(f"/products/{product['id']}/variants", json=[{"id": first, "stock": 3}, {"id": second, "stock": 4}])
    live_api.put(f"/products/{product['id']}/variants/{first}", json={"stock": 2})
    assert live_api.patch(f"/products/{product['id']}/variants", json=[{"id": first, "stock": -1}]).status_code == 422

    writes = live_server.simulator.variant_writes()
    assert [(w["method"], w["variants"]) for w in writes] == [
        ("PATCH", [{"id": first, "stock": 3}, {"id": second, "stock": 4}]),
        ("PUT", [{"id": first, "stock": 2}]),
    ]
    assert httpx.get(f"{live_server.url}/_simulator/{live_server.store_id}/variant-writes").json() == writes


def test_an_order_is_fulfilled_with_its_tracking_under_v1_only(live_server: SimulatorServer) -> None:
    order = next(o for o in live_server.simulator.orders() if o["status"] != "cancelled")
    body = {"shipping_tracking_number": "AA123456789BR", "shipping_tracking_url": "https://rastreio.example/AA1",
            "notify_customer": True}
    with client_for(live_server) as current:   # 2025-03 moved shipping to fulfillment orders
        assert current.post(f"/orders/{order['id']}/fulfill", json=body).status_code == 404
    with client_for(live_server, "v1") as v1:
        done = v1.post(f"/orders/{order['id']}/fulfill", json=body)
        assert done.status_code == 200, done.text
        assert {k: done.json()[k] for k in ("shipping_status", "shipping_tracking_number", "shipping_tracking_url")} \
            == {"shipping_status": "shipped", "shipping_tracking_number": "AA123456789BR",
                "shipping_tracking_url": "https://rastreio.example/AA1"}
        assert done.json()["shipped_at"]
        # A corrected code replaces the first one; both calls are kept, in order.
        assert v1.post(f"/orders/{order['id']}/fulfill", json={"shipping_tracking_number": "BB1"}).status_code == 200
    stored = live_server.simulator.get_order(order["id"])
    assert (stored["shipping_tracking_number"], stored["shipping_tracking_url"]) == ("BB1", None)
    calls = live_server.simulator.fulfillments()
    assert [(c["order_id"], c["shipping_tracking_number"], c["notify_customer"]) for c in calls] == [
        (order["id"], "AA123456789BR", True), (order["id"], "BB1", True)]
    admin = httpx.get(f"{live_server.url}/_simulator/{live_server.store_id}/fulfillments", timeout=10).json()
    assert admin == calls


def test_a_cancelled_order_cannot_be_fulfilled(live_server: SimulatorServer) -> None:
    order = next(o for o in live_server.simulator.orders() if o["status"] != "cancelled")
    live_server.simulator.cancel_order(order["id"], "customer")
    with client_for(live_server, "v1") as v1:
        refused = v1.post(f"/orders/{order['id']}/fulfill", json={"shipping_tracking_number": "AA1"})
    assert refused.status_code == 422 and refused.json() == {"status": ["cancelled orders cannot be fulfilled"]}
    assert live_server.simulator.fulfillments() == []
