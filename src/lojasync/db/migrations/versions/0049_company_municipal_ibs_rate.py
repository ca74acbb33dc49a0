"""the company keeps the municipal IBS rate its NF-e apply, which was fixed at 0

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-06 15:30:00

The IBS/CBS group carries the IBS of the UF and of the municipality; only the UF's could be set. Zero is 2026's
test rate, and the rates change with the year (2027's municipal IBS is not zero): a company that could not set it
would have every NF-e with the group rejected then. None keeps 0, as before.
"""
from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0049'
down_revision = '0048'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('company') as batch_op:
        batch_op.add_column(sa.Column('ibs_municipal_rate', lojasync.db.types.DecimalText(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('company') as batch_op:
        batch_op.drop_column('ibs_municipal_rate')
