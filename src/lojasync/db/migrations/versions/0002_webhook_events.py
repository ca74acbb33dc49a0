"""webhook events, store leases, paused stores

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 10:23:18.581114
"""
from alembic import op
import sqlalchemy as sa
import lojasync.db.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('nuvemshop_store_leases',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=False),
    sa.Column('expires_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['nuvemshop_stores.id'], name=op.f('fk_nuvemshop_store_leases_store_id_nuvemshop_stores')),
    sa.PrimaryKeyConstraint('store_id', name=op.f('pk_nuvemshop_store_leases'))
    )
    op.create_table('nuvemshop_webhook_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('external_store_id', sa.String(length=40), nullable=False),
    sa.Column('event', sa.String(length=60), nullable=False),
    sa.Column('resource_id', sa.String(length=40), nullable=True),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('received_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('processed_at', lojasync.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['store_id'], ['nuvemshop_stores.id'], name=op.f('fk_nuvemshop_webhook_events_store_id_nuvemshop_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nuvemshop_webhook_events'))
    )
    with op.batch_alter_table('nuvemshop_webhook_events', schema=None) as batch_op:
        batch_op.create_index('ix_nuvemshop_webhook_events_status_store', ['status', 'store_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nuvemshop_webhook_events_store_id'), ['store_id'], unique=False)

    with op.batch_alter_table('nuvemshop_stores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused', sa.Boolean(), server_default='0', nullable=False))




def downgrade() -> None:

    with op.batch_alter_table('nuvemshop_stores', schema=None) as batch_op:
        batch_op.drop_column('paused')

    with op.batch_alter_table('nuvemshop_webhook_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nuvemshop_webhook_events_store_id'))
        batch_op.drop_index('ix_nuvemshop_webhook_events_status_store')

    op.drop_table('nuvemshop_webhook_events')
    op.drop_table('nuvemshop_store_leases')

