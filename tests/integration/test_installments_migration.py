"""Migration 0048: an installment count above what the receivables split (48) is none, on orders and their
documents, as the import now keeps it (review: such an order looked changed on its next read, its pending document
refused as another sale, though the store changed nothing)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from tests.integration.old_database import ORDER_ID, database_at


def test_counts_past_the_plans_become_none_and_the_others_stay(tmp_path):
    engine, config, now = database_at(tmp_path, "0047")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE orders SET installments = 60 WHERE id = :id"), {"id": ORDER_ID})
        conn.execute(sa.text("INSERT INTO orders (id, status, subtotal, discount, freight, total, needs_attention, "
                             "installments, created_at, updated_at) VALUES (11, 'open', 0, 0, 0, 0, 0, 12, :now, :now)"),
                     {"now": now})
        conn.execute(sa.text("INSERT INTO orders (id, status, subtotal, discount, freight, total, needs_attention, "
                             "installments, created_at, updated_at) VALUES (12, 'open', 0, 0, 0, 0, 0, 0, :now, :now)"),
                     {"now": now})
        for sale, order, count in ((1, ORDER_ID, 60), (2, 11, 12), (3, 12, -3)):
            conn.execute(sa.text("INSERT INTO simple_sales (id, order_id, status, lines_data, total, installments, "
                                 "created_at, updated_at) VALUES (:id, :order, 'pending', '[]', 0, :count, :now, :now)"),
                         {"id": sale, "order": order, "count": count, "now": now})

    command.upgrade(config, "head")

    with engine.connect() as conn:
        orders = dict(conn.execute(sa.text("SELECT id, installments FROM orders ORDER BY id")).all())
        sales = dict(conn.execute(sa.text("SELECT id, installments FROM simple_sales ORDER BY id")).all())
    assert orders == {ORDER_ID: None, 11: 12, 12: None} and sales == {1: None, 2: 12, 3: None}
    command.downgrade(config, "0047")
