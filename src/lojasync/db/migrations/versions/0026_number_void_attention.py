"""a request to void numbers left unanswered, or not resendable, says so to a person

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 18:00:00

The worker resent a request left awaiting SEFAZ every five minutes, forever and silently: after the company
moved to another environment it was never resent at all, and a SEFAZ that never answered was never reported.
Each request now counts the worker's resends and keeps why a person must look at it, and when it was last sent
apart from when a person asked for it (a resend overwrote the time the lists show as "Pedido em").
"""
from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('number_voids') as batch:
        batch.add_column(sa.Column('resends', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('attention', sa.String(length=500), nullable=True))
        batch.add_column(sa.Column('sent_at', lojasync.db.types.UTCDateTime(), nullable=True))
    op.execute("UPDATE number_voids SET sent_at = requested_at")


def downgrade() -> None:
    with op.batch_alter_table('number_voids') as batch:
        batch.drop_column('sent_at')
        batch.drop_column('attention')
        batch.drop_column('resends')
