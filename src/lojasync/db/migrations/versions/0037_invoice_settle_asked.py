"""when an NF-e went awaiting SEFAZ, and when the worker last enqueued its settling

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-04 20:00:00

Each round of the worker enqueued the settling of every NF-e awaiting SEFAZ not being sent, again every minute
while the last round's task still waited in the queue (a backlog grew without end, and an NF-e SEFAZ answered
108 for was asked every minute): the round now marks the ones it enqueues and leaves them out for the sending
window, as it does pending cancellations (0022). An NF-e SEFAZ never settles was asked about for ever without a
person hearing of it: `awaiting_since` (the send that made it await SEFAZ) flags its order after a day. NULL for
NF-e that went awaiting before: their dhEmi stands in.
"""
from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.add_column(sa.Column('settle_asked_at', lojasync.db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('awaiting_since', lojasync.db.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.drop_column('awaiting_since')
        batch_op.drop_column('settle_asked_at')
