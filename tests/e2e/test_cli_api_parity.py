"""What `lojasync ... --format json` gives a script is what the JSON API gives it: the same field names with the
same values, so that a script may move from one to the other without translating."""

from __future__ import annotations

import json

import pytest

from lojasync.nuvemshop.services.import_orders import import_orders
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from tests.factories import make_store, order_payload, ts
from tests.web.conftest import api_token, web  # noqa: F401 - fixtures


@pytest.fixture()
def api(web, api_token):  # noqa: F811 - the fixtures imported above
    web.headers["Authorization"] = f"Bearer {api_token}"
    return web


def imported(app, *payloads: dict) -> list[int]:
    report = import_orders(app.uow(), make_store(app), [order_payload(**p) for p in payloads], ImportPolicy())
    return [r.order_number for r in report.results]


def test_the_order_status_is_the_apis_stable_id_with_its_label(app, api, lojasync):
    """dogfood: `orders list|show --format json` gave `status` as the label only ("Em Aberto"), which a script
    cannot compare safely and the API gives as "em-aberto" beside `status_label`."""
    paid, open_, cancelled = imported(app, {"id": 2500000001, "payment_status": "paid"}, {"id": 2500000002},
                                      {"id": 2500000003, "status": "cancelled"})
    expected = {paid: ("confirmado", "Confirmado"), open_: ("em-aberto", "Em Aberto"),
                cancelled: ("cancelado", "Cancelado")}

    listed = json.loads(lojasync("orders", "list", "--format", "json"))
    assert {o["number"]: (o["status"], o["status_label"]) for o in listed} == expected
    from_api = api.get("/api/v1/orders").json()["items"]
    assert {o["number"]: (o["status"], o["status_label"]) for o in from_api} == expected
    # The id is what --status takes, as the API's ?status= does.
    confirmed = json.loads(lojasync("orders", "list", "--status", "confirmado", "--format", "json"))
    assert [o["number"] for o in confirmed] == [paid]

    for number, (status, label) in expected.items():
        shown = json.loads(lojasync("orders", "show", str(number), "--format", "json"))
        assert (shown["status"], shown["status_label"]) == (status, label)
        assert api.get(f"/api/v1/orders/{number}").json()["status"] == status
    # The table is for people: the label, as before.
    assert "Em Aberto" in lojasync("orders", "list") and "em-aberto" not in lojasync("orders", "list")


def test_the_order_list_pages_alike_in_the_cli_and_the_api(app, api, lojasync):
    """More orders than a page: `--limit N --page P` is the API's `per_page=N&page=P`, newest first; the API says
    how many in all (`total`, `pages`); the CLI's JSON brings every order unless asked for pages."""
    numbers = imported(app, *({"id": 2500000101 + i} for i in range(5)))
    pages = []
    for page in (1, 2, 3, 4):
        cli = json.loads(lojasync("orders", "list", "--limit", "2", "--page", str(page), "--format", "json"))
        answer = api.get("/api/v1/orders", params={"per_page": 2, "page": page}).json()
        assert [o["number"] for o in cli] == [o["number"] for o in answer["items"]], page
        assert (answer["total"], answer["pages"]) == (5, 3)
        pages.append([o["number"] for o in cli])
    assert pages == [sorted(numbers, reverse=True)[i:i + 2] for i in (0, 2, 4, 6)]
    assert [o["number"] for o in json.loads(lojasync("orders", "list", "--format", "json"))] == sorted(
        numbers, reverse=True)


def test_documents_and_receivables_carry_the_apis_status_and_label(app, api, lojasync):
    """The same check for the vendas simples and the contas a receber (the NF-e's JSON is the same view as the
    sale's): `status` the stored id, `status_label` the words, as the API gives them."""
    (number,) = imported(app, {"id": 2500000201, "payment_status": "paid"})
    sale = json.loads(lojasync("orders", "sale", str(number), "--format", "json"))
    lojasync("sales", "confirm", str(sale["id"]))

    def fields(rows: list[dict], *names: str) -> list[tuple]:
        return [tuple(row[name] for name in names) for row in rows]

    sales = json.loads(lojasync("sales", "list", "--format", "json"))
    assert fields(sales, "id", "status", "status_label") == fields(api.get("/api/v1/sales").json(), "id", "status",
                                                                   "status_label") == [(sale["id"], "confirmed",
                                                                                        "confirmada")]
    shown = json.loads(lojasync("sales", "show", str(sale["id"]), "--format", "json"))
    assert (shown["status"], shown["status_label"]) == ("confirmed", "confirmada")
    receivables = json.loads(lojasync("receivables", "list", "--format", "json"))
    from_api = api.get("/api/v1/receivables").json()["items"]
    names = ("id", "status", "status_label", "situation")
    assert fields(receivables, *names) == fields(from_api, *names) and receivables


def test_a_whole_order_is_the_same_in_the_cli_and_the_api(app, api, lojasync):
    """dogfood: `orders show --format json` called its history `log` (the API: `history`) and wrote its amounts
    as "R$ 160.00" inside Portuguese sentences; the API left out the payment's date and the customer's IE and
    contributor kind, which the CLI gave. Now the one is the other, field by field (`log` stays in the CLI, the
    history's first name, for the scripts written before)."""
    (number,) = imported(app, {"id": 2500000301, "payment_status": "paid", "paid_at": ts(3600)})
    sale = json.loads(lojasync("orders", "sale", str(number), "--format", "json"))
    lojasync("sales", "confirm", str(sale["id"]))
    cli = json.loads(lojasync("orders", "show", str(number), "--format", "json"))
    rest = api.get(f"/api/v1/orders/{number}").json()

    assert cli.pop("log") == cli["history"]
    assert cli == rest   # moments too: the CLI writes them with "Z", as the API (it wrote "+00:00")
    assert rest["paid_at"] is not None and rest["customer"]["contributor"] == "non_contributor"
    created = next(e["message"] for e in rest["history"] if e["event"] == "receivables_created")
    assert "total R$ 160,00" in created


def test_documents_stock_and_receivables_are_the_same_in_the_cli_and_the_api(app, api, lojasync):
    """Field by field, as the whole order: the NF-e (the API lacked `sent_at`, which says until when an NF-e
    awaiting SEFAZ is not sent again), the venda simples, the stock and the receivables (the API lacked
    `situation_label`)."""
    invoiced, sold = imported(app, {"id": 2500000401, "payment_status": "paid"},
                              {"id": 2500000402, "payment_status": "paid"})
    lojasync("company", "set", "--name", "Loja Exemplo Ltda", "--cnpj", "11.222.333/0001-81", "--ie", "110042490114",
             "--street", "Rua A", "--number", "10", "--district", "Centro", "--city", "São Paulo", "--uf", "SP",
             "--zipcode", "01001-000", "--default-ncm", "61091000")
    lojasync("company", "certificate", "--test")
    (invoice,) = json.loads(lojasync("orders", "invoice", str(invoiced), "--format", "json"))
    assert invoice["status"] == "authorised"
    sale = json.loads(lojasync("orders", "sale", str(sold), "--format", "json"))
    lojasync("sales", "confirm", str(sale["id"]))

    def cli(*args: str):
        return json.loads(lojasync(*args, "--format", "json"))

    def rest(path: str):
        return api.get(f"/api/v1{path}").json()

    assert cli("invoices", "show", str(invoice["id"])) == rest(f"/invoices/{invoice['id']}")
    assert cli("invoices", "list") == rest("/invoices")
    assert rest(f"/invoices/{invoice['id']}")["sent_at"] is not None
    assert cli("sales", "show", str(sale["id"])) == rest(f"/sales/{sale['id']}")
    assert cli("stock", "list") == rest("/stock")
    receivables = rest("/receivables")["items"]
    assert cli("receivables", "list") == receivables and len(receivables) == 2
    assert {r["situation_label"] for r in receivables} == {"em aberto"}
