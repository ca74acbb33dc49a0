"""install invites spent

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-04 23:10:00

An install invite worked any number of times until it expired (up to 30 days), for any store: a link forwarded
once could connect store after store to this ERP. An invite now connects one store; the ones spent are kept here
(a hash of the invite, never the invite itself).
"""
from alembic import op
import sqlalchemy as sa

from lojasync.db.types import UTCDateTime


revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'nuvemshop_spent_invites',
        sa.Column('invite_id', sa.String(length=64), nullable=False),
        sa.Column('spent_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('invite_id'),
    )


def downgrade() -> None:
    op.drop_table('nuvemshop_spent_invites')
