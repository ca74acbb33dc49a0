"""a batch of NF-e run from the back office runs after the form's answer, its summary at an address of its own

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 19:00:00

The batch ran inside the form's request and its summary was rendered by that POST alone: 200 orders at a slow SEFAZ
outlasted a proxy's timeout (the summary lost), reloading sent the batch again (each order then refused as already
having its NF-e), and the browser's history could not bring it back.
"""
from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'invoice_batches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_by', sa.String(length=254), nullable=True),
        sa.Column('back', sa.String(length=2000), nullable=False),
        sa.Column('orders', sa.JSON(), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('finished_at', lojasync.db.types.UTCDateTime(), nullable=True),
        sa.Column('problem', sa.String(length=1000), nullable=True),
        sa.Column('created_at', lojasync.db.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', lojasync.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_batches')),
    )
    op.create_index('ix_invoice_batches_created', 'invoice_batches', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_invoice_batches_created', table_name='invoice_batches')
    op.drop_table('invoice_batches')
