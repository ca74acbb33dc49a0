"""customers.search_name: the customer's name as a search compares it, written by the ORM with every change

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-06 10:45:00

`customers list --search` folded the name in the database: SQLite with Python's `fold`, PostgreSQL with translate(),
which missed what `fold` does beyond one accented letter for another (a non-breaking space, an accent typed apart,
Vietnamese letters, "ß"): a customer found by the orders' search was not found by its own name. The folded name is
kept beside it now, as the orders' `search_name` is, and both databases compare the same text. The customers already
stored get it here.
"""
from alembic import op
import sqlalchemy as sa

from lojasync.shared.search_text import fold


revision = '0046'
down_revision = '0045'
branch_labels = None
depends_on = None

_BATCH = 2000
_NAME_LENGTH = 200   # as lojasync.db.search_columns writes it


def upgrade() -> None:
    with op.batch_alter_table('customers') as batch_op:
        batch_op.add_column(sa.Column('search_name', sa.String(_NAME_LENGTH), nullable=True))
    conn = op.get_bind()
    customers = sa.Table('customers', sa.MetaData(), sa.Column('id', sa.Integer, primary_key=True),
                         sa.Column('name', sa.String), sa.Column('search_name', sa.String))
    rows = [{'row_id': customer_id, 'folded': fold(name)[:_NAME_LENGTH]}
            for customer_id, name in conn.execute(sa.select(customers.c.id, customers.c.name))]
    statement = (customers.update().where(customers.c.id == sa.bindparam('row_id'))
                 .values(search_name=sa.bindparam('folded')))
    for start in range(0, len(rows), _BATCH):
        conn.execute(statement, rows[start:start + _BATCH])


def downgrade() -> None:
    with op.batch_alter_table('customers') as batch_op:
        batch_op.drop_column('search_name')
