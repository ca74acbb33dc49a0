"""a store update keeps since when the store has been answering it with an error

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-04 05:20:00

A new value (the stock changing at every sale) no longer resets the count and the wait of an update the store keeps
failing, and one failing for an hour is shown as late on the Integração page. NULL for every update before: those
pending now count from their next failure.
"""
from alembic import op
import sqlalchemy as sa

from lojasync.db.types import UTCDateTime


revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('nuvemshop_store_updates') as batch_op:
        batch_op.add_column(sa.Column('failing_since', UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('nuvemshop_store_updates') as batch_op:
        batch_op.drop_column('failing_since')
