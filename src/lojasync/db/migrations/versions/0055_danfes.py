"""the DANFE of an NF-e of many lines is kept, under a digest of what it is drawn from

Revision ID: 0055
Revises: 0054
Create Date: 2026-12-07 15:00:00

Drawn at every request, the DANFE of an NF-e of 300 lines took seconds of the server's time each time it was opened,
printed or downloaded. Nothing is filled: a DANFE is kept the first time it is drawn.
"""
from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0055'
down_revision = '0054'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'danfes',
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('source_key', sa.String(length=64), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', lojasync.db.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', lojasync.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_danfes_invoice_id_invoices')),
        sa.PrimaryKeyConstraint('invoice_id', name=op.f('pk_danfes')),
    )


def downgrade() -> None:
    op.drop_table('danfes')
