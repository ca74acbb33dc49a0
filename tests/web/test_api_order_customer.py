"""`POST /api/v1/orders/{number}/customer`: what the Pedido page's "Sem cliente vinculado" form does, for an
integrator: link by CPF/CNPJ, create the customer with a name, replace one only when asked; every refusal the
API's JSON error with the service's code, message and resolution."""

from __future__ import annotations

import pytest

from lojasync.nuvemshop.services.import_orders import import_orders
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.sales.views import show_order
from tests.factories import cpf, make_store, order_payload
from tests.web.conftest import csrf_of

ANA = "390.533.447-05"


@pytest.fixture()
def api(web, api_token):
    web.headers["Authorization"] = f"Bearer {api_token}"
    return web


def imported(app, *payloads: dict) -> list[int]:
    report = import_orders(app.uow(), make_store(app), [order_payload(**p) for p in payloads], ImportPolicy())
    return [r.order_number for r in report.results]


def link(client, number: int, **body):
    return client.post(f"/api/v1/orders/{number}/customer", json=body)


def test_an_order_without_cpf_gets_a_new_customer_then_keeps_it(app, api):
    (number,) = imported(app, {"id": 2300001001, "identification": None})
    before = api.get(f"/api/v1/orders/{number}").json()
    assert before["customer"] is None and before["customer_problem"] == "cliente sem CPF/CNPJ na loja"

    linked = link(api, number, tax_id=ANA, name="  Ana Pereira ")
    assert linked.status_code == 200, linked.text
    body = linked.json()
    assert (body["customer"]["name"], body["customer"]["tax_id"]) == ("Ana Pereira", "39053344705")
    assert body["previous"] is None and body["changed"] is True
    order = api.get(f"/api/v1/orders/{number}").json()
    assert order["customer"]["id"] == body["customer"]["id"] and order["customer_link"] == "manual"
    assert order["customer_problem"] is None
    entry = order["history"][-1]
    assert entry["actor"] == "operator" and entry["actor_name"] == "token de API integracao-testes"

    # The same customer again changes nothing (and needs no name: the customer exists now).
    again = link(api, number, tax_id="39053344705")
    assert again.status_code == 200 and again.json()["changed"] is False
    assert len(api.get(f"/api/v1/orders/{number}").json()["history"]) == len(order["history"])


def test_an_existing_customer_is_linked_by_document_alone(app, api):
    (with_cpf, without) = imported(app, {"id": 2300002001}, {"id": 2300002002, "identification": None})
    store_customer = show_order(app.uow(), with_cpf)["customer"]
    linked = link(api, without, tax_id=cpf("529982247"), name="Nome ignorado")
    assert linked.status_code == 200, linked.text
    assert linked.json()["customer"] == {"id": store_customer["id"], "name": store_customer["name"],
                                         "tax_id": store_customer["tax_id"]}


def test_refusals_say_what_to_do_and_change_nothing(app, api):
    (number, linked_order) = imported(app, {"id": 2300003001, "identification": None}, {"id": 2300003002})

    missing = link(api, 424242, tax_id=ANA, name="Ana")
    assert missing.status_code == 404 and missing.json()["codigo"] == "sales.order_not_found"
    assert "424242" in missing.json()["erro"]

    invalid = link(api, number, tax_id="123.456.789-00", name="Ana")
    assert invalid.status_code == 422
    assert invalid.json() == {"erro": "CPF inválido: 123.456.789-00.", "codigo": "sales.invalid_tax_id",
                              "resolucao": "Informe um CPF ou CNPJ válido."}

    nameless = link(api, number, tax_id=ANA, name="   ")
    assert nameless.status_code == 422 and nameless.json()["codigo"] == "sales.customer_name_required"
    assert "Nenhum cliente com CPF 390.533.447-05" in nameless.json()["erro"]
    assert "nome" in nameless.json()["resolucao"]

    too_long = link(api, number, tax_id=ANA, name="A" * 201)
    assert too_long.status_code == 422                        # the schema's limit (the column holds 200)
    assert link(api, number, name="Ana").status_code == 422   # no CPF/CNPJ at all

    # An order that has a customer keeps it unless the caller asks to replace it.
    current = show_order(app.uow(), linked_order)["customer"]
    taken = link(api, linked_order, tax_id=ANA, name="Ana Pereira")
    assert taken.status_code == 409 and taken.json()["codigo"] == "sales.customer_already_linked"
    assert current["name"] in taken.json()["erro"] and "confirme a troca" in taken.json()["resolucao"]
    assert '"replace": true' in taken.json()["na_api"]   # how the API confirms it

    assert show_order(app.uow(), number)["customer"] is None
    assert show_order(app.uow(), linked_order)["customer"] == current

    replaced = link(api, linked_order, tax_id=ANA, name="Ana Pereira", replace=True)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["previous"]["id"] == current["id"] and replaced.json()["customer"]["name"] == "Ana Pereira"


def test_a_name_with_a_nul_character_is_stored_without_it(app, api):
    (number,) = imported(app, {"id": 2300004001, "identification": None})
    linked = link(api, number, tax_id=ANA, name="Ana\u0000 Pereira")
    assert linked.status_code == 200, linked.text
    assert show_order(app.uow(), number)["customer"]["name"] == "Ana Pereira"


def test_without_a_token_the_call_is_refused(app, web):
    (number,) = imported(app, {"id": 2300005001, "identification": None})
    answer = link(web, number, tax_id=ANA, name="Ana")
    assert answer.status_code == 401 and answer.json()["codigo"] == "web.unauthorized"
    assert answer.headers["www-authenticate"] == "Bearer"
    assert show_order(app.uow(), number)["customer"] is None


def test_with_a_session_the_csrf_header_is_required(app, logged_in):
    (number,) = imported(app, {"id": 2300006001, "identification": None})
    refused = link(logged_in, number, tax_id=ANA, name="Ana")
    assert refused.status_code == 403 and refused.json()["codigo"] == "web.api_csrf"
    assert show_order(app.uow(), number)["customer"] is None

    token = csrf_of(logged_in.get("/pedidos").text)
    answer = logged_in.post(f"/api/v1/orders/{number}/customer", json={"tax_id": ANA, "name": "Ana"},
                            headers={"X-CSRF-Token": token})
    assert answer.status_code == 200, answer.text
    entry = logged_in.get(f"/api/v1/orders/{number}").json()["history"][-1]
    assert entry["actor_name"] == logged_in.user_email


def test_an_order_with_an_authorised_nfe_or_confirmed_sale_keeps_its_customer(app, api):
    from lojasync.sales.history import ProcessedBy

    (number,) = imported(app, {"id": 2300005001})
    current = show_order(app.uow(), number)["customer"]
    with app.uow() as uow:   # what an authorised NF-e leaves on the order
        uow.orders.get(number).mark_processed(ProcessedBy.NFE)
        uow.commit()
    refused = link(api, number, tax_id=ANA, name="Ana Pereira", replace=True)
    assert refused.status_code == 409 and refused.json()["codigo"] == "sales.customer_fixed_by_document"
    assert "NF-e autorizada" in refused.json()["erro"] and "cancele o documento" in refused.json()["resolucao"]
    assert show_order(app.uow(), number)["customer"] == current
    # Linking the customer it already has is still "nothing changed", not a refusal.
    same = link(api, number, tax_id=current["tax_id"])
    assert same.status_code == 200 and same.json()["changed"] is False
