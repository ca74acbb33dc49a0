"""Migration 0033: receivables cancelled while their document stands (an authorised NF-e, a confirmed venda simples)
were cancelled by a person (Cancelar conta), the only way besides the document's own cancellation: they are marked
so, and can be received; those cancelled with their document, and every other one, are not.

Runs on its own SQLite file; the migration's UPDATE is plain SQL, the same on PostgreSQL (where every test's database
is migrated to the head)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from tests.integration.old_database import database_at


def test_receivables_cancelled_while_their_document_stands_are_marked_written_off(tmp_path):
    engine, config, now = database_at(tmp_path, "0032")
    with engine.begin() as conn:
        for invoice_id, status in ((1, "authorised"), (2, "cancelled")):
            conn.execute(sa.text(
                "INSERT INTO invoices (id, order_id, status, environment, series, number, lines_data, total, "
                "simulated, attempts, cancelled_elsewhere, created_at, updated_at) VALUES (:id, 10, :status, '2', 1, "
                ":id, '[]', 0, 1, 0, 0, :now, :now)"), {"id": invoice_id, "status": status, "now": now})
        for receivable_id, source_id, installment, status in ((1, "1", 1, "cancelled"), (2, "1", 2, "open"),
                                                              (3, "2", 1, "cancelled"), (4, "1", 3, "received")):
            conn.execute(sa.text(
                "INSERT INTO receivables (id, order_id, source_type, source_id, installment, installments, amount, "
                "due_date, status, needs_attention, created_at, updated_at) VALUES (:id, 10, 'nfe', :source, "
                ":installment, 3, 1000, '2026-12-01', :status, 0, :now, :now)"),
                {"id": receivable_id, "source": source_id, "installment": installment, "status": status, "now": now})

    command.upgrade(config, "head")

    with engine.connect() as conn:
        marked = dict(conn.execute(sa.text("SELECT id, written_off_at FROM receivables")).all())
    assert marked[1] is not None                                 # cancelled, its NF-e authorised: by a person
    assert marked[2] is marked[3] is marked[4] is None           # open; cancelled with its NF-e; received
    command.downgrade(config, "0032")
