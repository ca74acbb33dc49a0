"""an authorised NF-e is asked about at SEFAZ once its cancellation deadlines have passed

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 08:00:00

An NF-e authorised here and then cancelled at SEFAZ by another program (one with the same certificate, the SEFAZ
portal) stayed "autorizada" here for good, its stock issued and its receivables open. The worker now asks SEFAZ by
key when `sefaz_check_due_at` comes: after the 24 h deadline of a cancellation, then after the 168 h of a late one.
The NF-e authorised in the last eight days are due (at once, or once the first deadline has passed); older ones
are not asked about. `found_cancelled` marks one found so (its page and the API say what happened).
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
        batch_op.add_column(sa.Column('found_cancelled', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index('ix_invoices_sefaz_check_due', ['sefaz_check_due_at'])
    # lojasync writes it on every insert, as it does `cancelled_elsewhere`: the default only filled the existing
    # rows. Not dropped on SQLite, where that would copy the whole table (its XML included) on the first start.
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('invoices', 'found_cancelled', server_default=None)
    invoices = sa.table('invoices', sa.column('id', sa.Integer), sa.column('status', sa.String),
                        sa.column('authorised_at', lojasync.db.types.UTCDateTime()),
                        sa.column('sefaz_check_due_at', lojasync.db.types.UTCDateTime()))
    now = datetime.now(timezone.utc)
    connection = op.get_bind()
    recent = connection.execute(sa.select(invoices.c.id, invoices.c.authorised_at).where(
        invoices.c.status == 'authorised', invoices.c.authorised_at >= now - timedelta(days=8))).all()
    for invoice_id, authorised_at in recent:
        connection.execute(invoices.update().where(invoices.c.id == invoice_id)
                           .values(sefaz_check_due_at=max(now, authorised_at + timedelta(hours=25))))


def downgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.drop_index('ix_invoices_sefaz_check_due')
        batch_op.drop_column('found_cancelled')
        batch_op.drop_column('sefaz_check_due_at')
