"""lgpd redaction mark, events index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 11:12:08.950762
"""
from alembic import op
import sqlalchemy as sa
import lojasync.db.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table('nuvemshop_order_bindings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('redacted_at', lojasync.db.types.UTCDateTime(), nullable=True))

    with op.batch_alter_table('nuvemshop_webhook_events', schema=None) as batch_op:
        batch_op.create_index('ix_nuvemshop_webhook_events_status_processed', ['status', 'processed_at'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('nuvemshop_webhook_events', schema=None) as batch_op:
        batch_op.drop_index('ix_nuvemshop_webhook_events_status_processed')

    with op.batch_alter_table('nuvemshop_order_bindings', schema=None) as batch_op:
        batch_op.drop_column('redacted_at')


