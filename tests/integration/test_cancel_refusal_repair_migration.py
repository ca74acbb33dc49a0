"""Migration 0052: a database migrated by the first version of 0050 (without `invoices.cancel_refusal`) gets the
column; one that has it is left as it is. And a column missing is said as such, not as a write conflict.

Runs on its own SQLite file."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from lojasync.bootstrap import bootstrap
from lojasync.db.errors import SchemaMismatch
from lojasync.fiscal.services.views import list_invoices
from lojasync.settings import Settings
from tests.integration.old_database import database_at


def _columns(engine) -> set[str]:
    return {column["name"] for column in sa.inspect(engine).get_columns("invoices")}


def test_the_column_the_first_0050_left_out_is_added_and_a_missing_one_is_said_as_such(tmp_path):
    """upgrade review: stamped 0050 without the column, every NF-e read said "outro processo gravava os mesmos dados"
    (exit 75, "tente de novo"), the cause only in the log."""
    engine, config, _ = database_at(tmp_path, "0051")
    with engine.begin() as conn:   # the database as the first 0050 left it
        conn.execute(sa.text("ALTER TABLE invoices DROP COLUMN cancel_refusal"))
    engine.dispose()
    app = bootstrap(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'old.db'}"), migrate=False)
    try:
        with pytest.raises(SchemaMismatch) as refused:
            list_invoices(app.read_uow())
        assert "falta a coluna" in refused.value.message and "cancel_refusal" in refused.value.message
        assert "migrações" in refused.value.resolution and refused.value.terminal_commands == ("lojasync db upgrade",)
    finally:
        app.close()

    command.upgrade(config, "head")
    assert "cancel_refusal" in _columns(engine)
    command.downgrade(config, "0051")   # nothing undone by 0052 itself
    assert "cancel_refusal" in _columns(engine)


def test_a_database_that_has_the_column_is_left_as_it_is(tmp_path):
    engine, config, _ = database_at(tmp_path, "0051")
    command.upgrade(config, "head")
    assert "cancel_refusal" in _columns(engine)
