"""when the order whose line's SKU last bound a store variant was placed

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-04 22:40:00

A store line keeps the SKU it was sold with. After the merchant renamed a variant's SKU (A to B) and a new order
bound the variant to B, any older order paid, shipped or read again bound it back to A, and the store got A's
stock. The binding now keeps when the order that bound it was placed; older orders no longer move it. Filled for the
bindings made before from the newest order of the store with a line of that variant and that product (review: left
empty, an older order could still move one until a newer order stamped it); lines imported before variants were
kept on them (0036) leave it empty, and the next line with a SKU sets it.
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
    op.execute(
        "UPDATE nuvemshop_product_bindings SET sku_order_placed_at = ("
        "SELECT MAX(orders.placed_at) FROM order_lines "
        "JOIN orders ON orders.id = order_lines.order_id "
        "JOIN nuvemshop_order_bindings ON nuvemshop_order_bindings.order_id = orders.id "
        "WHERE order_lines.store_variant_id = nuvemshop_product_bindings.external_variant_id "
        "AND order_lines.product_id = nuvemshop_product_bindings.product_id "
        "AND order_lines.sku IS NOT NULL "
        "AND nuvemshop_order_bindings.store_id = nuvemshop_product_bindings.store_id)")


def downgrade() -> None:
    with op.batch_alter_table('nuvemshop_product_bindings') as batch_op:
        batch_op.drop_column('sku_order_placed_at')
