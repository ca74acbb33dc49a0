"""nuvemshop_stores: when a person asked for a full sync (Sincronização completa), until a full one begun since ends

Revision ID: 0056
Revises: 0055
Create Date: 2026-12-09 10:00:00

The store row kept only when a sync was asked for, and any sync that began after it answered it: the periodic
(incremental) one that began after a click on Sincronização completa cleared the request, and the page said it done
while the full sync never ran (it had found the store busy and was dropped).
"""
from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0056'
down_revision = '0055'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('nuvemshop_stores') as batch_op:
        batch_op.add_column(sa.Column('full_sync_requested_at', lojasync.db.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('nuvemshop_stores') as batch_op:
        batch_op.drop_column('full_sync_requested_at')
