"""an order keeps the marketplace it was sold on (Mercado Livre), which its NF-e must name as intermediary

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 18:30:00

The NF-e of an order sold on Mercado Livre through the store said indIntermed 0 (a sale on the merchant's own
site): the import dropped the store's `storefront`. Orders imported before get it the next time the store sends
them (as the shipping did, 0023).
"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders') as batch_op:
        batch_op.add_column(sa.Column('marketplace', sa.String(length=40), nullable=True))
    with op.batch_alter_table('company') as batch_op:
        batch_op.add_column(sa.Column('mercado_livre_seller', sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('company') as batch_op:
        batch_op.drop_column('mercado_livre_seller')
    with op.batch_alter_table('orders') as batch_op:
        batch_op.drop_column('marketplace')
