"""The order history: typed entries rendered in Portuguese when shown, for every kind of event."""

from __future__ import annotations

import pytest

from lojasync.sales.history import Actor, ChangeKind, HistoryType, Level, Person, actor_label, actor_name
from lojasync.sales.history_text import Names, level_of, render, render_change


@pytest.mark.parametrize(("entry_type", "params", "text"), [
    (HistoryType.INVOICE_GENERATED, {"number": 12, "series": 1}, "NF-e nº 12 série 1 gerada (ainda não transmitida)."),
    (HistoryType.INVOICE_AUTHORISED, {"number": 12, "series": 1, "protocol": "135260000000001",
                                      "access_key": "35200159594315000157550010000000012062777161"},
     "NF-e nº 12 série 1 autorizada pela SEFAZ (protocolo 135260000000001, chave "
     "35200159594315000157550010000000012062777161)."),
    (HistoryType.INVOICE_AUTHORISED, {"number": 12, "series": 1, "protocol": "135260000000001",
                                      "access_key": "35200159594315000157550010000000012062777161", "simulated": True},
     "NF-e nº 12 série 1 autorizada pelo simulador da SEFAZ, sem valor fiscal (protocolo 135260000000001, chave "
     "35200159594315000157550010000000012062777161)."),
    (HistoryType.INVOICE_REJECTED, {"number": 12, "series": 1, "code": "539",
                                    "reason": "Duplicidade de NF-e com diferença na Chave de Acesso"},
     "NF-e nº 12 série 1 rejeitada pela SEFAZ: 539 - Duplicidade de NF-e com diferença na Chave de Acesso."),
    (HistoryType.INVOICE_CANCELLED, {"number": 12, "series": 1, "protocol": "1", "justification": "Pedido cancelado"},
     "NF-e nº 12 série 1 cancelada (protocolo 1): Pedido cancelado."),
    (HistoryType.SALE_CONFIRMED, {"sale_number": 7}, "Venda simples 7 confirmada."),
    (HistoryType.STOCK_ISSUED, {"units": 3, "products": 2, "document": "NF-e 12"},
     "Baixa de estoque: 3 unidade(s) de 2 produto(s) (NF-e 12)."),
    (HistoryType.RECEIVABLES_CREATED, {"count": 2, "total": "160.00", "document": "NF-e 12"},
     "2 conta(s) a receber criada(s), total R$ 160,00 (NF-e 12)."),
    (HistoryType.RECEIVABLES_CANCELLED, {"count": 2, "document": "venda 7"}, "2 conta(s) a receber cancelada(s) (venda 7)."),
    # review: "0 conta(s) a receber cancelada(s)" when the only installment had been received
    (HistoryType.RECEIVABLES_CANCELLED, {"count": 0, "flagged": 1, "document": "venda 7"},
     "Nenhuma conta a receber cancelada (venda 7). 1 já recebida(s): ficaram como estavam, marcadas para conferir a "
     "devolução ao cliente."),
    (HistoryType.RECEIVABLE_RECEIVED, {"receivable_id": 3, "installment": 2, "installments": 3, "amount": "53.33"},
     "Conta a receber 2/3 de R$ 53,33 marcada como recebida."),
    (HistoryType.REFUND_CHECK_SETTLED, {"still_pending": 2},
     "Contas a receber já recebidas de documento cancelado todas conferidas: o pedido não pede mais para conferir a "
     "devolução; 2 outros motivos de atenção continuam pendentes."),
])
def test_processing_entries_are_ready_for_the_nfe_and_finance_modules(entry_type, params, text):
    assert render(entry_type, params, Names()) == text


def test_names_are_read_when_shown_so_an_erased_customer_stays_erased():
    params = {"changes": [{"kind": "customer_linked", "customer_id": 5}, {"kind": "field", "name": "discount"}]}
    before = render("updated", params, Names(customers={5: "Maria Souza"}))
    after = render("updated", params, Names(customers={5: "Cliente anonimizado (LGPD)"}))
    assert before == "Pedido atualizado pela loja: cliente vinculado: Maria Souza; desconto alterado."
    assert after == "Pedido atualizado pela loja: cliente vinculado: Cliente anonimizado (LGPD); desconto alterado."


def test_fiscal_retention_is_a_typed_field_not_a_sentence_to_search():
    assert render("lgpd_customer_redact", {"fiscal_retention": None}, Names()) == (
        "Dados pessoais anonimizados a pedido do cliente (LGPD).")
    assert "mantido por obrigação fiscal (venda confirmada)" in render(
        "lgpd_store_redact", {"fiscal_retention": "simple_sale"}, Names())
    assert "mantido por obrigação fiscal (NF-e emitida)" in render(
        "lgpd_customer_redact", {"fiscal_retention": "nfe"}, Names())


def test_levels_and_unknown_types():
    assert level_of("failed") is Level.ERROR and level_of("invoice_rejected") is Level.ERROR
    assert level_of("customer_missing") is Level.WARNING and level_of("created") is Level.INFO
    assert level_of("from_the_future") is Level.INFO
    assert render("from_the_future", {}, Names()) == "from_the_future"
    assert render("legacy", {"legacy_text": "Texto como foi gravado."}, Names()) == "Texto como foi gravado."


def test_every_type_has_words():
    for entry_type in HistoryType:
        text = render(entry_type, {"legacy_text": "x"} if entry_type is HistoryType.LEGACY else {}, Names())
        assert text and text != entry_type.value, entry_type


def test_a_person_is_an_operator_with_a_name():
    ana = Person.user("ana@loja.com.br")
    assert (ana.value, ana.label, actor_name(ana)) == ("operator", "operador ana@loja.com.br", "ana@loja.com.br")
    assert Person.api_token("erp").name == "token de API erp"
    assert Person.terminal("maria").name == "terminal (maria)" and Person.terminal(None).name == "terminal"
    assert actor_name(Actor.WEBHOOK) is None and actor_name(Actor.OPERATOR) is None


def test_a_name_is_kept_on_one_line_and_within_the_column():
    assert Person.user("ana\n\t silva").name == "ana silva"
    assert len(Person.api_token("x" * 400).name) == 254
    assert Person.user("   ").name == "?"


@pytest.mark.parametrize(("actor", "name", "label"), [
    ("operator", "ana@loja.com.br", "operador ana@loja.com.br"),
    ("operator", None, "operador"),          # entries written before names were kept
    ("webhook", None, "webhook"),
    ("sync", None, "sincronização"),
    ("something-new", None, "something-new"),  # a category from a newer version: shown as stored
])
def test_the_author_in_words(actor, name, label):
    assert actor_label(actor, name) == label


@pytest.mark.parametrize(("field", "said"), [
    ("payment_method", "forma de pagamento alterada"), ("installments", "parcelas alteradas"),
    ("note", "observação alterada"), ("discount", "desconto alterado"), ("shipping", "meio de envio alterado")])
def test_a_changed_field_is_said_in_agreement_with_its_word(field, said):
    """The history said "forma de pagamento alterado" and "observação alterado"."""
    assert render_change({"kind": ChangeKind.FIELD, "name": field}, Names()) == said
