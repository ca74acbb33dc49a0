"""an order keeps how it ships (carrier's code, option, pickup at the store); the carriers the merchant registers

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 16:30:00

The NF-e said modFrete 0 with no carrier for every order, a pickup at the store included: the import kept
nothing of the store's shipping. Orders imported before stay without it until the store sends them again.
"""
from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders') as batch_op:
        batch_op.add_column(sa.Column('shipping', lojasync.db.types.ShippingJSON(), nullable=True))
    op.create_table(
        'carriers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('tax_id', sa.String(length=14), nullable=True),
        sa.Column('ie', sa.String(length=14), nullable=True),
        sa.Column('address', sa.String(length=60), nullable=True),
        sa.Column('city', sa.String(length=60), nullable=True),
        sa.Column('uf', sa.String(length=2), nullable=True),
        sa.Column('created_at', lojasync.db.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', lojasync.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_carriers')),
        sa.UniqueConstraint('code', name=op.f('uq_carriers_code')),
    )


def downgrade() -> None:
    op.drop_table('carriers')
    with op.batch_alter_table('orders') as batch_op:
        batch_op.drop_column('shipping')
