"""An SQLite database as an older lojasync left it, for the tests of a migration's data changes."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from lojasync.db.engine import build_engine
from lojasync.db.migrate import alembic_config

ORDER_ID = 10


def database_at(tmp_path: Path, revision: str) -> tuple[sa.Engine, Config, datetime]:
    """A new database migrated up to `revision`, holding order ORDER_ID; its config (to upgrade it further) and the
    moment its rows were written (naive UTC, as the columns store it)."""
    engine = build_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(engine)
    command.upgrade(config, revision)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO orders (id, status, subtotal, discount, freight, total, needs_attention, "
                             "created_at, updated_at) VALUES (:id, 'open', 0, 0, 0, 0, 0, :now, :now)"),
                     {"id": ORDER_ID, "now": now})
    return engine, config, now
