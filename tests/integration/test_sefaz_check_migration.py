"""Migration 0029: the NF-e authorised in the last eight days are due for the worker's query at SEFAZ (did another
program cancel them?); older ones, past both cancellation deadlines' checks, and the others are not.

Runs on its own SQLite file (the migration's update is plain SQLAlchemy Core, the same on PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import command

from tests.integration.old_database import database_at


def test_recently_authorised_nfe_are_due_for_a_query_and_the_rest_are_not(tmp_path):
    engine, config, now = database_at(tmp_path, "0028")
    with engine.begin() as conn:
        for number, status, authorised_days_ago in ((1, "authorised", 2), (2, "authorised", 30), (3, "cancelled", 2),
                                                    (4, "pending", None), (5, "authorised", 1 / 24)):
            authorised_at = now - timedelta(days=authorised_days_ago) if authorised_days_ago else None
            conn.execute(sa.text(
                "INSERT INTO invoices (order_id, status, environment, series, number, lines_data, total, simulated, "
                "attempts, cancelled_elsewhere, authorised_at, created_at, updated_at) VALUES (10, :status, '2', 1, "
                ":number, '[]', 0, 1, 0, 0, :authorised_at, :now, :now)"),
                {"status": status, "number": number, "authorised_at": authorised_at, "now": now})

    command.upgrade(config, "head")

    with engine.connect() as conn:
        due = dict(conn.execute(sa.text("SELECT number, sefaz_check_due_at FROM invoices")).all())
        found = {row[0] for row in conn.execute(sa.text("SELECT found_cancelled FROM invoices"))}
    assert due[2] is due[3] is due[4] is None
    assert abs(_moment(due[1]) - now) < timedelta(minutes=1)   # past the deadline: the next round asks SEFAZ
    assert abs(_moment(due[5]) - (now + timedelta(hours=24))) < timedelta(minutes=1)   # once the deadline passes
    assert found == {False}
    command.downgrade(config, "0028")


def _moment(value) -> datetime:
    """SQLite hands the stored time back as text."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value
