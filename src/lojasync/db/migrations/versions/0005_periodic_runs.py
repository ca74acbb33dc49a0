"""periodic runs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 11:36:29.980657
"""
from alembic import op
import sqlalchemy as sa
import lojasync.db.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('periodic_runs',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('last_run_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_periodic_runs'))
    )



def downgrade() -> None:

    op.drop_table('periodic_runs')

