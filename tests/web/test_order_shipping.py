"""How an order ships, on its page and in the API's order: "Correios - PAC" or "Retirada na loja"; nothing is said
of an order the store told nothing about."""

from __future__ import annotations

from tests.web import documents_setup as setup
from tests.web.documents_setup import imported, text_of

store_id = setup.store_id
PAC = {"shipping": "correios", "shipping_option": "Correios - PAC", "shipping_pickup_type": "ship"}
PICKUP = {"shipping": "pickup", "shipping_option": "Retirada na loja", "shipping_pickup_type": "pickup",
          "shipping_store_branch_name": "Loja Centro"}


def test_the_order_page_says_how_it_ships(app, logged_in, store_id):
    shipped, pickup, unknown = imported(app, store_id, {"id": 2800000001, **PAC}, {"id": 2800000002, **PICKUP},
                                        {"id": 2800000003})
    assert "Envio Correios - PAC Entrega" in text_of(logged_in.get(f"/pedidos/{shipped}").text)
    assert "Envio Retirada na loja (Loja Centro) Entrega" in text_of(logged_in.get(f"/pedidos/{pickup}").text)
    assert 'data-testid="envio"' not in logged_in.get(f"/pedidos/{unknown}").text


def test_the_api_order_says_how_it_ships(app, web, api_token, store_id):
    shipped, pickup, unknown = imported(app, store_id, {"id": 2800000011, **PAC}, {"id": 2800000012, **PICKUP},
                                        {"id": 2800000013})
    web.headers["Authorization"] = f"Bearer {api_token}"
    assert web.get(f"/api/v1/orders/{shipped}").json()["shipping"] == {
        "carrier": "correios", "option": "Correios - PAC", "pickup": False, "branch": None, "how": "Correios - PAC",
        "words": "Envio: Correios - PAC"}
    assert web.get(f"/api/v1/orders/{pickup}").json()["shipping"]["words"] == "Retirada na loja (Loja Centro)"
    assert web.get(f"/api/v1/orders/{unknown}").json()["shipping"] is None
