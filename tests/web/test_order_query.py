"""The order list's filter form: what each field asks the search service, and the links that keep it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.datastructures import QueryParams

from lojasync.entrypoints.web.pages.order_query import OrderQuery
from lojasync.sales.status import OrderStatus

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def query(text: str) -> OrderQuery:
    return OrderQuery.from_params(QueryParams(text))


def test_each_field_becomes_the_filter_the_service_takes():
    criteria = query("situacao=confirmado&origem=loja-virtual&de=2026-11-01&ate=30/11/2026&busca=%20Jo%C3%A3o%20"
                     "&sem_cliente=1&atencao=1").criteria()
    assert criteria.status is OrderStatus.CONFIRMED and criteria.origin == "nuvemshop"
    assert criteria.placed_from == datetime(2026, 11, 1, tzinfo=SAO_PAULO)
    assert criteria.placed_before == datetime(2026, 12, 1, tzinfo=SAO_PAULO)   # the last day included
    assert criteria.text == "João" and criteria.without_customer and criteria.needs_attention is True


def test_an_empty_form_asks_for_everything():
    criteria = query("").criteria()
    assert (criteria.status, criteria.origin, criteria.placed_from, criteria.text) == (None, None, None, None)
    assert criteria.without_customer is None and criteria.needs_attention is None   # not "only with a customer"


def test_a_value_that_makes_no_sense_is_left_out_and_named():
    wanted = query("situacao=pago&de=32/13/2026&busca=x")
    criteria = wanted.criteria()
    assert criteria.status is None and criteria.placed_from is None and criteria.text == "x"
    assert set(wanted.errors) == {"situacao", "de"}
    assert "Data inexistente em Feitos de: 32/13/2026" in wanted.errors["de"]
    assert "Não existe o mês 13" in wanted.errors["de"]


def test_an_end_before_the_start_is_named_and_both_days_left_out():
    wanted = query("de=2026-11-20&ate=2026-11-10")
    criteria = wanted.criteria()
    assert criteria.placed_from is None and criteria.placed_before is None
    assert wanted.errors == {"ate": "Período inválido: a data final é anterior à inicial. Informe a data inicial "
                                    "antes da final (ou deixe uma delas em branco)."}
    assert query("de=2026-11-10&ate=2026-11-10").errors == {}   # one day: the same day twice


def test_links_keep_the_filters_and_change_only_the_page():
    wanted = query("situacao=em-aberto&busca=Jo%C3%A3o&pagina=3")
    assert wanted.pagina == 3
    assert wanted.query_string(pagina=4) == "situacao=em-aberto&busca=Jo%C3%A3o&pagina=4"
    assert wanted.query_string(pagina=1) == "situacao=em-aberto&busca=Jo%C3%A3o"
    assert query("pagina=abc").pagina == 1 and query("pagina=0").pagina == 1
    assert not query("pagina=2").filtered and query("busca=1").filtered
