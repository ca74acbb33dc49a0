"""What `lojasync ... --format json` gives a script is what the JSON API gives it: the same field names with the
same values, so that a script may move from one to the other without translating."""

from __future__ import annotations

import json
import re

import pytest

from lojasync.nuvemshop.services.import_orders import import_orders
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from tests.factories import failed_order_event, make_store, order_payload, ts
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


# The forms the README gives the API (and the CLI's JSON with it): moments in UTC with "Z", microseconds only when
# the moment has them (SEFAZ's are to the second, the ERP's own are not: both interfaces write each as it is);
# money as text with two decimals.
_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z")
_MONEY = re.compile(r"-?\d+\.\d\d")
_MONEY_FIELDS = {"amount", "total", "unit_price", "subtotal", "discount", "freight", "price"}


def _forms(data: object, where: str = "") -> list[str]:
    """Every moment or amount in `data` that is not in the API's form, by its path."""
    wrong = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, (dict, list)):
                wrong += _forms(value, f"{where}.{key}")
                continue
            form = _MOMENT if key == "at" or key.endswith("_at") else _MONEY if key in _MONEY_FIELDS else None
            if value is not None and form and not (isinstance(value, str) and form.fullmatch(value)):
                wrong.append(f"{where}.{key}={value!r}")
    elif isinstance(data, list):
        for item in data:
            wrong += _forms(item, f"{where}[]")
    return wrong


def test_every_other_answer_has_the_apis_values_in_the_apis_forms(app, api, lojasync):
    """The audit of every `--format json` with an API twin that the tests above leave out: stock movements
    (`source_id` text in both, as the API declares it: a count's or an adjustment's key is no number; a
    receivable's `document_id` is the document's id, a number), number voids (the CLI adds `numbers`, the range in
    words), failed notifications, a customer's IE, a product's fiscal data, and what approve, confirm, cancel and
    receive answer (the API nests the document under `invoice`, `sale` or `receivable`; the CLI gives it flat with
    `changed`). Field by field the same values, moments with "Z" and amounts with two decimals in both."""
    invoiced, sold = imported(app, {"id": 2500000501, "payment_status": "paid", "paid_at": ts(3600)},
                              {"id": 2500000502, "payment_status": "paid"})
    lojasync("company", "set", "--name", "Loja Exemplo Ltda", "--cnpj", "11.222.333/0001-81", "--ie", "110042490114",
             "--street", "Rua A", "--number", "10", "--district", "Centro", "--city", "São Paulo", "--uf", "SP",
             "--zipcode", "01001-000", "--default-ncm", "61091000", "--next-number", "3")
    lojasync("company", "certificate", "--test")

    def cli(*args: str):
        return json.loads(lojasync(*args, "--format", "json"))

    def rest(path: str, method: str = "get", **kwargs):
        answer = getattr(api, method)(f"/api/v1{path}", **kwargs)
        assert answer.status_code < 300, answer.text
        return answer.json()

    def flat(answer: dict, *cli_only: str) -> dict:
        return {key: value for key, value in answer.items() if key not in cli_only}

    seen: list[object] = []
    (invoice,) = cli("orders", "invoice", str(invoiced), "--no-approve")
    approved = cli("invoices", "approve", str(invoice["id"]))
    answer = rest(f"/invoices/{invoice['id']}/approve", "post")
    assert (approved["changed"], answer["changed"]) == (True, False)
    assert flat(approved, "changed") == answer["invoice"]
    sale = cli("orders", "sale", str(sold))
    confirmed = cli("sales", "confirm", str(sale["id"]))
    answer = rest(f"/sales/{sale['id']}/confirm", "post")
    assert flat(confirmed, "changed") == answer["sale"] and answer["sale"]["confirmed_at"] is not None
    seen += [approved, answer]

    receivable = cli("receivables", "list")[0]
    received = cli("receivables", "receive", str(receivable["id"]))
    answer = rest(f"/receivables/{receivable['id']}/receive", "post")
    assert flat(received, "changed") == answer["receivable"] and received["received_at"] is not None
    assert isinstance(received["document_id"], int)
    seen += [received, answer]

    sku = cli("stock", "list")[0]["reference"]
    cli("stock", "count", sku, "--quantity", "10")
    rest("/stock/adjustments", "post", json={"sku": sku, "quantity": 2, "adjustment_id": "nf-fornecedor-7"})
    movements = cli("stock", "movements", sku)
    assert movements == rest("/stock/movements", params={"sku": sku})
    assert {m["source_type"] for m in movements} == {"nfe", "simple_sale", "count", "adjustment"}
    assert all(isinstance(m["source_id"], str) for m in movements)
    seen += [movements]

    voided = cli("invoices", "void", "1", "2", "--reason", "Numeros pulados por erro de configuracao")
    (listed,) = rest("/number-voids")
    assert flat(voided, "changed", "numbers") == listed and voided["numbers"] == "1 a 2"
    assert [flat(v, "numbers") for v in cli("invoices", "voids")] == [listed]
    assert cli("invoices", "gaps") == rest("/number-voids/gaps")
    seen += [voided]

    store_id = make_store(app, "7654321")
    failed_order_event(app, store_id, "7654321")
    failed = cli("events", "list", "--failed")
    assert failed == rest("/events", params={"failed": "true"}) and failed[0]["processed_at"] is not None
    assert cli("events", "list") == rest("/events")
    seen += [failed]

    (customer,) = cli("customers", "list")
    assert cli("customers", "ie", customer["tax_id"], "--clear") == rest(
        f"/customers/{customer['tax_id']}/ie", "put", json={"state_registration": None})
    assert cli("products", "set", sku, "--ncm", "61091000") == rest(
        "/stock/fiscal-data", "patch", json={"sku": sku, "ncm": "61091000"})

    cancelled = cli("invoices", "cancel", str(invoice["id"]), "--reason", "Pedido devolvido pelo cliente na loja")
    answer = rest(f"/invoices/{invoice['id']}")
    assert flat(cancelled, "changed", "receivables_to_check", "personal_data_erasure_pending") == answer
    assert answer["cancelled_at"]
    # The receivable received above, kept and flagged: the API's retry lists it, the terminal names its command.
    again = rest(f"/invoices/{invoice['id']}/cancel", "post", json={"reason": "Pedido devolvido pelo cliente na loja"})
    assert again["receivables_to_check"] == f"GET /api/v1/receivables?order={invoiced}&needs_attention=true"
    assert cancelled["receivables_to_check"] == f"lojasync receivables list --order {invoiced} --conferir"
    seen += [cancelled, cli("orders", "show", str(invoiced)), cli("invoices", "list"), cli("sales", "list"),
             cli("receivables", "list"), rest("/receivables"), rest(f"/orders/{invoiced}")]
    assert _forms(seen) == []
