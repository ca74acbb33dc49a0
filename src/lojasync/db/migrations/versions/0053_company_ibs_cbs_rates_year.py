"""the company keeps the year its IBS/CBS rates were set or confirmed for

Revision ID: 0053
Revises: 0052
Create Date: 2026-12-07 16:00:00

The IBS/CBS rates change every year of the transition, and nothing told 2026's rates from 2027's: on 1 January every
NF-e would go on with last year's without a word. NULL (every company before this) reads as 2026, the year of
lojasync's defaults and the only year these rates could have been set in; setting a rate, or confirming them, records
the year.
"""
from alembic import op
import sqlalchemy as sa


revision = '0053'
down_revision = '0052'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('company') as batch_op:
        batch_op.add_column(sa.Column('ibs_cbs_rates_year', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('company') as batch_op:
        batch_op.drop_column('ibs_cbs_rates_year')
