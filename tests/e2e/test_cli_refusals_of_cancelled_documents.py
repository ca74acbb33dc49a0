"""Confirming a cancelled venda simples or transmitting a cancelled NF-e is refused, and the refusal names the order
and how to go on: a new document from it. Journey review: both said "Confira a situação do documento; gere outro a
partir do pedido se preciso." and no command, neither in the terminal nor in the API (the order unnamed)."""

from __future__ import annotations

import json

import pytest

from lojasync.nuvemshop.services.import_orders import import_orders
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from tests.factories import make_store, order_payload
from tests.web.conftest import api_token, web  # noqa: F401 - fixtures


@pytest.fixture()
def api(web, api_token):  # noqa: F811 - the fixtures imported above
    web.headers["Authorization"] = f"Bearer {api_token}"
    return web


@pytest.fixture()
def lojasync(lojasync):
    """The e2e runner, rich's line folding undone (the refusal is asserted whole)."""
    return lambda *args, expect=0: " ".join(lojasync(*args, expect=expect).split())


def _order(app, store_order_id: int) -> int:
    payload = order_payload(id=store_order_id, payment_status="paid")
    (result,) = import_orders(app.uow(), make_store(app), [payload], ImportPolicy()).results
    return result.order_number


def _how_to_go_on(order_number: int) -> list[str]:
    return [f"Se a venda do pedido {order_number} continua, gere outro documento a partir dele",
            f"No terminal: lojasync orders invoice {order_number} (NF-e) ou lojasync orders sale {order_number} "
            "(venda simples)"]


def test_confirming_a_cancelled_sale_names_the_order_and_the_new_document(app, api, lojasync):
    order_number = _order(app, 2700000001)
    sale = json.loads(lojasync("orders", "sale", str(order_number), "--format", "json"))
    lojasync("sales", "confirm", str(sale["id"]))
    lojasync("sales", "cancel", str(sale["id"]))

    refused = lojasync("sales", "confirm", str(sale["id"]), expect=1)
    assert f"Venda simples {sale['id']} está cancelada: não é possível confirmar." in refused
    for words in _how_to_go_on(order_number):
        assert words in refused
    answer = api.post(f"/api/v1/sales/{sale['id']}/confirm")
    assert answer.status_code == 409 and answer.json()["codigo"] == "fiscal.state_refused"
    assert _how_to_go_on(order_number)[0] in answer.json()["resolucao"]


def test_transmitting_a_cancelled_nfe_names_the_order_and_the_new_document(app, api, lojasync):
    order_number = _order(app, 2700000011)
    lojasync("company", "set", "--name", "Loja Exemplo Ltda", "--cnpj", "11.222.333/0001-81", "--ie", "110042490114",
             "--street", "Rua A", "--number", "10", "--district", "Centro", "--city", "São Paulo", "--uf", "SP",
             "--zipcode", "01001-000", "--default-ncm", "61091000")
    lojasync("company", "certificate", "--test")
    (invoice,) = json.loads(lojasync("orders", "invoice", str(order_number), "--format", "json"))
    lojasync("invoices", "cancel", str(invoice["id"]), "--reason", "Cliente desistiu da compra")

    refused = lojasync("invoices", "approve", str(invoice["id"]), expect=1)
    assert f"NF-e nº {invoice['number']} está cancelada: não é possível transmitir." in refused
    for words in _how_to_go_on(order_number):
        assert words in refused
    answer = api.post(f"/api/v1/invoices/{invoice['id']}/approve")
    assert answer.status_code == 409 and _how_to_go_on(order_number)[0] in answer.json()["resolucao"]
