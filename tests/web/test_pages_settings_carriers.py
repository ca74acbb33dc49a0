"""Configurações → Transportadoras over the real services (`company carriers`): registered, changed through the
list's "Alterar", refused with every problem at once (nothing written), removed."""

from __future__ import annotations

from lojasync.fiscal.services.carriers import CarrierData, list_carriers, set_carrier
from tests.web.test_pages_settings import post, registered, text_of

FORM = {"transportadora_codigo": "Correios", "transportadora_nome": "Empresa Brasileira de Correios e Telégrafos",
        "transportadora_documento": "34.028.316/0001-03", "transportadora_ie": "ISENTO",
        "transportadora_endereco": "SBN Quadra 1 Bloco A", "transportadora_cidade": "brasilia",
        "transportadora_uf": "DF"}


def test_a_carrier_is_registered_listed_and_changed_through_the_form(logged_in, app):
    registered(app)
    page = logged_in.get("/configuracoes")
    assert 'href="#transportadoras"' in page.text and "Nenhuma transportadora cadastrada." in text_of(page.text)
    answer = post(logged_in, "/configuracoes/transportadoras", FORM)
    assert answer.status_code == 303 and answer.headers["location"] == "/configuracoes#transportadoras"
    (carrier,) = list_carriers(app.read_uow())
    assert (carrier.code, carrier.tax_id, carrier.tax_id_kind, carrier.ie, carrier.city, carrier.uf) == (
        "correios", "34028316000103", "CNPJ", "ISENTO", "Brasília", "DF")
    words = text_of(logged_in.get("/configuracoes").text)
    assert "Transportadora correios cadastrada: Empresa Brasileira de Correios e Telégrafos." in words
    assert "correios Empresa Brasileira de Correios e Telégrafos 34.028.316/0001-03 ISENTO" in words

    # "Alterar" fills the form with what is kept; sending it with a CPF instead changes the same carrier.
    editing = logged_in.get("/configuracoes?transportadora=correios")
    assert "Alterar transportadora" in editing.text and 'value="34.028.316/0001-03"' in editing.text
    answer = post(logged_in, "/configuracoes/transportadoras",
                  {**FORM, "transportadora_codigo": "CORREIOS", "transportadora_documento": "529.982.247-25",
                   "transportadora_ie": "", "transportadora_endereco": ""})
    assert answer.status_code == 303
    (carrier,) = list_carriers(app.read_uow())
    assert (carrier.tax_id, carrier.tax_id_kind, carrier.ie, carrier.address) == ("52998224725", "CPF", None, None)
    assert "Transportadora correios alterada" in text_of(logged_in.get("/configuracoes").text)


def test_a_refused_carrier_lists_every_problem_keeps_what_was_typed_and_writes_nothing(logged_in, app):
    registered(app)
    typed = {**FORM, "transportadora_nome": "", "transportadora_documento": "34.028.316/0001-00",
             "transportadora_ie": "123", "transportadora_cidade": "Cidade Que Não Existe"}
    answer = post(logged_in, "/configuracoes/transportadoras", typed)
    assert answer.status_code == 422
    words = text_of(answer.text)
    assert "Transportadora não gravada" in words
    for problem in ("razão social da transportadora deve ter de 2 a 60 caracteres",
                    "CNPJ da transportadora inválido: 34.028.316/0001-00",
                    "Inscrição estadual 123 inválida para DF (transportadora)", "Cidade Que Não Existe"):
        assert problem in words, problem
    assert 'value="34.028.316/0001-00"' in answer.text   # what was typed, to correct
    assert list_carriers(app.read_uow()) == []


def test_a_carrier_is_removed_and_removing_an_unknown_one_says_so(logged_in, app):
    registered(app)
    set_carrier(app.uow(), "jadlog", CarrierData(name="Jadlog Logística S.A."))
    answer = post(logged_in, "/configuracoes/transportadoras/remover", {"codigo": "jadlog"})
    assert answer.status_code == 303 and list_carriers(app.read_uow()) == []
    assert "Transportadora jadlog apagada (Jadlog Logística S.A.)." in text_of(logged_in.get("/configuracoes").text)
    refused = post(logged_in, "/configuracoes/transportadoras/remover", {"codigo": "jadlog"})
    assert refused.status_code == 422
    assert "Nenhuma transportadora cadastrada com o código jadlog." in text_of(refused.text)
