"""`lojasync company carriers list|set|remove`: the carriers named in the NF-e, registered under the store's code
(any case), changed field by field, JSON for scripts, refusals listing every problem with nothing written, and
`orders show` saying how an order ships."""

from __future__ import annotations

import json

from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from tests.e2e.test_cli_company_taxes import registered, words
from tests.factories import make_store, order_payload

CORREIOS = ("--name", "Empresa Brasileira de Correios e Telégrafos", "--cnpj", "34.028.316/0001-03",
            "--address", "SBN Quadra 1, Bloco A", "--city", "brasilia", "--uf", "df")


def test_set_list_change_and_remove(app, lojasync):
    registered(app)
    assert "Nenhuma transportadora cadastrada" in words(lojasync("company", "carriers", "list"))
    assert json.loads(lojasync("company", "carriers", "list", "--format", "json")) == []

    added = words(lojasync("company", "carriers", "set", "Correios", *CORREIOS))
    assert added == ("Transportadora correios cadastrada: Empresa Brasileira de Correios e Telégrafos, CNPJ "
                     "34.028.316/0001-03, SBN Quadra 1, Bloco A, Brasília/DF.")
    changed = json.loads(lojasync("company", "carriers", "set", "CORREIOS", "--ie", "07.300.001.001-09",
                                  "--format", "json"))
    assert changed == {"code": "correios", "name": "Empresa Brasileira de Correios e Telégrafos",
                       "tax_id": "34028316000103", "tax_id_kind": "CNPJ", "ie": "0730000100109",
                       "address": "SBN Quadra 1, Bloco A", "city": "Brasília", "uf": "DF", "created": False}
    lojasync("company", "carriers", "set", "jadlog", "--name", "Transportador Autônomo", "--cpf", "529.982.247-25")
    listed = json.loads(lojasync("company", "carriers", "list", "--format", "json"))
    assert [(c["code"], c["tax_id_kind"]) for c in listed] == [("correios", "CNPJ"), ("jadlog", "CPF")]
    table = words(lojasync("company", "carriers", "list"))
    assert "correios" in table and "34.028.316/0001-03" in table and "529.982.247-25" in table

    removed = words(lojasync("company", "carriers", "remove", "JadLog"))
    assert removed == "Transportadora jadlog apagada (Transportador Autônomo)."
    assert [c["code"] for c in json.loads(lojasync("company", "carriers", "list", "--format", "json"))] == ["correios"]


def test_every_problem_is_listed_at_once_and_nothing_is_written(app, lojasync):
    registered(app)
    refused = words(lojasync("company", "carriers", "set", "correios", "--cnpj", "34.028.316/0001-00", "--cpf",
                             "111", "--ie", "123", "--uf", "DF", "--city", "Gotham", expect=1))
    assert refused.startswith("Erro: Transportadora não gravada: informe a razão social da transportadora")
    for problem in ("informe o CNPJ ou o CPF da transportadora, não os dois",
                    "CNPJ da transportadora inválido: 34.028.316/0001-00", "CPF da transportadora inválido: 111",
                    "Inscrição estadual 123 inválida para DF (transportadora)", "Gotham"):
        assert problem in refused, problem
    own = words(lojasync("company", "carriers", "set", "entrega", "--name", "Nós mesmos", "--cnpj",
                         "11.222.333/0002-62", expect=1))
    assert "é da própria empresa emitente" in own and "(847)" in own
    blank = words(lojasync("company", "carriers", "set", " ", "--name", "Sem código", expect=1))
    assert "informe o código da transportadora na loja" in blank
    assert json.loads(lojasync("company", "carriers", "list", "--format", "json")) == []
    missing = words(lojasync("company", "carriers", "remove", "correios", expect=1))
    assert "Nenhuma transportadora cadastrada com o código correios." in missing


def test_orders_show_says_how_the_order_ships(app, lojasync):
    store_id = make_store(app)
    policy = ImportPolicy()
    shipped = import_order(app.uow(), store_id, order_payload(
        id=2700000001, shipping="correios", shipping_option="Correios - PAC", shipping_pickup_type="ship"),
        policy).order_number
    pickup = import_order(app.uow(), store_id, order_payload(
        id=2700000002, shipping="pickup", shipping_option="Retirada na loja", shipping_pickup_type="pickup"),
        policy).order_number
    assert "Envio: Correios - PAC" in words(lojasync("orders", "show", str(shipped)))
    assert "Retirada na loja" in words(lojasync("orders", "show", str(pickup)))
    as_json = json.loads(lojasync("orders", "show", str(pickup), "--format", "json"))
    assert as_json["shipping"]["pickup"] is True and as_json["shipping"]["words"] == "Retirada na loja"
