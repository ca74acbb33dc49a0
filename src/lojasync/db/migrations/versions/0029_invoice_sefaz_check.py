"""an authorised NF-e is asked about at SEFAZ once its cancellation deadlines have passed

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 08:00:00

An NF-e authorised here and then cancelled at SEFAZ by another program (one with the same certificate, the SEFAZ
portal) stayed "autorizada" here for good, its stock issued and its receivables open. The worker now asks SEFAZ by
key when `sefaz_check_due_at` comes: after the 24 h deadline of a cancellation, then after the 168 h of a late one.
The NF-e authorised in the last eight days are due at once (those older than that are past both deadlines' checks).
"""
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.add_column(sa.Column('sefaz_check_due_at', lojasync.db.types.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_invoices_sefaz_check_due', ['sefaz_check_due_at'])
    invoices = sa.table('invoices', sa.column('status', sa.String),
                        sa.column('authorised_at', lojasync.db.types.UTCDateTime()),
                        sa.column('sefaz_check_due_at', lojasync.db.types.UTCDateTime()))
    now = datetime.now(timezone.utc)
    op.execute(invoices.update()
               .where(invoices.c.status == 'authorised', invoices.c.authorised_at >= now - timedelta(days=8))
               .values(sefaz_check_due_at=now))


def downgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.drop_index('ix_invoices_sefaz_check_due')
        batch_op.drop_column('sefaz_check_due_at')
