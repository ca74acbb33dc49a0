"""Configurações → the import rules' forms (status table, unknown SKU, reconciliation interval), over the real
services: CSRF, POST → redirect with a message, errors with Resolução next to the form, "Voltar ao padrão"."""

from __future__ import annotations

import re

from lojasync.nuvemshop.services.import_settings import show_import_settings
from lojasync.sales.status import OrderStatus
from lojasync.stock.products import UnknownSkuPolicy
from tests.web.test_pages_settings import post, text_of


def _selected(page: str, name: str) -> str:
    select = re.search(rf'<select id="campo-{name}" name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    chosen = re.findall(r'<option value="([^"]*)" selected>', select)
    assert len(chosen) == 1, chosen
    return chosen[0]


def _table_form(page: str) -> dict[str, str]:
    """What the browser sends for the status table as shown: every select with its selected option."""
    table = page.split('id="tabela-situacoes"')[1].split("</table>")[0]
    return {name: _selected(page, name) for name in re.findall(r'<select id="campo-[^"]+" name="([^"]+)"', table)}


def _current(app):
    return show_import_settings(app.read_uow(), app.import_defaults)


def test_the_status_table_is_changed_through_the_form(logged_in, app):
    form = _table_form(logged_in.get("/configuracoes").text)
    assert form["pagamento_paid"] == "confirmed" and form["pagamento_authorized"] == "" and form["padrao"] == "open"
    answer = post(logged_in, "/configuracoes/situacoes", {**form, "pagamento_authorized": "confirmed",
                                                          "pedido_cancelled": ""})
    assert answer.status_code == 303 and answer.headers["location"].endswith("/configuracoes#situacoes")
    view = _current(app)
    assert view.current.rules.by_payment_status == {"paid": OrderStatus.CONFIRMED, "authorized": OrderStatus.CONFIRMED}
    assert view.current.rules.by_order_status == {}
    assert view.sources["status_rules"].updated_by == logged_in.user_email
    page = logged_in.get("/configuracoes").text
    assert "Tabela de situações gravada" in text_of(page)
    assert _selected(page, "pagamento_authorized") == "confirmed" and _selected(page, "pedido_cancelled") == ""
    assert "Origem: configurado no lojasync" in text_of(page.split('id="situacoes"')[1].split("</section>")[0])


def test_a_wrong_status_is_refused_next_to_the_form_and_nothing_is_written(logged_in, app):
    form = _table_form(logged_in.get("/configuracoes").text)
    answer = post(logged_in, "/configuracoes/situacoes", {**form, "pagamento_paid": "enviado",
                                                          "pagamento_shipped": "confirmed",
                                                          "pagamento_authorized": "confirmed"})
    assert answer.status_code == 422
    box = text_of(answer.text.split('id="situacoes"')[1].split("</form>")[0])
    assert "Tabela de situações não gravada" in box and "'enviado' não é Em Aberto, Confirmado nem Cancelado" in box
    assert "pagamento 'shipped' não existe na loja" in box and "Resolução:" in box
    assert _selected(answer.text, "pagamento_authorized") == "confirmed"     # the form keeps what was chosen
    assert _current(app).sources["status_rules"].source == "default"


def test_the_unknown_sku_rule_is_a_choice_and_goes_back_to_the_default(logged_in, app):
    page = logged_in.get("/configuracoes").text
    assert 'name="unknown_sku" value="unlinked"' in page and "deixa o item sem produto vinculado" in page
    assert "Voltar ao padrão" not in page                        # nothing set in the lojasync yet
    answer = post(logged_in, "/configuracoes/sku-desconhecido", {"unknown_sku": "unlinked"})
    assert answer.status_code == 303 and answer.headers["location"].endswith("#sku-desconhecido")
    assert app.import_settings().unknown_sku is UnknownSkuPolicy.UNLINKED
    page = logged_in.get("/configuracoes").text
    assert re.search(r'value="unlinked" checked', page) and "Voltar ao padrão: SKU desconhecido" in page

    wrong = post(logged_in, "/configuracoes/sku-desconhecido", {"unknown_sku": "ignore"})
    assert wrong.status_code == 422 and "SKU desconhecido deve ser create ou unlinked" in text_of(wrong.text)
    back = post(logged_in, "/configuracoes/importacao/padrao", {"regra": "unknown_sku"})
    assert back.status_code == 303
    assert app.import_settings().unknown_sku is UnknownSkuPolicy.CREATE
    assert _current(app).sources["unknown_sku"].source == "default"


def test_the_interval_is_a_number_within_bounds(logged_in, app):
    answer = post(logged_in, "/configuracoes/conferencia", {"reconcile_minutes": "15"})
    assert answer.status_code == 303 and app.import_settings().reconcile_minutes == 15
    page = logged_in.get("/configuracoes").text
    assert "a cada 15 minuto(s)" in text_of(page) and "Intervalo da conferência periódica gravado" in text_of(page)
    for typed in ("0", "1441", "dez"):
        wrong = post(logged_in, "/configuracoes/conferencia", {"reconcile_minutes": typed})
        assert wrong.status_code == 422
        field = wrong.text.split('id="campo-reconcile_minutes"')[1].split("</div>")[0]
        assert f'value="{typed}"' in field and "entre 1 e 1440" in field and 'aria-invalid="true"' in field
    assert app.import_settings().reconcile_minutes == 15
    assert post(logged_in, "/configuracoes/importacao/padrao", {"regra": "reconcile_minutes"}).status_code == 303
    assert app.import_settings().reconcile_minutes == 10


def test_the_first_day_of_the_orders_is_a_date_and_empty_is_every_order(logged_in, app):
    page = text_of(logged_in.get("/configuracoes").text)
    assert "Hoje: todos, o histórico inteiro da loja" in page
    answer = post(logged_in, "/configuracoes/data-inicial", {"orders_from": "2026-11-25"})
    assert answer.status_code == 303 and answer.headers["location"].endswith("/configuracoes#data-inicial")
    assert app.import_settings().orders_from.isoformat() == "2026-11-25"
    page = logged_in.get("/configuracoes").text
    assert "só os criados na loja a partir de 25/11/2026" in text_of(page)
    assert "Data inicial dos pedidos gravada" in text_of(page)
    field = page.split('id="campo-orders_from"')[1].split(">")[0]
    assert 'value="2026-11-25"' in field and 'type="date"' in page.split('id="campo-orders_from"')[0][-200:] + field
    wrong = post(logged_in, "/configuracoes/data-inicial", {"orders_from": "2999-01-01"})
    assert wrong.status_code == 422
    field = wrong.text.split('id="campo-orders_from"')[1].split("</div>")[0]
    assert 'value="2999-01-01"' in field and "é depois de hoje" in field and 'aria-invalid="true"' in field
    assert app.import_settings().orders_from.isoformat() == "2026-11-25"
    assert post(logged_in, "/configuracoes/data-inicial", {"orders_from": ""}).status_code == 303
    assert app.import_settings().orders_from is None
    assert _current(app).sources["orders_from"].source == "lojasync"   # "todos", set here
    assert post(logged_in, "/configuracoes/importacao/padrao", {"regra": "orders_from"}).status_code == 303
    assert _current(app).sources["orders_from"].source == "default"


def test_the_forms_need_the_csrf_token_and_a_login(logged_in, web, app):
    refused = logged_in.post("/configuracoes/conferencia", data={"reconcile_minutes": "5"})
    assert refused.status_code == 403
    assert app.import_settings().reconcile_minutes == 10
    logged_in.cookies.clear()
    assert logged_in.post("/configuracoes/situacoes", data={}).status_code in (303, 403)
    assert _current(app).sources["status_rules"].source == "default"
