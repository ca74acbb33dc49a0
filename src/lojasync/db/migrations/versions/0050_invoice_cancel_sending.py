"""an NF-e keeps whether a send of its pending cancellation may have reached SEFAZ

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-06 21:30:00

A person may withdraw a pending cancellation only while no send of it can have reached SEFAZ. A request pending
before this revision may have gone without its answer heard: it counts as sent (withdrawal refused until the worker,
asking SEFAZ by key, finds it never got there).
"""
from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0050'
down_revision = '0049'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.add_column(sa.Column('cancel_sending_at', lojasync.db.types.UTCDateTime(), nullable=True))
    op.execute("UPDATE invoices SET cancel_sending_at = cancel_requested_at WHERE cancel_requested_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.drop_column('cancel_sending_at')
