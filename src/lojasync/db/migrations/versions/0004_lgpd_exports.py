"""lgpd exports in the database

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 11:27:28.781420
"""
from alembic import op
import sqlalchemy as sa
import lojasync.db.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('lgpd_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.String(length=100), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('created_at', lojasync.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['nuvemshop_stores.id'], name=op.f('fk_lgpd_exports_store_id_nuvemshop_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lgpd_exports')),
    sa.UniqueConstraint('store_id', 'request_id', name='uq_lgpd_exports_store_request')
    )



def downgrade() -> None:

    op.drop_table('lgpd_exports')

