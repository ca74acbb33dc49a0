"""Products, variant stock writes and webhook registrations over HTTP."""

from __future__ import annotations

import httpx

from lojasync.simulators.nuvemshop import SimulatorServer


def test_products_listing_and_lookup(live_api: httpx.Client, live_server: SimulatorServer) -> None:
    listing = live_api.get("/products", params={"per_page": 10})
    assert listing.status_code == 200 and len(listing.json()) == 10
    total = int(listing.headers["X-Total-Count"])
    assert total == len(live_server.simulator.products()) and "next" in listing.links
    product = live_api.get("/products/sku/CAM-ALG-M").json()
    assert product["name"]["pt"] == "Camiseta Algodão Básica"
    assert "CAM-ALG-M" in [v["sku"] for v in product["variants"]]
    assert live_api.get(f"/products/{product['id']}").json() == product
    assert live_api.get(f"/products/{product['id']}/variants").json() == product["variants"]
    assert live_api.get("/products/sku/NAO-EXISTE").status_code == 404
    assert live_api.get("/products/123").status_code == 404


def test_put_variant_stock(live_api: httpx.Client) -> None:
    product = live_api.get("/products/sku/CAM-ALG-G").json()
    variant = next(v for v in product["variants"] if v["sku"] == "CAM-ALG-G")
    path = f"/products/{product['id']}/variants/{variant['id']}"
    response = live_api.put(path, json={"stock": 17})
    assert response.status_code == 200
    assert response.json()["stock"] == 17 and response.json()["id"] == variant["id"]
    again = live_api.get("/products/sku/CAM-ALG-G").json()
    assert next(v["stock"] for v in again["variants"] if v["id"] == variant["id"]) == 17
    assert live_api.put(path, json={"stock": -1}).status_code == 422
    assert live_api.put(path, json={"stock": "muitos"}).status_code == 422
    assert live_api.put(f"/products/{product['id']}/variants/1", json={"stock": 1}).status_code == 404
    unlimited = live_api.put(path, json={"stock": None}).json()
    assert unlimited["stock"] is None and unlimited["stock_management"] is False


def test_patch_variants_in_bulk(live_api: httpx.Client) -> None:
    product = live_api.get("/products/sku/CAM-ALG-P").json()
    ids = [v["id"] for v in product["variants"]]
    body = [{"id": ids[0], "stock": 3}, {"id": ids[1], "stock": 0}]
    response = live_api.patch(f"/products/{product['id']}/variants", json=body)
    assert response.status_code == 200
    stocks = {v["id"]: v["stock"] for v in response.json()}
    assert stocks[ids[0]] == 3 and stocks[ids[1]] == 0 and len(stocks) == len(ids)
    bad = [{"id": ids[0], "stock": 9}, {"id": ids[1], "stock": -5}]
    assert live_api.patch(f"/products/{product['id']}/variants", json=bad).status_code == 422
    assert live_api.get(f"/products/{product['id']}/variants").json()[0]["stock"] == 3  # all or nothing


def test_webhook_lifecycle(live_api: httpx.Client, live_server: SimulatorServer) -> None:
    assert live_api.get("/webhooks").json() == []
    created = live_api.post("/webhooks", json={"event": "order/paid", "url": "https://erp.example.com.br/hooks"})
    assert created.status_code == 201
    hook = created.json()
    assert hook["event"] == "order/paid" and hook["url"] == "https://erp.example.com.br/hooks" and hook["id"]
    local = live_api.post("/webhooks", json={"event": "order/created", "url": "http://127.0.0.1:9000/nuvemshop"})
    assert local.status_code == 201
    assert [h["id"] for h in live_api.get("/webhooks").json()] == [hook["id"], local.json()["id"]]
    assert live_server.simulator.webhooks()[0]["url"] == "https://erp.example.com.br/hooks"
    updated = live_api.put(f"/webhooks/{hook['id']}", json={"url": "https://erp.example.com.br/v2"}).json()
    assert updated["url"] == "https://erp.example.com.br/v2" and updated["event"] == "order/paid"
    assert live_api.delete(f"/webhooks/{local.json()['id']}").status_code == 200
    assert [h["id"] for h in live_api.get("/webhooks").json()] == [hook["id"]]
    assert live_api.delete(f"/webhooks/{local.json()['id']}").status_code == 404


def test_webhook_validation(live_api: httpx.Client) -> None:
    missing = live_api.post("/webhooks", json={})
    assert missing.status_code == 422 and set(missing.json()) == {"event", "url"}
    assert live_api.post("/webhooks", json={"event": "order/paid"}).json() == {"url": ["can't be blank"]}
    plain = live_api.post("/webhooks", json={"event": "order/paid", "url": "http://erp.example.com/hook"})
    assert plain.status_code == 422 and "url" in plain.json()
    wrong = live_api.post("/webhooks", json={"event": "order/teleported", "url": "https://erp.example.com/hook"})
    assert wrong.status_code == 422 and "Invalid event" in wrong.json()["event"][0]
    body = {"event": "order/updated", "url": "http://localhost:8080/hook"}
    assert live_api.post("/webhooks", json=body).status_code == 201
    assert live_api.post("/webhooks", json=body).status_code == 422
