"""order search: folded names and bare documents of the contact and the customer kept on the order; indexes for the order list's filters (a covering one for text searches)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 16:00:00
"""
from alembic import op
import sqlalchemy as sa

from lojasync.shared.search_text import SEPARATOR, fold
from lojasync.shared.tax_id import normalize_tax_id


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_BATCH = 2000


def upgrade() -> None:
    op.add_column('orders', sa.Column('search_name', sa.String(length=410), server_default='', nullable=False))
    op.add_column('orders', sa.Column('search_document', sa.String(length=90), server_default='', nullable=False))
    op.create_index(op.f('ix_orders_origin_number'), 'orders', ['origin_number'], unique=False)
    op.create_index(op.f('ix_orders_placed_at'), 'orders', ['placed_at'], unique=False)
    op.create_index('ix_nuvemshop_order_bindings_store_order', 'nuvemshop_order_bindings', ['store_id', 'order_id'],
                    unique=False)
    _fill()
    op.create_index('ix_orders_search', 'orders',
                    ['search_name', 'search_document', 'origin_number', 'customer_id', 'status', 'placed_at'],
                    unique=False)


def _fill() -> None:
    """The existing orders' search columns, as the ORM writes them from now on (lojasync.db.search_columns)."""
    conn = op.get_bind()
    meta = sa.MetaData()
    customers = sa.Table('customers', meta, sa.Column('id', sa.Integer, primary_key=True), sa.Column('name', sa.String),
                         sa.Column('tax_id', sa.String))
    orders = sa.Table('orders', meta, sa.Column('id', sa.Integer, primary_key=True),
                      sa.Column('customer_id', sa.Integer), sa.Column('contact_name', sa.String),
                      sa.Column('contact_document', sa.String), sa.Column('search_name', sa.String),
                      sa.Column('search_document', sa.String))
    query = (sa.select(orders.c.id, orders.c.contact_name, orders.c.contact_document, customers.c.name,
                       customers.c.tax_id)
             .select_from(orders.outerjoin(customers, customers.c.id == orders.c.customer_id)))
    rows = []
    for order_id, contact, document, name, tax_id in conn.execute(query):
        rows.append({'row_id': order_id,
                     'name': fold(contact)[:200] + SEPARATOR + fold(name)[:200],
                     'document': normalize_tax_id(document)[:40] + SEPARATOR + (tax_id or '')[:40]})
    statement = (orders.update().where(orders.c.id == sa.bindparam('row_id'))
                 .values(search_name=sa.bindparam('name'), search_document=sa.bindparam('document')))
    for start in range(0, len(rows), _BATCH):
        conn.execute(statement, rows[start:start + _BATCH])


def downgrade() -> None:
    op.drop_index('ix_orders_search', table_name='orders')
    op.drop_index('ix_nuvemshop_order_bindings_store_order', table_name='nuvemshop_order_bindings')
    op.drop_index(op.f('ix_orders_placed_at'), table_name='orders')
    op.drop_index(op.f('ix_orders_origin_number'), table_name='orders')
    with op.batch_alter_table('orders') as batch:
        batch.drop_column('search_document')
        batch.drop_column('search_name')
