"""an order line keeps the store's variant id of the item sold

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-04 12:00:00

Two items without a SKU at the same price looked the same to the import: the store swapping one for the other on
an invoiced order was taken as the same sale. NULL for the lines imported before: those orders are compared as
before (by SKU, quantity and price) until a read of the store fills it in while the order is still open.
"""
from alembic import op
import sqlalchemy as sa


revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('order_lines') as batch_op:
        batch_op.add_column(sa.Column('store_variant_id', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('order_lines') as batch_op:
        batch_op.drop_column('store_variant_id')
