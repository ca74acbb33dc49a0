"""the company keeps the year its IBS/CBS rates were set or confirmed for; a void's rejection code of four digits

Revision ID: 0054
Revises: 0053
Create Date: 2026-12-07 16:00:00

The IBS/CBS rates change every year of the transition, and nothing told 2026's rates from 2027's: on 1 January every
NF-e would go on with last year's without a word. NULL (every company before this) reads as 2026, the year of
lojasync's defaults and the only year these rates could have been set in; setting a rate, or confirming them, records
the year.
"""
from alembic import op
import sqlalchemy as sa


revision = '0054'
down_revision = '0053'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('company') as batch_op:
        batch_op.add_column(sa.Column('ibs_cbs_rates_year', sa.Integer(), nullable=True))
    # SEFAZ's cStat has three or four digits since the Reforma (TStat [0-9]{3,4}): a void's rejection of four did not
    # fit (PostgreSQL refuses the write). As wide as the NF-e's.
    with op.batch_alter_table('number_voids') as batch_op:
        batch_op.alter_column('rejection_code', existing_type=sa.String(3), type_=sa.String(5))


def downgrade() -> None:
    with op.batch_alter_table('number_voids') as batch_op:
        batch_op.alter_column('rejection_code', existing_type=sa.String(5), type_=sa.String(3))
    with op.batch_alter_table('company') as batch_op:
        batch_op.drop_column('ibs_cbs_rates_year')
