"""the company's tax settings a person can now change: DIFAL rates of the destination UFs, IBS/CBS CST and class

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 13:00:00

A regime-normal company selling to a consumer in another UF needs that UF's internal ICMS rate (DIFAL); there was
no place to keep it, so such a sale could never be invoiced. Empty means the defaults (TaxSettings).
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('company') as batch_op:
        batch_op.add_column(sa.Column('destination_icms_rates', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('ibs_cbs_cst', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('ibs_cbs_class', sa.String(length=6), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('company') as batch_op:
        batch_op.drop_column('ibs_cbs_class')
        batch_op.drop_column('ibs_cbs_cst')
        batch_op.drop_column('destination_icms_rates')
