"""customers: when the store's data kept was current

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-05 08:00:00

An order read later but older than the one that last updated the customer (a retry, a late notification, a
reconciliation's overlap) put back the buyer's former address and phone. The store order's updated_at of the data
kept is recorded; older data changes nothing. NULL for the customers kept before: the next order updates them.
"""
from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0043'
down_revision = '0042'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('customers') as batch_op:
        batch_op.add_column(sa.Column('store_data_at', lojasync.db.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('customers') as batch_op:
        batch_op.drop_column('store_data_at')
