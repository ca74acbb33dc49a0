"""an order keeps every reason pending for a person, one per line: its attention text becomes unbounded

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 03:40:00

Until now a second reason replaced the first, which fitted 500 characters; two NF-e problems (500 each) do not.
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders') as batch_op:
        batch_op.alter_column('attention_reason', existing_type=sa.String(length=500), type_=sa.Text(),
                              existing_nullable=True)


def downgrade() -> None:
    # The older version has room for 500 characters: the first reasons are the ones kept.
    op.execute("UPDATE orders SET attention_reason = substr(attention_reason, 1, 500) "
               "WHERE length(attention_reason) > 500")
    with op.batch_alter_table('orders') as batch_op:
        batch_op.alter_column('attention_reason', existing_type=sa.Text(), type_=sa.String(length=500),
                              existing_nullable=True)
