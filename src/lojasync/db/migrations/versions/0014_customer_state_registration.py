"""customers keep their inscrição estadual (IE), set by the operator: the store never sends one

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every customer until now was invoiced as a non-contributor (indIEDest 9): empty is that, so no backfill.
    with op.batch_alter_table('customers') as batch_op:
        batch_op.add_column(sa.Column('state_registration', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('customers') as batch_op:
        batch_op.drop_column('state_registration')
