"""order search: folded names and bare documents kept for search; indexes for the order list's filters

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 16:00:00
"""
from alembic import op
import sqlalchemy as sa

from lojasync.shared.search_text import fold
from lojasync.shared.tax_id import normalize_tax_id


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_BATCH = 2000


def upgrade() -> None:
    op.add_column('customers', sa.Column('search_name', sa.String(length=200), server_default='', nullable=False))
    op.add_column('orders', sa.Column('search_name', sa.String(length=200), server_default='', nullable=False))
    op.add_column('orders', sa.Column('search_document', sa.String(length=40), server_default='', nullable=False))
    op.create_index(op.f('ix_orders_origin_number'), 'orders', ['origin_number'], unique=False)
    op.create_index(op.f('ix_orders_placed_at'), 'orders', ['placed_at'], unique=False)
    op.create_index('ix_nuvemshop_order_bindings_store_order', 'nuvemshop_order_bindings', ['store_id', 'order_id'],
                    unique=False)
    _fill()


def _fill() -> None:
    """The existing rows' search columns, as the ORM writes them from now on (lojasync.db.search_columns)."""
    conn = op.get_bind()
    meta = sa.MetaData()
    customers = sa.Table('customers', meta, sa.Column('id', sa.Integer, primary_key=True), sa.Column('name', sa.String),
                         sa.Column('search_name', sa.String))
    orders = sa.Table('orders', meta, sa.Column('id', sa.Integer, primary_key=True),
                      sa.Column('contact_name', sa.String), sa.Column('contact_document', sa.String),
                      sa.Column('search_name', sa.String), sa.Column('search_document', sa.String))
    rows = [{'row_id': i, 'name': fold(name)[:200]} for i, name in conn.execute(sa.select(customers.c.id, customers.c.name))]
    _update(conn, customers, rows, search_name=sa.bindparam('name'))
    rows = [{'row_id': i, 'name': fold(name)[:200], 'document': normalize_tax_id(document)[:40]}
            for i, name, document in conn.execute(sa.select(orders.c.id, orders.c.contact_name, orders.c.contact_document))]
    _update(conn, orders, rows, search_name=sa.bindparam('name'), search_document=sa.bindparam('document'))


def _update(conn, table, rows, **values) -> None:
    statement = table.update().where(table.c.id == sa.bindparam('row_id')).values(**values)
    for start in range(0, len(rows), _BATCH):
        conn.execute(statement, rows[start:start + _BATCH])


def downgrade() -> None:
    op.drop_index('ix_nuvemshop_order_bindings_store_order', table_name='nuvemshop_order_bindings')
    op.drop_index(op.f('ix_orders_placed_at'), table_name='orders')
    op.drop_index(op.f('ix_orders_origin_number'), table_name='orders')
    with op.batch_alter_table('orders') as batch:
        batch.drop_column('search_document')
        batch.drop_column('search_name')
    with op.batch_alter_table('customers') as batch:
        batch.drop_column('search_name')
