"""store attention (a permanent sync error flags the store for a person); the store's cancel reason

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 14:00:00
"""
from alembic import op
import sqlalchemy as sa
import lojasync.db.types


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('nuvemshop_stores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attention_code', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('attention', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('attention_resolution', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('attention_at', lojasync.db.types.UTCDateTime(), nullable=True))
    with op.batch_alter_table('nuvemshop_order_bindings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('store_cancel_reason', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('nuvemshop_order_bindings', schema=None) as batch_op:
        batch_op.drop_column('store_cancel_reason')
    with op.batch_alter_table('nuvemshop_stores', schema=None) as batch_op:
        batch_op.drop_column('attention_at')
        batch_op.drop_column('attention_resolution')
        batch_op.drop_column('attention')
        batch_op.drop_column('attention_code')
