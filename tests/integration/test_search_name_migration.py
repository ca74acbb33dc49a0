"""Migration 0042: the orders' stored search names folded again, one space between words and one apostrophe
(review: "Maria  da Silva" and "Joana D’Ávila", kept as typed, were not found by "maria da silva" or "d'avila")."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from lojasync.shared.search_text import SEPARATOR
from tests.integration.old_database import ORDER_ID, database_at


def test_stored_search_names_are_folded_again(tmp_path):
    engine, config, now = database_at(tmp_path, "0041")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO customers (id, tax_id, kind, name, created_at, updated_at) VALUES "
                             "(1, '52998224725', 'cpf', 'Joana D’Ávila', :now, :now)"), {"now": now})
        conn.execute(sa.text("UPDATE orders SET contact_name = 'Maria  da Silva', customer_id = 1, "
                             "search_name = :old WHERE id = :id"),
                     {"old": "maria  da silva" + SEPARATOR + "joana d’avila", "id": ORDER_ID})

    command.upgrade(config, "head")

    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT search_name FROM orders WHERE id = :id"), {"id": ORDER_ID}).scalar_one()
    assert stored == "maria da silva" + SEPARATOR + "joana d'avila"
    command.downgrade(config, "0041")
