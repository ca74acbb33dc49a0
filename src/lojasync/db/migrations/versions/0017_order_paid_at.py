"""orders: when the store received the payment (receivables fall due counting from it)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 03:40:00
"""
from alembic import op
import sqlalchemy as sa
import lojasync.db.types


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Orders imported before stay without it until the store sends them again: their receivables fall due
    # counting from the document's approval, as before.
    with op.batch_alter_table('orders') as batch_op:
        batch_op.add_column(sa.Column('paid_at', lojasync.db.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('orders') as batch_op:
        batch_op.drop_column('paid_at')
