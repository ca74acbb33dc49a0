"""api_tokens: one active token per name

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-05 10:30:00

Two `tokens add NAME` at once each found the name free on PostgreSQL, and `tokens revoke NAME` then revoked one of
them, the other still working. A partial unique index keeps one active token per name. Active tokens that already
share a name (made that way) keep working: all but the newest get their number after the name ("erp-3"), so that
each can be told apart and revoked by name.
"""
from alembic import op
import sqlalchemy as sa


revision = '0044'
down_revision = '0043'
branch_labels = None
depends_on = None

_ACTIVE = sa.text("revoked_at IS NULL")


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, name FROM api_tokens WHERE revoked_at IS NULL ORDER BY name, id DESC")).all()
    taken = {name for _, name in rows}   # a new name is none of these (an "erp-1" may be a token's own name)
    newest: set[str] = set()
    for token_id, name in rows:
        if name not in newest:
            newest.add(name)
            continue
        renamed, tries = f"{name[:69]}-{token_id}", 1
        while renamed in taken:
            tries += 1
            renamed = f"{name[:60]}-{token_id}-{tries}"
        taken.add(renamed)
        connection.execute(sa.text("UPDATE api_tokens SET name = :name WHERE id = :id"),
                           {"name": renamed, "id": token_id})
    op.create_index("uq_api_tokens_active_name", "api_tokens", ["name"], unique=True, sqlite_where=_ACTIVE,
                    postgresql_where=_ACTIVE)


def downgrade() -> None:
    op.drop_index("uq_api_tokens_active_name", table_name="api_tokens")
