"""Migration 0044: one active API token per name (review: two `tokens add erp` at once were both kept on PostgreSQL,
and `tokens revoke erp` left one of them working). Tokens already sharing a name keep working, told apart."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from tests.integration.old_database import database_at


def test_active_tokens_sharing_a_name_are_told_apart_and_a_new_duplicate_is_refused(tmp_path):
    engine, config, now = database_at(tmp_path, "0043")
    with engine.begin() as conn:
        for token_id, name, revoked in ((1, "erp", None), (2, "erp", None), (3, "erp", now), (4, "loja", None)):
            conn.execute(sa.text("INSERT INTO api_tokens (id, name, token_hash, prefix, created_at, revoked_at) "
                                 "VALUES (:id, :name, :hash, 'lsk_', :now, :revoked)"),
                         {"id": token_id, "name": name, "hash": f"h{token_id}", "now": now, "revoked": revoked})

    command.upgrade(config, "head")

    with engine.connect() as conn:
        names = dict(conn.execute(sa.text("SELECT id, name FROM api_tokens")).all())
    assert names == {1: "erp-1", 2: "erp", 3: "erp", 4: "loja"}   # the newest keeps the name; revoked ones stay
    with engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.execute(sa.text("INSERT INTO api_tokens (name, token_hash, prefix, created_at) "
                             "VALUES ('erp', 'h5', 'lsk_', :now)"), {"now": now})
    command.downgrade(config, "0043")


def test_a_renamed_token_never_takes_a_name_another_active_token_has(tmp_path):
    """review: "erp" twice beside an "erp-1" of its own renamed the older "erp" to "erp-1", and creating the index
    failed: the upgrade stopped, and with it every command."""
    engine, config, now = database_at(tmp_path, "0043")
    with engine.begin() as conn:
        for token_id, name in ((1, "erp"), (2, "erp"), (3, "erp-1"), (4, "erp-1-2")):
            conn.execute(sa.text("INSERT INTO api_tokens (id, name, token_hash, prefix, created_at) "
                                 "VALUES (:id, :name, :hash, 'lsk_', :now)"),
                         {"id": token_id, "name": name, "hash": f"h{token_id}", "now": now})

    command.upgrade(config, "head")

    with engine.connect() as conn:
        names = dict(conn.execute(sa.text("SELECT id, name FROM api_tokens")).all())
    assert names == {1: "erp-1-3", 2: "erp", 3: "erp-1", 4: "erp-1-2"}
