"""order search: trigram (GIN) indexes on the search columns on PostgreSQL, when pg_trgm can be created

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 19:00:00
"""
from alembic import op

from lojasync.db.trigram import INDEXED, index_statements, trigram_schema


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != 'postgresql':
        return      # SQLite has no trigram index: its search reads the covering index ix_orders_search
    schema = trigram_schema(connection)
    if schema is None:
        return      # migrated all the same: the search reads every order (trigram_schema logged why, once)
    for statement in index_statements(schema):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    # The extension stays: other schemas of the database may use it.
    for name in INDEXED.values():
        op.execute(f'DROP INDEX IF EXISTS {name}')
