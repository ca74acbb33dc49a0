"""a cancellation requested on an NF-e, until its outcome is recorded: who asked, when, and why

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 14:00:00

A process killed after SEFAZ registered a cancellation, but before lojasync recorded it, left the NF-e
"autorizada" until someone cancelled again. The request is now committed before the event is sent, and the
worker settles the requests left pending by asking SEFAZ by key, as it does an NF-e awaiting SEFAZ.
"""
from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.add_column(sa.Column('cancel_requested_at', lojasync.db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancel_requested_by', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('cancel_requested_by_name', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=255), nullable=True))
        batch_op.create_index('ix_invoices_cancel_requested', ['cancel_requested_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.drop_index('ix_invoices_cancel_requested')
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancel_requested_by_name')
        batch_op.drop_column('cancel_requested_by')
        batch_op.drop_column('cancel_requested_at')
