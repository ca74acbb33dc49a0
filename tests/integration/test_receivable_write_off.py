"""An open receivable the customer will not pay while its document stands: the store cancelled the sale after
SEFAZ's 24 hours to cancel the NF-e (501), or a debt is given up. A person cancels it, saying why (review: nothing
could take it out of "em aberto", and it became "vencida" for good, counted as money to come)."""

from __future__ import annotations

import pytest

from lojasync.finance.errors import ReceivableAlreadyReceived, ReceivableCancelled, WriteOffReasonInvalid
from lojasync.finance.services import list_receivables, receive, write_off_receivable
from lojasync.fiscal.errors import CancellationRefused
from lojasync.fiscal.services.invoice_cancellation import cancel_invoice
from lojasync.fiscal.services.invoices import issue_invoice
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.sales.history import Person
from lojasync.sales.views import show_order
from tests.factories import order_payload, ts
from tests.integration.test_invoices import _stores, company, imported  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("company")
CARD = {"method": "credit_card", "credit_card_company": "visa", "installments": "3"}
ANA = Person("ana@loja.com.br")


def test_a_store_cancellation_after_the_deadline_is_settled_by_cancelling_the_open_receivables(app, sefaz, simulator):
    number = imported(app, id=2000009003, payment_details=CARD)
    invoice, _ = issue_invoice(app.uow(), app.cipher, sefaz, number)
    first, second, third = list_receivables(app.uow())
    receive(app.uow(), first["id"])   # the first installment was paid
    simulator.simulator.advance_clock(48 * 3600)
    import_order(app.uow(), _stores(app)[0], order_payload(id=2000009003, status="cancelled", updated_at=ts(600),
                                                           payment_details=CARD), ImportPolicy())
    with pytest.raises(CancellationRefused) as refused:
        cancel_invoice(app.uow(), app.cipher, sefaz, invoice.id, "Pedido cancelado pelo cliente na loja")
    assert "cancele no Financeiro (Cancelar conta" in refused.value.resolution   # the way out, said

    row, changed = write_off_receivable(app.uow(), second["id"], "  cancelado na loja  depois do prazo da NF-e ", ANA)
    assert changed and row["status"] == "cancelled"
    assert write_off_receivable(app.uow(), second["id"], "de novo, por engano", ANA)[1] is False   # nothing changes
    write_off_receivable(app.uow(), third["id"], "cancelado na loja depois do prazo da NF-e", ANA)
    with pytest.raises(ReceivableAlreadyReceived) as received:
        write_off_receivable(app.uow(), first["id"], "cancelado na loja depois do prazo da NF-e", ANA)
    assert received.value.message == f"A conta a receber {first['id']} já foi recebida: não pode ser cancelada."
    # Marked received by mistake is the usual case: the way out is named (review: only a refund was).
    assert "desfaça o recebimento (Desfazer recebimento, na lista do Financeiro) e então cancele" in \
        received.value.resolution
    assert received.value.terminal_commands == (f"lojasync receivables undo {first['id']} --reason MOTIVO",)
    assert [r["status"] for r in list_receivables(app.uow())] == ["received", "cancelled", "cancelled"]

    history = [e for e in show_order(app.uow(), number)["log"] if e["event"] == "receivable_written_off"]
    assert len(history) == 2   # once each, the repeated one not recorded
    assert history[0]["message"].endswith("cancelada por uma pessoa (o documento continua): cancelado na loja "
                                          "depois do prazo da NF-e")
    assert history[0]["actor_name"] == "ana@loja.com.br"


def test_a_reason_too_short_or_too_long_is_refused_and_nothing_changes(app, sefaz, simulator):
    number = imported(app, id=2000009004)
    issue_invoice(app.uow(), app.cipher, sefaz, number)
    (receivable,) = list_receivables(app.uow())
    for reason in ("", "   ", "ok", "x" * 256):
        with pytest.raises(WriteOffReasonInvalid) as refused:
            write_off_receivable(app.uow(), receivable["id"], reason, ANA)
        assert refused.value.message == ("Informe o motivo do cancelamento da conta a receber, de 5 a 255 "
                                         "caracteres.")
    assert [r["status"] for r in list_receivables(app.uow())] == ["open"]


def test_a_customer_who_pays_after_cancelar_conta_is_received_in_lojasync(app, sefaz, simulator):
    """review: a receivable a person cancelled could not be received: a customer who paid after all was recorded
    outside lojasync, and the Financeiro went on saying the money never came."""
    number = imported(app, id=2000009005, payment_details=CARD)
    issue_invoice(app.uow(), app.cipher, sefaz, number)
    first, second, _ = list_receivables(app.uow())
    write_off_receivable(app.uow(), second["id"], "cliente disse que não pagaria", ANA)
    assert {r["id"]: r["written_off"] for r in list_receivables(app.uow())}[second["id"]] is True

    row, changed = receive(app.uow(), second["id"], actor=ANA)
    assert changed and row["status"] == "received" and row["written_off"] is False
    assert receive(app.uow(), second["id"], actor=ANA)[1] is False   # once
    (entry,) = [e for e in show_order(app.uow(), number)["log"] if e["event"] == "receivable_received"]
    assert entry["message"].endswith("marcada como recebida (tinha sido cancelada por uma pessoa: o cliente pagou "
                                     "depois).")
    # One never cancelled says nothing of the kind.
    receive(app.uow(), first["id"], actor=ANA)
    said = [e["message"] for e in show_order(app.uow(), number)["log"] if e["event"] == "receivable_received"]
    assert said[1].endswith("marcada como recebida.")


def test_a_written_off_receivable_whose_document_is_cancelled_then_can_no_longer_be_received(app, sefaz, simulator):
    number = imported(app, id=2000009006, payment_details=CARD)
    invoice, _ = issue_invoice(app.uow(), app.cipher, sefaz, number)
    _, second, _ = list_receivables(app.uow())
    write_off_receivable(app.uow(), second["id"], "cliente disse que não pagaria", ANA)
    cancel_invoice(app.uow(), app.cipher, sefaz, invoice.id, "Pedido cancelado pelo cliente na loja")
    assert [(r["status"], r["written_off"]) for r in list_receivables(app.uow())] == [("cancelled", False)] * 3
    with pytest.raises(ReceivableCancelled) as refused:
        receive(app.uow(), second["id"], actor=ANA)
    assert "cancelada com o documento que a gerou" in refused.value.resolution
