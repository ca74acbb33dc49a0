"""when the worker last enqueued the settling of a pending NF-e cancellation

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 16:00:00

Each round of the worker enqueued the settling of every pending cancellation again, even while the last
round's task still waited in the queue or asked SEFAZ. The round now marks the ones it enqueues and leaves
them out for the sending window, as an NF-e awaiting SEFAZ is left out by the mark of its send.
"""
from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.add_column(sa.Column('cancel_asked_at', lojasync.db.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.drop_column('cancel_asked_at')
