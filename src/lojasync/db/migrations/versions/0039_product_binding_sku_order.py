"""when the order whose line's SKU last bound a store variant was placed

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-04 22:40:00

A store line keeps the SKU it was sold with. After the merchant renamed a variant's SKU (A to B) and a new order
bound the variant to B, any older order paid, shipped or read again bound it back to A, and the store got A's
stock. The binding now keeps when the order that bound it was placed; older orders no longer move it. Unknown for
the bindings made before (the next line with a SKU sets it).
"""
from alembic import op
import sqlalchemy as sa

from lojasync.db.types import UTCDateTime


revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('nuvemshop_product_bindings') as batch_op:
        batch_op.add_column(sa.Column('sku_order_placed_at', UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('nuvemshop_product_bindings') as batch_op:
        batch_op.drop_column('sku_order_placed_at')
