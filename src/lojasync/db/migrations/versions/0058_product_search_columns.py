"""products.search_name and search_sku: the product's name and SKU as the Estoque list searches and sorts them,
written by the ORM with every change

Revision ID: 0058
Revises: 0057
Create Date: 2026-12-11 10:00:00

The Estoque page read every product, with every balance, to search, filter and sort them in Python and show 100:
0.5-0.66 s a visit with 20,000 products. It reads a page now, with its counts, in the database; the search folds
case and accents as the orders' and the customers' do, by comparing columns folded by Python's `fold` (PostgreSQL's
translate() or unaccent would not agree with it, migration 0046). The products already stored get them here.
"""
from alembic import op
import sqlalchemy as sa

from lojasync.shared.search_text import fold


revision = '0058'
down_revision = '0057'
branch_labels = None
depends_on = None

_BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table('products') as batch_op:
        batch_op.add_column(sa.Column('search_name', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('search_sku', sa.Text(), nullable=True))
    conn = op.get_bind()
    products = sa.Table('products', sa.MetaData(), sa.Column('id', sa.Integer, primary_key=True),
                        sa.Column('sku', sa.String), sa.Column('name', sa.String),
                        sa.Column('search_name', sa.Text), sa.Column('search_sku', sa.Text))
    # As lojasync.db.search_columns.product_search_values writes them.
    rows = [{'row_id': product_id, 'folded_name': fold(name), 'folded_sku': fold(sku)}
            for product_id, sku, name in conn.execute(sa.select(products.c.id, products.c.sku, products.c.name))]
    statement = (products.update().where(products.c.id == sa.bindparam('row_id'))
                 .values(search_name=sa.bindparam('folded_name'), search_sku=sa.bindparam('folded_sku')))
    for start in range(0, len(rows), _BATCH):
        conn.execute(statement, rows[start:start + _BATCH])


def downgrade() -> None:
    with op.batch_alter_table('products') as batch_op:
        batch_op.drop_column('search_sku')
        batch_op.drop_column('search_name')
