"""Two Nuvemshop stores connected at once (one ERP, the same products by SKU), over real HTTP with the store
simulator serving both and the embedded SEFAZ simulator: an NF-e of one store's order moves the stock both
storefronts show, and its cancellation gives it back to both; a customers/redact of one store erases that store's
orders and leaves the other store's (README, LGPD)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.server import SimulatorServer
from tests.e2e.live import LiveInstallation, wait_until

OTHER = "7654321"   # store B: store A is the simulator's default store


@pytest.fixture()
def stores():
    # One simulator serving two stores: different seeds give different variant and order ids, and mostly the same
    # SKUs (the catalogue's names), as one merchant's two storefronts of the same products.
    with SimulatorServer(config=SimulatorConfig(orders=30, seed=11, leak_per_second=50.0,
                                                deliver_webhooks=False)) as srv:
        srv.simulator.add_store(OTHER, "token-da-loja-b", orders=30, seed=12)
        yield srv


def variant_by_sku(srv, sku: str, store_id: str | None = None) -> dict:
    (variant,) = [v for p in srv.simulator.products(store_id) for v in p["variants"] if v["sku"] == sku]
    return variant


def erp_orders(lojasync) -> list[dict]:
    listed = json.loads(lojasync("orders", "list", "--format", "json"))
    return [json.loads(lojasync("orders", "show", str(o["number"]), "--format", "json")) for o in listed]


def push_both(lojasync, srv) -> str:
    """`store push` of each store (with two connected it asks which): the outputs, joined."""
    return "\n".join(lojasync("store", "push", "--store", store_id) for store_id in (srv.store_id, OTHER))


def test_an_nfe_of_one_stores_order_and_its_cancellation_move_the_stock_both_storefronts_show(lojasync, stores):
    sim = stores.simulator
    for store_id, token in ((stores.store_id, stores.access_token), (OTHER, "token-da-loja-b")):
        lojasync("store", "add", "--store", store_id, "--access-token", token, "--api-url", stores.api_url)
        lojasync("sync", "--store", store_id)
    orders = [o for o in erp_orders(lojasync) if o["status"] != "cancelado"]
    sold_in_b = {line["sku"] for o in orders if o["store_id"] == OTHER for line in o["lines"] if line["sku"]}
    # An order of store A with a customer, one of whose SKUs store B sold too (so bound to a variant in each).
    order, sku = next((o, line["sku"]) for o in orders if o["store_id"] == stores.store_id and o["customer"]
                      for line in o["lines"] if line["sku"] in sold_in_b)
    sold = Counter()
    for line in order["lines"]:
        sold[line["sku"]] += line["quantity"]
    in_a, in_b = variant_by_sku(stores, sku), variant_by_sku(stores, sku, OTHER)
    assert in_a["id"] != in_b["id"]

    lojasync("stock", "count", sku, "--quantity", "50")
    push_both(lojasync, stores)
    assert (variant_by_sku(stores, sku)["stock"], variant_by_sku(stores, sku, OTHER)["stock"]) == (50, 50)

    lojasync("company", "set", "--name", "Loja Simulada Ltda", "--cnpj", "11.222.333/0001-81", "--ie", "110042490114",
             "--street", "Rua A", "--number", "10", "--district", "Centro", "--city", "São Paulo", "--uf", "SP",
             "--zipcode", "01001-000", "--default-ncm", "61091000")
    lojasync("company", "certificate", "--test")
    (invoice,) = json.loads(lojasync("orders", "invoice", str(order["number"]), "--format", "json"))
    assert invoice["status"] == "authorised", invoice["error"]
    level = {r["sku"]: r["quantity"] for r in json.loads(lojasync("stock", "list", "--format", "json"))}[sku]
    assert level == 50 - sold[sku]
    assert "recusadas pela loja: 0" in push_both(lojasync, stores)
    assert (variant_by_sku(stores, sku)["stock"], variant_by_sku(stores, sku, OTHER)["stock"]) == (50 - sold[sku],
                                                                                                   50 - sold[sku])
    # The key goes to store A's order, and nowhere in store B.
    keys = [(m["owner_id"], m["value"]) for m in sim.metafields() if (m["namespace"], m["key"]) == ("nfe", "key")]
    assert keys == [(int(order["store_order_id"]), invoice["access_key"])]
    assert [m for m in sim.metafields(OTHER) if m["namespace"] == "nfe"] == []

    lojasync("invoices", "cancel", str(invoice["id"]), "--reason", "Pedido devolvido pelo cliente na loja")
    level = {r["sku"]: r["quantity"] for r in json.loads(lojasync("stock", "list", "--format", "json"))}[sku]
    assert level == 50
    assert "recusadas pela loja: 0" in push_both(lojasync, stores)
    assert (variant_by_sku(stores, sku)["stock"], variant_by_sku(stores, sku, OTHER)["stock"]) == (50, 50)
    assert [m for m in sim.metafields() if m["namespace"] == "nfe"] == []
    assert [m for m in sim.metafields(OTHER) if m["namespace"] == "nfe"] == []
    for store_id in (stores.store_id, OTHER):
        assert json.loads(lojasync("store", "updates", "--store", store_id, "--format", "json")) == []


@pytest.fixture()
def live(app, tmp_path, monkeypatch):
    with LiveInstallation(app, tmp_path, monkeypatch) as installation:
        yield installation


def test_a_customers_redact_of_one_store_erases_its_orders_and_keeps_the_other_stores(app, live):
    """README (LGPD): customers/redact anonymises the person's orders of the store that asked; a customer who also
    bought in another store is kept for that store's orders (its order still names them, a search still finds it),
    and the erased order no longer points to it. Each store asks for its own customers (Nuvemshop's customer records
    are per store): the other store's request, when it comes, erases the rest (tests/integration/test_lgpd.py)."""
    from lojasync.entrypoints.web.webhooks import lgpd_webhook_paths
    from lojasync.nuvemshop.services.install_store import store_webhooks, webhook_url_for
    from lojasync.nuvemshop.services.stores import add_store, store_log
    from lojasync.sales.order_filter import OrderFilter
    from lojasync.sales.views import find_orders, list_orders, show_order

    sim = live.simulator
    base = f"http://127.0.0.1:{live.port}"
    sim.add_store(OTHER, "token-da-loja-b", orders=0, seed=12)
    add_store(app.uow(), app.cipher, OTHER, "token-da-loja-b", live.simulator_server.api_url)
    assert store_webhooks(app.uow(), app.client_for, OTHER, webhook_url_for(base)).complete
    sim.set_lgpd_urls({path.removeprefix("/webhooks/nuvemshop/"): base + path for path in lgpd_webhook_paths()})

    def erp(store_order_id) -> dict | None:
        return next((o for o in list_orders(app.read_uow()) if o["store_order_id"] == str(store_order_id)), None)

    in_a = sim.create_order()
    person = in_a["customer"]
    document = person["identification"]
    in_b = sim.create_order(store_id=OTHER)
    # The same person buying in store B: their CPF, name, e-mail and phone on that store's order.
    sim.set_order_identification(in_b["id"], document, store_id=OTHER)
    sim.edit_order(in_b["id"], store_id=OTHER, customer_name=person["name"], contact_email=person["email"],
                   contact_phone=person["phone"])
    wait_until(lambda: (erp(in_a["id"]) or {}).get("customer") and (erp(in_b["id"]) or {}).get("contact_name")
               == person["name"])
    a_number, b_number = erp(in_a["id"])["number"], erp(in_b["id"])["number"]
    shown_a, shown_b = show_order(app.read_uow(), a_number), show_order(app.read_uow(), b_number)
    assert shown_a["customer"]["id"] == shown_b["customer"]["id"]   # one ERP customer, by the CPF

    sim.redact_customer(person["id"])   # store A's request
    wait_until(lambda: any(e["event"] == "lgpd_customer_redact" for e in show_order(app.read_uow(), a_number)["log"]))
    erased = show_order(app.read_uow(), a_number)
    assert erased["contact"] == {"name": None, "email": None, "phone": None, "document": None}
    assert erased["customer"] is None
    assert erased["customer_problem"] == "dados pessoais anonimizados a pedido do cliente (LGPD)"
    kept = show_order(app.read_uow(), b_number)
    assert (kept["contact"]["email"], kept["contact"]["document"]) == (person["email"], document)
    assert kept["customer"]["id"] == shown_b["customer"]["id"]
    assert [o["number"] for o in find_orders(app.read_uow(), OrderFilter(text=document)).items] == [b_number]
    (entry,) = [e for e in store_log(app.read_uow(), live.simulator_server.store_id)
                if e["event"] == "lgpd_customer_redact"]
    assert "mantido: também tem pedidos de outra origem" in entry["message"]
    assert not [e for e in store_log(app.read_uow(), OTHER) if e["event"].startswith("lgpd")]
    lgpd = [entry for entry in sim.webhook_log() if entry["kind"] == "lgpd"]
    assert [(entry["event"], entry["status"]) for entry in lgpd] == [("customers/redact", 200)], lgpd
