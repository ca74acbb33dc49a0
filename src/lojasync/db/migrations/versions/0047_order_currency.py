"""an order keeps the currency the store priced it in, so an order not in reais is never invoiced as reais

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-06 12:30:00

An order in USD (the platform's own example orders are in USD and ARS) made an NF-e, a venda simples and receivables
of the same figures in reais. Orders imported before keep none (reais, as a Brazilian store's are); one in another
currency gets it the next time the store sends it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0047'
down_revision = '0046'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders') as batch_op:
        batch_op.add_column(sa.Column('currency', sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('orders') as batch_op:
        batch_op.drop_column('currency')
