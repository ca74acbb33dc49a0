"""Migration 0050: a cancellation pending before it may have been sent without its answer heard, so it counts as one
send begun when it was requested (not withdrawable until the worker's query by key finds SEFAZ never got it); NF-e
with none pending have none.

Runs on its own SQLite file (the migration's update is plain SQLAlchemy Core, the same on PostgreSQL)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import command

from tests.integration.old_database import database_at


def test_a_pending_cancellation_counts_as_one_send_and_the_others_have_none(tmp_path):
    engine, config, now = database_at(tmp_path, "0049")
    with engine.begin() as conn:
        for number, requested in ((1, now), (2, None)):
            conn.execute(sa.text(
                "INSERT INTO invoices (order_id, status, environment, series, number, lines_data, total, simulated, "
                "attempts, cancelled_elsewhere, found_cancelled, authorised_at, cancel_requested_at, created_at, "
                "updated_at) VALUES (10, 'authorised', '2', 1, :number, '[]', 0, 1, 0, 0, 0, :now, :requested, :now, "
                ":now)"), {"number": number, "requested": requested, "now": now})

    command.upgrade(config, "head")

    with engine.connect() as conn:
        rows = dict(conn.execute(sa.text("SELECT number, cancel_sends FROM invoices")).all())
    (sent,) = json.loads(rows[1])   # the moment it was requested, in UTC
    assert datetime.fromisoformat(sent) == now.replace(tzinfo=timezone.utc) and rows[2] is None
    command.downgrade(config, "0049")
