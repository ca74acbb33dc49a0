"""order search: the stored names folded again, with their words one space apart and one apostrophe

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-05 07:30:00

A name typed "Maria  da Silva" (two spaces) or "Joana D’Ávila" (a phone's apostrophe) was kept for search as
typed, and the operator's "maria da silva" or "d'avila" found no order. `fold` now joins the words with one space
and makes every apostrophe "'"; the orders already stored get their search name written again the same way (only
the rows whose value changes are written).
"""
from alembic import op
import sqlalchemy as sa

from lojasync.shared.search_text import SEPARATOR, fold


revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None

_BATCH = 2000
_NAME_LENGTH = 200   # each part's size, as lojasync.db.search_columns writes it


def upgrade() -> None:
    conn = op.get_bind()
    meta = sa.MetaData()
    customers = sa.Table('customers', meta, sa.Column('id', sa.Integer, primary_key=True), sa.Column('name', sa.String))
    orders = sa.Table('orders', meta, sa.Column('id', sa.Integer, primary_key=True),
                      sa.Column('customer_id', sa.Integer), sa.Column('contact_name', sa.String),
                      sa.Column('search_name', sa.String))
    query = (sa.select(orders.c.id, orders.c.contact_name, customers.c.name, orders.c.search_name)
             .select_from(orders.outerjoin(customers, customers.c.id == orders.c.customer_id)))
    rows = []
    for order_id, contact, name, stored in conn.execute(query):
        folded = fold(contact)[:_NAME_LENGTH] + SEPARATOR + fold(name)[:_NAME_LENGTH]
        if folded != stored:
            rows.append({'row_id': order_id, 'name': folded})
    statement = (orders.update().where(orders.c.id == sa.bindparam('row_id'))
                 .values(search_name=sa.bindparam('name')))
    for start in range(0, len(rows), _BATCH):
        conn.execute(statement, rows[start:start + _BATCH])


def downgrade() -> None:
    # The names as they were folded before cannot be told from the new ones, and the new ones are still found by
    # the old code's searches of a single word: nothing to undo.
    pass
