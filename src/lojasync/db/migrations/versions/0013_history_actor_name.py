"""order history says who: the name of the person behind an operator's entry

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 18:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Entries written before this revision have no name: they show as "operador", as they always did.
    with op.batch_alter_table('order_history') as batch_op:
        batch_op.add_column(sa.Column('actor_name', sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('order_history') as batch_op:
        batch_op.drop_column('actor_name')
