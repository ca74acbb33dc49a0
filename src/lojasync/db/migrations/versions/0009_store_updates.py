"""updates waiting to be written to the store: variant stock and the NF-e key (the connector's outbox)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import lojasync.db.types


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'nuvemshop_store_updates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('ref', sa.String(length=40), nullable=False),
        sa.Column('parent_ref', sa.String(length=40), nullable=True),
        sa.Column('product_id', sa.Integer(), nullable=True),
        sa.Column('value', sa.String(length=60), nullable=True),
        sa.Column('remote_id', sa.String(length=40), nullable=True),
        sa.Column('sent_value', sa.String(length=60), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', lojasync.db.types.UTCDateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('resolution', sa.Text(), nullable=True),
        sa.Column('pushed_at', lojasync.db.types.UTCDateTime(), nullable=True),
        sa.Column('created_at', lojasync.db.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', lojasync.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'],
                                name=op.f('fk_nuvemshop_store_updates_product_id_products')),
        sa.ForeignKeyConstraint(['store_id'], ['nuvemshop_stores.id'],
                                name=op.f('fk_nuvemshop_store_updates_store_id_nuvemshop_stores')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_nuvemshop_store_updates')),
        sa.UniqueConstraint('store_id', 'kind', 'ref', name='uq_nuvemshop_store_updates_store_kind_ref'),
    )
    op.create_index('ix_nuvemshop_store_updates_status_store', 'nuvemshop_store_updates', ['status', 'store_id'],
                    unique=False)
    op.create_index(op.f('ix_nuvemshop_store_updates_product_id'), 'nuvemshop_store_updates', ['product_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_nuvemshop_store_updates_product_id'), table_name='nuvemshop_store_updates')
    op.drop_index('ix_nuvemshop_store_updates_status_store', table_name='nuvemshop_store_updates')
    op.drop_table('nuvemshop_store_updates')
