"""import settings: the status table, the unknown-SKU rule and the reconciliation interval set in the lojasync

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 17:00:00
"""
from alembic import op
import sqlalchemy as sa
import lojasync.db.types


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'import_settings',
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('updated_at', lojasync.db.types.UTCDateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=254), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_import_settings')),
    )


def downgrade() -> None:
    op.drop_table('import_settings')
