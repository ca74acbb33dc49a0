"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 10:13:17.120407
"""
from alembic import op
import sqlalchemy as sa
import lojasync.db.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('customers',
    sa.Column('insert_sentinel', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tax_id', sa.String(length=14), nullable=False),
    sa.Column('kind', sa.String(length=4), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('address', lojasync.db.types.AddressJSON(), nullable=True),
    sa.Column('created_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('tax_id', name=op.f('uq_customers_tax_id'))
    )
    op.create_table('nuvemshop_stores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('api_url', sa.String(length=300), nullable=False),
    sa.Column('access_token', sa.String(length=500), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sync_cursor', lojasync.db.types.UTCDateTime(), nullable=True),
    sa.Column('run_started_at', lojasync.db.types.UTCDateTime(), nullable=True),
    sa.Column('run_since', lojasync.db.types.UTCDateTime(), nullable=True),
    sa.Column('run_next_page', sa.Integer(), nullable=True),
    sa.Column('last_sync_at', lojasync.db.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nuvemshop_stores')),
    sa.UniqueConstraint('external_id', name=op.f('uq_nuvemshop_stores_external_id'))
    )
    op.create_table('products',
    sa.Column('insert_sentinel', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('price', lojasync.db.types.MoneyCents(), nullable=False),
    sa.Column('created_by_store', sa.Boolean(), nullable=False),
    sa.Column('created_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('sku', name=op.f('uq_products_sku'))
    )
    op.create_table('nuvemshop_customer_bindings',
    sa.Column('insert_sentinel', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_nuvemshop_customer_bindings_customer_id_customers')),
    sa.ForeignKeyConstraint(['store_id'], ['nuvemshop_stores.id'], name=op.f('fk_nuvemshop_customer_bindings_store_id_nuvemshop_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nuvemshop_customer_bindings')),
    sa.UniqueConstraint('store_id', 'external_id', name='uq_nuvemshop_customer_bindings_store_external')
    )
    with op.batch_alter_table('nuvemshop_customer_bindings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nuvemshop_customer_bindings_customer_id'), ['customer_id'], unique=False)

    op.create_table('nuvemshop_import_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=40), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('retryable', sa.Boolean(), nullable=False),
    sa.Column('payload', lojasync.db.types.DecimalSafeJSON(), nullable=True),
    sa.Column('first_failed_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.Column('last_failed_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['nuvemshop_stores.id'], name=op.f('fk_nuvemshop_import_failures_store_id_nuvemshop_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nuvemshop_import_failures')),
    sa.UniqueConstraint('store_id', 'external_id', name='uq_nuvemshop_import_failures_store_external')
    )
    op.create_table('nuvemshop_product_bindings',
    sa.Column('insert_sentinel', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('external_variant_id', sa.String(length=40), nullable=False),
    sa.Column('external_product_id', sa.String(length=40), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_nuvemshop_product_bindings_product_id_products')),
    sa.ForeignKeyConstraint(['store_id'], ['nuvemshop_stores.id'], name=op.f('fk_nuvemshop_product_bindings_store_id_nuvemshop_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nuvemshop_product_bindings')),
    sa.UniqueConstraint('store_id', 'external_variant_id', name='uq_nuvemshop_product_bindings_store_variant')
    )
    with op.batch_alter_table('nuvemshop_product_bindings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nuvemshop_product_bindings_product_id'), ['product_id'], unique=False)

    op.create_table('orders',
    sa.Column('insert_sentinel', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'confirmed', 'cancelled', name='orderstatus', native_enum=False, length=20), nullable=False),
    sa.Column('origin', sa.String(length=40), nullable=True),
    sa.Column('origin_number', sa.String(length=40), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('customer_link', sa.String(length=10), nullable=True),
    sa.Column('customer_problem', sa.String(length=300), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('contact_email', sa.String(length=200), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('contact_document', sa.String(length=40), nullable=True),
    sa.Column('subtotal', lojasync.db.types.MoneyCents(), nullable=False),
    sa.Column('discount', lojasync.db.types.MoneyCents(), nullable=False),
    sa.Column('freight', lojasync.db.types.MoneyCents(), nullable=False),
    sa.Column('total', lojasync.db.types.MoneyCents(), nullable=False),
    sa.Column('payment_method', sa.String(length=40), nullable=True),
    sa.Column('payment_gateway', sa.String(length=80), nullable=True),
    sa.Column('installments', sa.Integer(), nullable=True),
    sa.Column('billing_address', lojasync.db.types.AddressJSON(), nullable=True),
    sa.Column('shipping_address', lojasync.db.types.AddressJSON(), nullable=True),
    sa.Column('placed_at', lojasync.db.types.UTCDateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('needs_attention', sa.Boolean(), nullable=False),
    sa.Column('attention_reason', sa.String(length=500), nullable=True),
    sa.Column('processed_reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_orders_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_needs_attention'), ['needs_attention'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_status'), ['status'], unique=False)

    op.create_table('stock_movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('source_type', sa.String(length=40), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_movements_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements')),
    sa.UniqueConstraint('source_type', 'source_id', 'product_id', name='uq_stock_movements_source')
    )
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_movements_product_id'), ['product_id'], unique=False)

    op.create_table('nuvemshop_order_bindings',
    sa.Column('insert_sentinel', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=40), nullable=False),
    sa.Column('external_number', sa.String(length=40), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('store_status', sa.String(length=40), nullable=True),
    sa.Column('store_payment_status', sa.String(length=40), nullable=True),
    sa.Column('store_shipping_status', sa.String(length=40), nullable=True),
    sa.Column('store_updated_at', lojasync.db.types.UTCDateTime(), nullable=True),
    sa.Column('payload_hash', sa.String(length=64), nullable=True),
    sa.Column('synced_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_nuvemshop_order_bindings_order_id_orders')),
    sa.ForeignKeyConstraint(['store_id'], ['nuvemshop_stores.id'], name=op.f('fk_nuvemshop_order_bindings_store_id_nuvemshop_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nuvemshop_order_bindings')),
    sa.UniqueConstraint('order_id', name=op.f('uq_nuvemshop_order_bindings_order_id')),
    sa.UniqueConstraint('store_id', 'external_id', name='uq_nuvemshop_order_bindings_store_external')
    )
    op.create_table('order_lines',
    sa.Column('insert_sentinel', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('sku', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', lojasync.db.types.MoneyCents(), nullable=False),
    sa.Column('total', lojasync.db.types.MoneyCents(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_lines_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_order_lines_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_lines')),
    sa.UniqueConstraint('order_id', 'position', name='uq_order_lines_order_position')
    )
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_lines_product_id'), ['product_id'], unique=False)

    op.create_table('sync_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=40), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('created_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_sync_log_order_id_orders')),
    sa.ForeignKeyConstraint(['store_id'], ['nuvemshop_stores.id'], name=op.f('fk_sync_log_store_id_nuvemshop_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_log'))
    )
    with op.batch_alter_table('sync_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_log_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_sync_log_store_external', ['store_id', 'external_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('sync_log', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_log_store_external')
        batch_op.drop_index(batch_op.f('ix_sync_log_order_id'))

    op.drop_table('sync_log')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_lines_product_id'))

    op.drop_table('order_lines')
    op.drop_table('nuvemshop_order_bindings')
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_movements_product_id'))

    op.drop_table('stock_movements')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_status'))
        batch_op.drop_index(batch_op.f('ix_orders_needs_attention'))
        batch_op.drop_index(batch_op.f('ix_orders_customer_id'))

    op.drop_table('orders')
    with op.batch_alter_table('nuvemshop_product_bindings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nuvemshop_product_bindings_product_id'))

    op.drop_table('nuvemshop_product_bindings')
    op.drop_table('nuvemshop_import_failures')
    with op.batch_alter_table('nuvemshop_customer_bindings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nuvemshop_customer_bindings_customer_id'))

    op.drop_table('nuvemshop_customer_bindings')
    op.drop_table('products')
    op.drop_table('nuvemshop_stores')
    op.drop_table('customers')

