"""The seed's path end to end, over real HTTP: the store simulator's orders are synced, one becomes an NF-e
transmitted to the SEFAZ simulator (stock down, receivables up), then cancelled (both back); another becomes a
venda simples."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest

from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.server import SimulatorServer


@pytest.fixture(scope="module")
def store():
    with SimulatorServer(config=SimulatorConfig(orders=30, seed=11, leak_per_second=50.0)) as srv:
        yield srv



def stock(lojasync) -> dict[str, int]:
    return {r["sku"]: r["quantity"] for r in json.loads(lojasync("stock", "list", "--format", "json"))}


def test_store_order_to_authorised_nfe_and_back(lojasync, store):
    lojasync("store", "add", "--store", store.store_id, "--access-token", store.access_token,
             "--api-url", store.api_url)
    lojasync("sync")
    lojasync("company", "set", "--name", "Loja Simulada Ltda", "--cnpj", "11.222.333/0001-81", "--ie", "110042490114",
             "--street", "Rua A", "--number", "10", "--district", "Centro", "--city", "São Paulo", "--uf", "SP",
             "--zipcode", "01001-000", "--default-ncm", "61091000")
    lojasync("company", "certificate", "--test")
    orders = json.loads(lojasync("orders", "list", "--format", "json"))
    with_customer = [o for o in orders if o["customer"] and o["status"] != "cancelado"]
    assert len(with_customer) >= 2

    order = json.loads(lojasync("orders", "show", str(with_customer[0]["number"]), "--format", "json"))
    sold = Counter()
    for line in order["lines"]:
        sold[line["sku"]] += line["quantity"]
    before = stock(lojasync)
    (invoice,) = json.loads(lojasync("orders", "invoice", str(order["number"]), "--format", "json"))
    assert invoice["status"] == "authorised", invoice["error"]
    after = stock(lojasync)
    assert {sku: before[sku] - after[sku] for sku in sold} == dict(sold)
    receivables = json.loads(lojasync("receivables", "list", "--order", str(order["number"]), "--format", "json"))
    assert sum(Decimal(r["amount"]) for r in receivables) == Decimal(order["total"])

    lojasync("invoices", "cancel", str(invoice["id"]), "--reason", "Pedido devolvido pelo cliente na loja")
    assert stock(lojasync) == before
    receivables = json.loads(lojasync("receivables", "list", "--order", str(order["number"]), "--format", "json"))
    assert {r["status"] for r in receivables} == {"cancelled"}

    sale = json.loads(lojasync("orders", "sale", str(with_customer[1]["number"]), "--format", "json"))
    lojasync("sales", "confirm", str(sale["id"]))
    assert json.loads(lojasync("sales", "show", str(sale["id"]), "--format", "json"))["status"] == "confirmed"
    assert stock(lojasync) != before
