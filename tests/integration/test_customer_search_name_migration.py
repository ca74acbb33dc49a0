"""Migration 0046: each customer kept before gets its folded search name (review: PostgreSQL's translate() folded the
name otherwise than the search text, and a customer was not found by its own name)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from tests.integration.old_database import database_at


def test_customers_kept_before_get_their_search_name(tmp_path):
    engine, config, now = database_at(tmp_path, "0045")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO customers (id, tax_id, kind, name, created_at, updated_at) VALUES "
                             "(7, '52998224725', 'cpf', :name, :now, :now)"),
                     {"name": "Joa\u0303o\u00a0D’Ávila  Straße", "now": now})

    command.upgrade(config, "head")

    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT search_name FROM customers WHERE id = 7")).scalar_one()
    assert stored == "joao d'avila strasse"
    command.downgrade(config, "0045")
