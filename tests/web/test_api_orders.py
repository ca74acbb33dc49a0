"""`/api/v1/orders` over the real services and the test database: who may call it, the filtered and paginated
list, one order in full, the errors as JSON in Portuguese with the right status, reading an order again from
the store simulator."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.stores import add_store
from lojasync.nuvemshop.services.sync_store import sync_store
from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.server import SimulatorServer
from tests.factories import cpf, make_store, order_payload
from tests.web.conftest import csrf_of

POLICY = ImportPolicy()


def at(day: int) -> str:
    return datetime(2026, 11, day, 15, tzinfo=timezone.utc).isoformat()


@pytest.fixture()
def api(web, api_token):
    web.headers["Authorization"] = f"Bearer {api_token}"
    return web


@pytest.fixture()
def orders(app) -> dict[str, int]:
    first, second = make_store(app), make_store(app, "7654321")

    def add(store: int, **fields) -> int:
        return import_order(app.uow(), store, order_payload(**fields), POLICY).order_number

    person = order_payload()["customer"]
    return {
        "ana": add(first, id=1900000001, number=501, created_at=at(1), updated_at=at(1),
                   customer={**person, "id": 1, "name": "Ana Júlia Souza", "identification": cpf("529982247")}),
        "paid": add(first, id=1900000002, number=502, created_at=at(2), updated_at=at(2), payment_status="paid",
                    customer={**person, "id": 2, "name": "Roberto Lima", "identification": cpf("111444777")}),
        "nodoc": add(first, id=1900000003, number=503, created_at=at(3), updated_at=at(3),
                     customer={**person, "id": 3, "name": "Cláudia Reis", "identification": "123.456.789-00"}),
        "other": add(second, id=1900000004, number=501, created_at=at(9), updated_at=at(9),
                     customer={**person, "id": 4, "name": "Zé Müller", "identification": cpf("987654321")}),
    }


def numbers(api, **params) -> list[int]:
    response = api.get("/api/v1/orders", params=params)
    assert response.status_code == 200, response.text
    return [o["number"] for o in response.json()["items"]]


def test_without_a_token_or_a_session_the_api_answers_401(web, logged_in_api_paths):
    for path in logged_in_api_paths:
        response = web.get(path)
        assert response.status_code == 401, path
        assert response.json()["codigo"] == "web.unauthorized" and "Bearer" in response.json()["resolucao"]
    forged = web.get("/api/v1/orders", headers={"Authorization": "Bearer nao-e-um-token"})
    assert forged.status_code == 401


@pytest.fixture()
def logged_in_api_paths() -> list[str]:
    return ["/api/v1/orders", "/api/v1/orders/1", "/api/v1/invoices", "/api/v1/stock", "/api/v1/receivables",
            "/api/v1/events", "/api/v1/openapi.json", "/api/v1/docs", "/api/v1/docs/swagger-ui-bundle.js"]


def test_a_logged_in_session_may_call_the_api_and_read_its_docs(logged_in):
    assert logged_in.get("/api/v1/orders").json()["total"] == 0
    schema = logged_in.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "lojasync API" and "/api/v1/orders/{number}/nfe" in schema["paths"]
    assert not any(not path.startswith("/api/v1/") for path in schema["paths"])   # pages and webhooks stay out
    assert schema["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    docs = logged_in.get("/api/v1/docs")
    assert docs.status_code == 200 and "/api/v1/docs/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower() and "http://" not in docs.text and "https://" not in docs.text
    bundle = logged_in.get("/api/v1/docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000
    assert logged_in.get("/api/v1/docs/secret.key").status_code == 404


def test_the_docs_opened_with_a_session_send_its_csrf_token_and_with_a_token_none(logged_in, api_token):
    """Swagger's "Try it out" with the session: the calls that change something carry the session's CSRF token
    (the API refuses them without it); opened with a bearer token, the page holds no CSRF token at all."""
    session_token = csrf_of(logged_in.get("/pedidos").text)
    docs = logged_in.get("/api/v1/docs")
    assert f'const csrfToken = "{session_token}";' in docs.text and "requestInterceptor" in docs.text
    assert docs.headers["cache-control"] == "no-store" and docs.headers["x-frame-options"] == "DENY"
    # What the interceptor adds is what the API wants: past the CSRF check (404: no such receivable).
    answer = logged_in.post("/api/v1/receivables/424242/receive", headers={"X-CSRF-Token": session_token})
    assert answer.status_code == 404
    logged_in.cookies.clear()
    by_token = logged_in.get("/api/v1/docs", headers={"Authorization": f"Bearer {api_token}"})
    assert by_token.status_code == 200 and "const csrfToken = null;" in by_token.text


def test_the_list_filters_searches_and_pages(api, orders):
    everything = api.get("/api/v1/orders").json()
    assert everything["total"] == 4 and everything["pages"] == 1
    assert [o["number"] for o in everything["items"]] == sorted(orders.values(), reverse=True)
    first = everything["items"][-1]
    assert first["total"] == "160.00" and first["lines"][0]["unit_price"] == "50.00"   # money as text
    assert (first["status"], first["status_label"], first["origin_label"]) == ("em-aberto", "Em Aberto",
                                                                                 "Loja virtual")
    assert first["store_order_number"] == "501" and first["customer"]["tax_id"] == "52998224725"

    assert numbers(api, status="confirmado") == [orders["paid"]]
    assert numbers(api, q="ana julia") == [orders["ana"]] and numbers(api, q="ZE MULLER") == [orders["other"]]
    assert numbers(api, q="529.982.247-25") == [orders["ana"]]
    assert numbers(api, q="#501") == [orders["other"], orders["ana"]]
    assert numbers(api, q="501", store="7654321") == [orders["other"]]
    assert numbers(api, without_customer="true") == [orders["nodoc"]]
    # false: those with one, as needs_attention=false (review: it was the same as leaving it out)
    assert numbers(api, without_customer="false") == [orders["other"], orders["paid"], orders["ana"]]
    assert numbers(api, needs_attention="true") == []
    assert numbers(api, origin="nuvemshop") == numbers(api) == numbers(api, origin="loja-virtual")
    unknown = api.get("/api/v1/orders", params={"origin": "mercadolivre"})   # was an empty page
    assert unknown.status_code == 422 and "'nuvemshop'" in unknown.json()["erro"]
    assert numbers(api, placed_from="2026-11-02", placed_to="2026-11-03") == [orders["nodoc"], orders["paid"]]

    page = api.get("/api/v1/orders", params={"per_page": 3, "page": 2}).json()
    assert (page["total"], page["pages"], page["page"], page["per_page"]) == (4, 2, 2, 3)
    assert [o["number"] for o in page["items"]] == [orders["ana"]]


def test_orders_of_two_stores_with_the_same_number_say_their_store_in_the_lists(api, orders, logged_in):
    """multi-store review: two stores both had a #501, and the API's list, `orders list` and the page said "#501" for
    both (only the order itself named its store)."""
    items = {o["number"]: o for o in api.get("/api/v1/orders").json()["items"]}
    assert (items[orders["ana"]]["store_order_number"], items[orders["ana"]]["store_id"]) == ("501", "1234567")
    assert (items[orders["other"]]["store_order_number"], items[orders["other"]]["store_id"]) == ("501", "7654321")
    page = " ".join(logged_in.get("/pedidos").text.split())
    assert "Loja virtual #501 · loja 1234567" in page and "Loja virtual #501 · loja 7654321" in page


def test_one_order_in_full(api, orders):
    order = api.get(f"/api/v1/orders/{orders['ana']}").json()
    assert (order["subtotal"], order["discount"], order["freight"], order["total"]) == ("150.00", "10.00", "20.00",
                                                                                       "160.00")
    assert order["payment"] == {"method": "pix", "gateway": "PagSeguro", "installments": 1}
    assert [(line["sku"], line["quantity"], line["total"]) for line in order["lines"]] == [
        ("CAM-ALG-P", 2, "100.00"), ("CAN-CER", 1, "50.00")]
    assert order["customer"]["name"] == "Ana Júlia Souza" and order["shipping_address"]["city"] == "São Paulo"
    assert order["store"]["status"] == "open" and order["documents"] == {"invoices": [], "sales": []}
    # Its moments in UTC with "Z" as every other of the API's (they were "+00:00": integrator's review).
    assert order["store"]["updated_at"].endswith("Z") and order["store"]["synced_at"].endswith("Z")
    assert [(h["event"], h["actor"]) for h in order["history"]] == [("created", "sync")]
    assert "importado da loja" in order["history"][0]["message"]

    without = api.get(f"/api/v1/orders/{orders['nodoc']}").json()
    assert without["customer"] is None and without["customer_problem"].startswith("CPF inválido")
    assert any(h["event"] == "customer_missing" for h in without["history"])


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/api/v1/orders/424242", 404, "sales.order_not_found"),
    ("/api/v1/orders/99999999999", 422, "web.invalid_request"),
    ("/api/v1/orders/abc", 422, "web.invalid_request"),
    ("/api/v1/orders/0", 422, "web.invalid_request"),
    ("/api/v1/orders?status=pago", 422, "web.invalid_request"),
    ("/api/v1/orders?per_page=0", 422, "web.invalid_request"),
    ("/api/v1/orders?per_page=1000", 422, "web.invalid_request"),
    ("/api/v1/orders?placed_from=2026-13-01", 422, "web.invalid_request"),
    # Not a Unix time (review: 0 was 01/01/1970, an empty list instead of a refusal), nor a moment.
    ("/api/v1/orders?placed_to=0", 422, "web.invalid_request"),
    ("/api/v1/orders?placed_from=1796083200", 422, "web.invalid_request"),
    ("/api/v1/orders?placed_from=2026-11-01T00:00:00", 422, "web.invalid_request"),
    ("/api/v1/receivables?due_from=1800835200", 422, "web.invalid_request"),
    ("/api/v1/orders?placed_from=9999-12-31", 422, "web.period_invalid"),
    ("/api/v1/orders?placed_from=2026-11-05&placed_to=2026-11-01", 422, "web.period_invalid"),
    ("/api/v1/orders?store=abc", 422, "web.invalid_request"),
    ("/api/v1/orders?store=999", 404, "nuvemshop.store_not_found"),
    ("/api/v1/nada", 404, "web.not_found"),
])
def test_errors_are_json_in_portuguese_with_a_status_of_their_kind(api, path, status, code):
    response = api.get(path)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["codigo"] == code and body["erro"] and set(body) == {"erro", "codigo", "resolucao"}


def test_a_day_not_in_the_calendar_and_a_day_out_of_range_are_said_as_such(api):
    """review: 2026-02-30 was told to be written AAAA-MM-DD (it was), and year 1 was written "01/01/1"."""
    missing = api.get("/api/v1/orders?placed_to=2026-02-30").json()
    assert "placed_to (dia que não existe no calendário (AAAA-MM-DD))" in missing["erro"]
    far = api.get("/api/v1/orders?placed_from=0001-01-01").json()
    assert "01/01/0001 fora do intervalo aceito" in far["erro"]


def test_a_document_the_state_does_not_allow_is_a_409(api, orders):
    response = api.post(f"/api/v1/orders/{orders['ana']}/nfe")   # no company (emitente) set up yet
    assert response.status_code == 409
    assert response.json()["codigo"] == "fiscal.document_not_possible"
    assert "empresa emitente não cadastrada" in response.json()["erro"]
    # Each thing missing as a list too, for a program to show or act on one by one.
    assert any("empresa emitente não cadastrada" in p for p in response.json()["problemas"])
    assert api.post("/api/v1/orders/424242/simple-sale").status_code == 404


@pytest.fixture(scope="module")
def store_server():
    with SimulatorServer(config=SimulatorConfig(orders=3, seed=5, leak_per_second=50.0)) as server:
        yield server


def test_resync_reads_the_order_from_the_store_again(app, api, store_server):
    add_store(app.uow(), app.cipher, store_server.store_id, store_server.access_token, store_server.api_url)
    sync_store(app.uow(), app.client_for, app.policy(), external_store_id=store_server.store_id)
    number = api.get("/api/v1/orders").json()["items"][0]["number"]

    response = api.post(f"/api/v1/orders/{number}/resync")
    assert response.status_code == 200, response.text
    assert response.json() == {"order_number": number, "outcome": "unchanged", "message": None}
    history = api.get(f"/api/v1/orders/{number}").json()["history"]
    assert history[0]["event"] == "created"
    assert api.post("/api/v1/orders/424242/resync").status_code == 404


def test_resync_with_the_store_unreachable_is_a_503_not_a_500(app, api, orders, monkeypatch):
    monkeypatch.setattr(app.settings, "http_max_retries", 0)   # refused at once: no need to wait for retries
    response = api.post(f"/api/v1/orders/{orders['ana']}/resync")   # the store's API is 127.0.0.1:9
    assert response.status_code == 503, response.text
    assert response.json()["resolucao"]


def test_resync_of_an_order_the_import_refuses_is_an_error_not_a_200(app, logged_in, api, web, orders, monkeypatch):
    """review: answered 200 with `outcome: failed`, which a program took for done."""
    from tests.unit.fakes import FakeStoreClient

    broken = order_payload(id=1900000001, number=501, updated_at=at(20))
    broken["products"][0]["quantity"] = "1.5"
    monkeypatch.setattr(type(app), "client_for", lambda self, store: FakeStoreClient({"1900000001": broken}))

    response = api.post(f"/api/v1/orders/{orders['ana']}/resync")
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["codigo"] == "nuvemshop.resync_not_imported" and "quantidade" in body["erro"] and body["resolucao"]
    assert "failed" not in str(api.get("/api/v1/openapi.json").json()["components"]["schemas"]["ResyncOut"])

    del web.headers["Authorization"]   # the page's button says it too, as an error with the resolution
    token = csrf_of(web.get(f"/pedidos/{orders['ana']}").text)
    page = web.post(f"/pedidos/{orders['ana']}/reprocessar", data={"csrf_token": token})
    assert page.status_code == 409 and "Não foi possível reprocessar" in page.text and "quantidade" in page.text


def test_a_read_by_token_does_not_wait_for_a_writer(app, api):
    """review: the token's lookup opened a writing transaction for every call: on SQLite an integrator's GET waited
    for each import and NF-e being written (up to the busy timeout, then a write conflict). Looked up with the
    reader, its use noted apart, now and then."""
    import threading

    from lojasync.accounts.services.api_tokens import list_tokens

    assert api.get("/api/v1/orders").status_code == 200   # its first use, noted
    assert [t.last_used_at is not None for t in list_tokens(app.accounts_read_uow())] == [True]
    if not app.uow().writers_one_at_a_time:
        return   # PostgreSQL: writers never blocked readers
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with app.uow() as uow:
            uow.session.connection()   # BEGIN IMMEDIATE: the database's write lock, held
            holding.set()
            release.wait(60)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        answered = api.get("/api/v1/orders")
        still_writing = not release.is_set() and thread.is_alive()
    finally:
        release.set()
        thread.join(10)
    assert answered.status_code == 200 and still_writing   # answered while the writer held the database


def test_resolve_marks_what_an_integrator_saw_and_keeps_what_came_after(app, api, orders):
    """The order page's "Marcar como resolvido" and `orders resolve`, for a program (review: the API showed
    `attention_reasons` and had no call to clear them, not even the one a failed LGPD erasure asks for)."""
    number = orders["paid"]
    with app.uow() as uow:
        uow.orders.get(number).ask_for_a_person("Motivo A: confira o endereço.")
        uow.commit()
    seen = api.get(f"/api/v1/orders/{number}").json()["attention_reasons"]
    assert seen == ["Motivo A: confira o endereço."]
    with app.uow() as uow:   # meanwhile
        uow.orders.get(number).ask_for_a_person("Motivo B: NF-e aguardando a SEFAZ.")
        uow.commit()
    answer = api.post(f"/api/v1/orders/{number}/resolve", json={"reasons": seen})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"order_number": number, "changed": True,
                             "attention_reasons": ["Motivo B: NF-e aguardando a SEFAZ."]}
    again = api.post(f"/api/v1/orders/{number}/resolve", json={"reasons": seen}).json()   # the same, sent again
    assert again == {"order_number": number, "changed": False, "attention_reasons": ["Motivo B: NF-e aguardando a SEFAZ."]}
    everything = api.post(f"/api/v1/orders/{number}/resolve").json()   # no body: every reason there is now
    assert everything == {"order_number": number, "changed": True, "attention_reasons": []}
    order = api.get(f"/api/v1/orders/{number}").json()
    assert order["needs_attention"] is False and order["attention_reasons"] == []
    assert [e["event"] for e in order["history"]].count("attention_cleared") == 2
    assert api.post(f"/api/v1/orders/{number}/resolve").json()["changed"] is False
    assert api.post("/api/v1/orders/424242/resolve").status_code == 404
    typo = api.post(f"/api/v1/orders/{number}/resolve", json={"reason": "x"})
    assert typo.status_code == 422


def test_resolve_without_a_token_or_a_session_is_401(web):
    assert web.post("/api/v1/orders/1/resolve").status_code == 401


def test_resolve_from_a_session_needs_its_csrf_token(logged_in):
    answer = logged_in.post("/api/v1/orders/1/resolve")
    assert answer.status_code == 403 and answer.json()["codigo"] == "web.api_csrf"


def test_the_order_list_says_its_total_in_the_header_every_other_list_uses(api, orders):
    """API journey: every list of /api/v1 says how many there are in X-Total-Count (a generic pager reads it)
    except GET /orders, which said it only in the body's `total`: a pager written for /invoices saw no total
    here and asked page after page. The header, with the body's total, on every page, declared in the schema."""
    for params in ({}, {"per_page": 3, "page": 2}, {"status": "confirmado"}, {"page": 9}):
        answer = api.get("/api/v1/orders", params=params)
        assert answer.headers["x-total-count"] == str(answer.json()["total"]), params
    assert api.get("/api/v1/orders", params={"per_page": 1}).headers["x-total-count"] == "4"
    documented = api.get("/api/v1/openapi.json").json()["paths"]["/api/v1/orders"]["get"]
    assert "X-Total-Count" in documented["responses"]["200"]["headers"]
