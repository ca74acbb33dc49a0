"""Input a person (or a forged link) can send that once gave a 500: ids past 32 bits, "²" (a digit for
`str.isdigit()` that `int()` refuses), days whose next day overflows, counts past 64 bits. Each is a page in
Portuguese (404/422 or the form with its error), never the "Erro inesperado" page."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from lojasync.entrypoints.web.app import create_app
from lojasync.entrypoints.web.install import STATE_COOKIE
from lojasync.shared.numbers import ascii_digits, id_or_none, page_or_first
from lojasync.stock.products import Product
from lojasync.stock.views import product_detail
from tests.web.conftest import RecordingQueue, csrf_of

HUGE = "99999999999999999999"   # 20 digits: past 64 bits
SUPERSCRIPT = "²"               # isdigit() is True, int() raises
ARABIC = "١"                    # isdigit() is True; int() reads it, but nobody types it on purpose


def assert_portuguese_refusal(answer, statuses=(404, 422)) -> None:
    assert answer.status_code in statuses, (answer.status_code, answer.text[:300])
    assert "Erro inesperado" not in answer.text and "Traceback" not in answer.text
    assert "Resolução" in answer.text or "Corrija" in answer.text or "Confira" in answer.text


def token(client) -> str:
    return csrf_of(client.get("/configuracoes").text)


def test_the_number_helpers_accept_only_ascii_digits_that_fit():
    assert ascii_digits("123") and not ascii_digits(SUPERSCRIPT) and not ascii_digits(ARABIC)
    assert not ascii_digits("") and not ascii_digits("12345678901") and ascii_digits("12345678901", 11)
    assert id_or_none(" 42 ") == 42 and id_or_none(HUGE) is None and id_or_none("0") is None
    assert id_or_none(str(2**31)) is None and id_or_none(str(2**31 - 1)) == 2**31 - 1
    assert [page_or_first(v) for v in ("3", SUPERSCRIPT, HUGE, "-1", "", None)] == [3, 1, 1, 1, 1, 1]


@pytest.mark.parametrize("path", ["/pedidos", "/nfe", "/vendas"])
@pytest.mark.parametrize("given", [HUGE, str(2**31), "0", SUPERSCRIPT])
def test_an_id_out_of_range_in_the_address_is_a_page_in_portuguese(logged_in, path, given):
    assert_portuguese_refusal(logged_in.get(f"{path}/{given}"))


@pytest.mark.parametrize("path", ["/financeiro/{}/receber", "/integracao/eventos/{}/reprocessar",
                                  "/pedidos/{}/reprocessar", "/pedidos/{}/gerar-nfe", "/nfe/{}/transmitir", "/vendas/{}/confirmar"])
def test_a_form_sent_to_an_id_out_of_range_is_refused_in_portuguese(logged_in, path):
    csrf = token(logged_in)
    for given in (HUGE, SUPERSCRIPT):
        answer = logged_in.post(path.format(given), data={"csrf_token": csrf}, follow_redirects=False)
        assert_portuguese_refusal(answer)


def test_order_list_filters_that_cannot_be_read_are_ignored_and_named(logged_in):
    for page in (SUPERSCRIPT, HUGE, "-4"):
        assert logged_in.get("/pedidos", params={"pagina": page}).status_code == 200
    for day in ("31/12/9999", "01/01/0001", "9999-12-31"):
        answer = logged_in.get("/pedidos", params={"ate": day})
        assert answer.status_code == 200
        assert "Data fora do intervalo" in answer.text and "31/12/2999" in answer.text
        assert logged_in.get("/pedidos", params={"de": day}).status_code == 200
    for listing in ("/nfe", "/vendas", "/estoque", "/financeiro"):
        assert logged_in.get(listing, params={"pagina": HUGE}).status_code == 200
        assert logged_in.get(listing, params={"pagina": SUPERSCRIPT}).status_code == 200


@pytest.mark.parametrize("given", [SUPERSCRIPT, HUGE, ARABIC])
def test_a_receivable_filter_by_an_order_that_is_not_a_number_is_explained(logged_in, given):
    answer = logged_in.get("/financeiro", params={"pedido": given})
    assert answer.status_code == 422 and "Erro inesperado" not in answer.text
    assert "Informe o número do pedido (40) ou o número na loja com # (#139)." in answer.text
    hashed = logged_in.get("/financeiro", params={"pedido": f"#{given}"})   # no store order has that number
    assert hashed.status_code == 422 and "Nenhum pedido tem esse número na loja" in hashed.text


def test_a_batch_of_orders_that_are_not_numbers_is_an_empty_selection(logged_in):
    answer = logged_in.post("/pedidos/nfe-em-lote", data={"csrf_token": token(logged_in),
                                                          "pedidos": [SUPERSCRIPT, HUGE]})
    assert answer.status_code == 303
    assert "Selecione ao menos um pedido" in logged_in.get(answer.headers["location"]).text


def test_a_count_past_a_billion_is_refused_next_to_the_form(logged_in, app):
    with app.uow() as uow:
        uow.products.add(Product("CAN-XL", "Caneca XL", Decimal("30.00")))
        uow.commit()
    csrf = csrf_of(logged_in.get("/estoque/CAN-XL").text)
    for typed in (HUGE, "1000000001", SUPERSCRIPT):
        answer = logged_in.post("/estoque/CAN-XL/contagem", data={"csrf_token": csrf, "quantidade": typed})
        assert answer.status_code == 422 and "Quantidade contada inválida para CAN-XL" in answer.text
        assert "de 0 a 1.000.000.000" in answer.text
    assert product_detail(app.uow(), "CAN-XL")["managed"] is False
    assert logged_in.post("/estoque/CAN-XL/contagem", data={"csrf_token": csrf, "quantidade": "1.000.000.000"}
                          ).status_code == 303
    assert product_detail(app.uow(), "CAN-XL")["quantity"] == 10**9
    # A dot is a thousands separator only in groups of three: 1.5 (or 1,5) is no count of units, and it was 15.
    for typed in ("1.5", "1,5", "1_000", "12.34"):
        answer = logged_in.post("/estoque/CAN-XL/contagem", data={"csrf_token": csrf, "quantidade": typed})
        assert answer.status_code == 422 and "Quantidade contada inválida para CAN-XL" in answer.text, typed
    assert product_detail(app.uow(), "CAN-XL")["quantity"] == 10**9
    assert logged_in.post("/estoque/CAN-XL/contagem", data={"csrf_token": csrf, "quantidade": "1.200"}
                          ).status_code == 303
    assert product_detail(app.uow(), "CAN-XL")["quantity"] == 1200


def test_settings_numbers_that_are_not_ascii_digits_are_refused_in_the_form(logged_in, app):
    series = logged_in.post("/configuracoes/numeracao", data={"csrf_token": token(logged_in),
                                                               "series": SUPERSCRIPT, "next_number": "1"})
    assert series.status_code == 422 and f"Série deve ser um número inteiro: {SUPERSCRIPT}." in series.text
    # 1.5 was read as 15: the next NF-e numbered 15, and 2 to 14 left to be inutilizados.
    number = logged_in.post("/configuracoes/numeracao", data={"csrf_token": token(logged_in), "series": "1",
                                                               "next_number": "1.5"})
    assert number.status_code == 422 and "Próximo número deve ser um número inteiro: 1.5." in number.text
    crt = logged_in.post("/configuracoes/empresa", data={"csrf_token": token(logged_in), "crt": SUPERSCRIPT})
    assert crt.status_code == 422 and "CRT deve ser 1 (Simples Nacional) ou 3 (regime normal)" in crt.text
    ncm = logged_in.post("/configuracoes/empresa", data={"csrf_token": token(logged_in),
                                                          "default_ncm": SUPERSCRIPT * 8})
    assert ncm.status_code == 422 and f"NCM padrão deve ter 8 dígitos: {SUPERSCRIPT * 8}" in ncm.text
    before = app.import_settings().reconcile_minutes
    for typed in (SUPERSCRIPT, HUGE):
        minutes = logged_in.post("/configuracoes/conferencia", data={"csrf_token": token(logged_in),
                                                                      "reconcile_minutes": typed})
        assert minutes.status_code == 422 and "Erro inesperado" not in minutes.text
    assert app.import_settings().reconcile_minutes == before


def test_an_install_state_cookie_with_a_strange_expiry_is_refused_not_a_500(app):
    settings = app.settings.model_copy(update={"nuvemshop_client_id": "123", "nuvemshop_client_secret": "s3cr3t"})
    browser = TestClient(create_app(dataclasses.replace(app, settings=settings), RecordingQueue()))
    for expiry in (SUPERSCRIPT, HUGE + HUGE):
        # Headers travel as Latin-1: the server reads b"\xb2" back as "²".
        cookie = f"{STATE_COOKIE}=abc.{expiry}.sig".encode("latin-1")
        answer = browser.get("/nuvemshop/callback", params={"code": "x", "state": "abc"}, headers={"cookie": cookie})
        assert answer.status_code == 400 and "A sessão de instalação é inválida." in answer.text


@pytest.mark.parametrize("params", [{"vencimento_ate": "31/12/9999"}, {"vencimento_de": "01/01/0001"},
                                    {"situacao": SUPERSCRIPT}])
def test_receivable_filters_at_the_ends_of_the_calendar_are_not_a_500(logged_in, params):
    answer = logged_in.get("/financeiro", params=params)
    assert answer.status_code in (200, 422) and "Erro inesperado" not in answer.text


def test_fiscal_codes_in_other_digits_are_refused_not_a_500(logged_in, app):
    """"²²²²²²²²" passed `isdigit()` as a GTIN and then broke `int()`: now a problem listed in the form."""
    with app.uow() as uow:
        uow.products.add(Product("CAN-GT", "Caneca GTIN", Decimal("30.00")))
        uow.commit()
    csrf = csrf_of(logged_in.get("/estoque/CAN-GT").text)
    answer = logged_in.post("/estoque/CAN-GT/dados-fiscais", data={
        "csrf_token": csrf, "ncm": SUPERSCRIPT * 8, "cest": ARABIC * 7, "gtin": SUPERSCRIPT * 8, "cfop": "5١٠٢"})
    assert answer.status_code == 422 and "Erro inesperado" not in answer.text
    for words in ("NCM deve ter 8 dígitos", "CEST deve ter 7 dígitos", "GTIN/EAN inválido", "CFOP de venda: 5101 a 5124"):
        assert words in answer.text
    assert product_detail(app.uow(), "CAN-GT")["fiscal"]["ncm"] != SUPERSCRIPT * 8


@pytest.mark.parametrize("path", ["/pedidos/abc", "/nfe/1x", "/vendas/-3", "/vendas/1.0", "/pedidos/1_0", "/nfe/+1"])
def test_an_address_whose_number_is_not_one_says_so_without_naming_code_parameters(logged_in, path):
    """dogfood: '/pedidos/abc' answered 'Dados inválidos em: number.' (the route's English parameter)."""
    answer = logged_in.get(path)
    assert_portuguese_refusal(answer)
    for name in ("number", "sale_id", "invoice_id"):
        assert f"em: {name}" not in answer.text
    assert "Endereço inválido" in answer.text and "número inteiro" in answer.text


def test_an_api_body_that_is_not_json_says_so(web, api_token):
    """dogfood: a malformed JSON body answered 'Dados inválidos em: 0.'"""
    answer = web.post("/api/v1/invoices/1/cancel", content=b"{x", headers={
        "Authorization": f"Bearer {api_token}", "Content-Type": "application/json"})
    assert answer.status_code == 422
    assert "JSON" in answer.json()["erro"] and "em: 0" not in answer.json()["erro"]


def _patterns(node):
    """Every `pattern` the OpenAPI schema puts on what a client sends (parameters and request bodies)."""
    if isinstance(node, dict):
        if "pattern" in node and isinstance(node["pattern"], str):
            yield node["pattern"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


@pytest.mark.parametrize(("call", "field"), [
    (lambda api: api.get("/api/v1/orders", params={"store": "loja-1"}), "store"),
    (lambda api: api.put("/api/v1/customers/390 533 447 05/ie", json={"state_registration": None}), "document"),
    (lambda api: api.post("/api/v1/stock/counts", json={"sku": "X", "quantity": 1, "count_id": "contagem 12/3"}),
     "count_id"),
    (lambda api: api.post("/api/v1/stock/adjustments", json={"sku": "X", "quantity": 1, "adjustment_id": "ajuste #1"}),
     "adjustment_id"),
])
def test_a_value_out_of_a_fields_format_says_what_the_format_is(web, api_token, call, field):
    """API journey: a count_id with a space, a store id with letters, a CPF with spaces answered only
    "Dados inválidos em: count_id (formato inválido)." and "Corrija os campos indicados": the integrator could not
    tell which characters to drop without reading the schema's regular expression."""
    web.headers["Authorization"] = f"Bearer {api_token}"
    answer = call(web)
    assert answer.status_code == 422, answer.text
    said = answer.json()["erro"]
    assert f"{field} (" in said and "formato inválido)" not in said, said


def test_every_format_a_client_sends_has_words(web, api_token):
    """Each pattern of a parameter or a request body is read in Portuguese (a new one without words fails here)."""
    from lojasync.entrypoints.web.validation_words import PATTERN_WORDS

    schema = web.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {api_token}"}).json()
    sent = set(_patterns([op.get("parameters", []) for path in schema["paths"].values() for op in path.values()]))
    bodies = {name: body for name, body in schema["components"]["schemas"].items()
              if not name.endswith("Out") and name != "ApiErrorBody"}
    sent |= set(_patterns(bodies))
    assert sent and sent <= set(PATTERN_WORDS), sent - set(PATTERN_WORDS)
