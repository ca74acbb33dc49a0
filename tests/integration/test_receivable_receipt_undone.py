"""A receivable marked received by mistake (review: "Marcar como recebida" is one click on a row, and nothing could
take it back: the wrong money stayed "recebida", that installment was never chased, and a cancellation of its
document then asked to refund money never paid). "Desfazer recebimento" puts it back, saying why."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from lojasync.finance.errors import ReceiptUndoReasonInvalid, WriteOffReasonInvalid
from lojasync.finance.services import list_receivables, receive, undo_receipt
from lojasync.fiscal.services.invoice_cancellation import cancel_invoice
from lojasync.fiscal.services.invoices import issue_invoice
from lojasync.sales.history import Person
from lojasync.sales.views import show_order
from tests.integration.old_database import database_at
from tests.integration.test_invoices import imported
from tests.integration.test_receivable_write_off import CARD, company  # noqa: F401 - the fixture, used by name

ANA = Person("ana@loja.com.br")


@pytest.mark.usefixtures("company")
def test_a_receipt_undone_leaves_the_receivable_open_and_the_history_says_who_and_why(app, sefaz, simulator):
    number = imported(app, id=2000009101, payment_details=CARD)
    issue_invoice(app.uow(), app.cipher, sefaz, number)
    first, second, _ = list_receivables(app.uow())
    receive(app.uow(), second["id"], actor=ANA)   # the wrong row
    row, changed = undo_receipt(app.uow(), second["id"], "  cliquei na linha  errada ", ANA)
    assert changed and (row["status"], row["received_at"]) == ("open", None)
    assert undo_receipt(app.uow(), second["id"], "de novo, por engano", ANA)[1] is False   # not received: nothing
    assert undo_receipt(app.uow(), first["id"], "nunca foi recebida", ANA)[1] is False
    (entry,) = [e for e in show_order(app.uow(), number)["log"] if e["event"] == "receivable_receipt_undone"]
    assert entry["actor_name"] == "ana@loja.com.br"
    assert "desfeito por uma pessoa: cliquei na linha errada (a conta volta a ficar em aberto)." in entry["message"]
    row, changed = receive(app.uow(), second["id"], actor=ANA)   # paid after all: received again
    assert changed and row["status"] == "received"
    # Review: thirty zero-width spaces were a reason (spaces were not); and the refusal asked for a cancellation's.
    for reason in ("", "ok", "x" * 256, "\u200b" * 30, "o\u200bk\u2060\x01"):
        with pytest.raises(ReceiptUndoReasonInvalid) as refused:
            undo_receipt(app.uow(), second["id"], reason, ANA)
        assert refused.value.message.startswith("Informe por que o recebimento é desfeito, de 5 a 255 caracteres")
        assert "cancel" not in refused.value.message + refused.value.resolution
    assert list_receivables(app.uow())[1]["status"] == "received"
    assert issubclass(ReceiptUndoReasonInvalid, WriteOffReasonInvalid)   # caught where that one is


@pytest.mark.usefixtures("company")
def test_a_receipt_undone_after_its_document_was_cancelled_leaves_it_cancelled_with_no_refund_to_check(app, sefaz,
                                                                                                   simulator):
    """Received, then the NF-e cancelled: it was kept received and flagged to check a refund. The money never came:
    undone, it is cancelled (as its siblings were), the flag goes, and the order's refund question with it."""
    number = imported(app, id=2000009102, payment_details=CARD)
    invoice, _ = issue_invoice(app.uow(), app.cipher, sefaz, number)
    first, _, _ = list_receivables(app.uow())
    receive(app.uow(), first["id"], actor=ANA)
    cancel_invoice(app.uow(), app.cipher, sefaz, invoice.id, "Pedido cancelado pelo cliente na loja")
    assert show_order(app.uow(), number)["needs_attention"] is True   # "confira se é preciso devolver"
    row, changed = undo_receipt(app.uow(), first["id"], "o pagamento nunca entrou", ANA)
    assert changed and (row["status"], row["needs_attention"], row["written_off"]) == ("cancelled", False, False)
    order = show_order(app.uow(), number)
    assert order["needs_attention"] is False
    (entry,) = [e for e in order["log"] if e["event"] == "receivable_receipt_undone"]
    assert "o documento foi cancelado: a conta fica cancelada e não há o que devolver" in entry["message"]


@pytest.mark.usefixtures("company")
def test_a_receipt_undone_of_a_receivable_a_person_had_cancelled_leaves_it_cancelled_again(app, sefaz, simulator):
    """review: cancelled by a person (the customer would not pay), then received (he paid after all), then the receipt
    undone (it was the wrong row): the debt given up came back open, and overdue."""
    from lojasync.finance.services import write_off_receivable

    number = imported(app, id=2000009103, payment_details=CARD)
    issue_invoice(app.uow(), app.cipher, sefaz, number)
    _, second, _ = list_receivables(app.uow())
    write_off_receivable(app.uow(), second["id"], "cliente disse que não pagaria", ANA)
    receive(app.uow(), second["id"], actor=ANA)
    row, changed = undo_receipt(app.uow(), second["id"], "recebida na linha errada", ANA)
    assert changed and (row["status"], row["written_off"]) == ("cancelled", True)
    (entry,) = [e for e in show_order(app.uow(), number)["log"] if e["event"] == "receivable_receipt_undone"]
    assert "a conta volta a ficar cancelada, como uma pessoa a tinha deixado" in entry["message"]
    assert receive(app.uow(), second["id"], actor=ANA)[0]["status"] == "received"   # paid after all: still possible


def test_the_receivables_of_documents_cancelled_before_are_marked_so(tmp_path):
    """Migration 0038: undone, a receipt of a document cancelled before the column existed leaves it cancelled."""
    engine, config, now = database_at(tmp_path, "0037")
    with engine.begin() as conn:
        for invoice_id, status in ((1, "authorised"), (2, "cancelled")):
            conn.execute(sa.text(
                "INSERT INTO invoices (id, order_id, status, environment, series, number, lines_data, total, "
                "simulated, attempts, cancelled_elsewhere, found_cancelled, created_at, updated_at) VALUES (:id, 10, "
                ":status, '2', 1, :id, '[]', 0, 1, 0, 0, 0, :now, :now)"), {"id": invoice_id, "status": status,
                                                                             "now": now})
        for receivable_id, source_id, status in ((1, "1", "received"), (2, "2", "received"), (3, "2", "cancelled")):
            conn.execute(sa.text(
                "INSERT INTO receivables (id, order_id, source_type, source_id, installment, installments, amount, "
                "due_date, status, needs_attention, created_at, updated_at) VALUES (:id, 10, 'nfe', :source, :id, 3, "
                "1000, '2026-12-01', :status, 0, :now, :now)"),
                {"id": receivable_id, "source": source_id, "status": status, "now": now})
    command.upgrade(config, "head")
    with engine.connect() as conn:
        marked = dict(conn.execute(sa.text("SELECT id, document_cancelled_at FROM receivables")).all())
    assert marked[1] is None and marked[2] is not None and marked[3] is not None
    command.downgrade(config, "0037")


@pytest.mark.usefixtures("company")
def test_a_receipt_asked_again_with_another_day_is_refused_and_the_first_day_stands(app, sefaz, simulator):
    """Review: the same receipt with a corrected day answered "já estava recebida" (changed False) and kept the first
    day; whoever corrected it believed it done. The same day, or none, is still the quiet retry."""
    from datetime import date, datetime, timezone

    from lojasync.shared.errors import LojasyncError

    number = imported(app, id=2000009131, payment_details=CARD)
    issue_invoice(app.uow(), app.cipher, sefaz, number)
    first, *_ = list_receivables(app.uow())
    noon = datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)   # noon in São Paulo
    row, changed = receive(app.uow(), first["id"], when=noon, actor=ANA, received_on=date(2026, 12, 2))
    assert changed
    for same in (date(2026, 12, 2), None):
        again, changed = receive(app.uow(), first["id"], when=noon, actor=ANA, received_on=same)
        assert changed is False and again["received_at"] == row["received_at"]
    with pytest.raises(LojasyncError) as refused:
        receive(app.uow(), first["id"], when=noon, actor=ANA, received_on=date(2026, 12, 3))
    assert refused.value.code == "finance.receipt_date_conflict"
    assert refused.value.message == (f"A conta a receber {first['id']} já foi recebida em 02/12/2026: a data 03/12/2026 não foi "
                                     "registrada.")
    assert "desfaça o recebimento" in refused.value.resolution
    assert list_receivables(app.uow())[0]["received_at"] == row["received_at"]
    # Undone, it takes the corrected day.
    undo_receipt(app.uow(), first["id"], "dia errado no recebimento", ANA)
    fixed, changed = receive(app.uow(), first["id"], when=noon, actor=ANA, received_on=date(2026, 12, 3))
    assert changed and fixed["received_at"].date() == date(2026, 12, 3)
