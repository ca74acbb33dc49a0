"""sessions end when idle: the time of a session's last request

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 19:00:00
"""
from alembic import op
import sqlalchemy as sa
import lojasync.db.types


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sessions open at the upgrade count as last seen when they were opened: one idle since then ends.
    with op.batch_alter_table('web_sessions') as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', lojasync.db.types.UTCDateTime(), nullable=True))
    op.execute("UPDATE web_sessions SET last_seen_at = created_at")
    with op.batch_alter_table('web_sessions') as batch_op:
        batch_op.alter_column('last_seen_at', existing_type=lojasync.db.types.UTCDateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('web_sessions') as batch_op:
        batch_op.drop_column('last_seen_at')
