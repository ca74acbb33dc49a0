"""an order line keeps the store's promotion on it (Nuvemshop's promotional_discount.contents)

Revision ID: 0057
Revises: 0056
Create Date: 2026-12-10 10:00:00

The order's discount holds the store's promotions (Promoções) with any coupon, and the NF-e shared it all by the
lines' values: a promotion on one line came off the others too, and each item's vDesc (its ICMS base in regime normal,
its DIFAL, its PIS/COFINS bases) was wrong while the totals were right. Each line now keeps its own promotion, which
its NF-e item takes whole; only the rest of the discount is shared. NULL for the lines imported before: their orders
are spread as before.
"""
from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0057'
down_revision = '0056'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('order_lines') as batch_op:
        batch_op.add_column(sa.Column('promotion', lojasync.db.types.MoneyCents(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('order_lines') as batch_op:
        batch_op.drop_column('promotion')
