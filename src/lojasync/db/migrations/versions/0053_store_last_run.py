"""nuvemshop_stores: the last sync that ended, with its counts or why it stopped, and the sync a person asked for

Revision ID: 0053
Revises: 0052
Create Date: 2026-12-08 10:00:00

Sincronizar agora only queued the worker's sync: its counts (created, updated, before the data inicial...) went to
the worker's log, and a failure to the log too unless it flagged the store. The store row now keeps the last run's
outcome and when the page asked for one, so the page can say what the sync did, or that it waits or runs.
"""
from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0053'
down_revision = '0052'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('nuvemshop_stores') as batch_op:
        batch_op.add_column(sa.Column('last_run_at', lojasync.db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_run', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('sync_requested_at', lojasync.db.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('nuvemshop_stores') as batch_op:
        batch_op.drop_column('sync_requested_at')
        batch_op.drop_column('last_run')
        batch_op.drop_column('last_run_at')
