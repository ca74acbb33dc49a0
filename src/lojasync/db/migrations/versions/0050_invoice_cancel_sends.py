"""an NF-e keeps the sends of its pending cancellation that may have reached SEFAZ, and its own send's refusal

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-06 21:30:00

A person may withdraw a pending cancellation only while no send of it can be at SEFAZ. A request pending before this
revision may have gone without its answer heard: it counts as one send begun when it was requested (withdrawal
refused until the worker, asking SEFAZ by key past the sending window, finds it never got there).
"""
from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0050'
down_revision = '0049'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.add_column(sa.Column('cancel_sends', sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column('cancel_refusal', sa.Text(), nullable=True))
    invoices = sa.table('invoices', sa.column('id', sa.Integer), sa.column('cancel_sends', sa.JSON()),
                        sa.column('cancel_requested_at', lojasync.db.types.UTCDateTime()))
    bind = op.get_bind()
    pending = bind.execute(sa.select(invoices.c.id, invoices.c.cancel_requested_at)
                           .where(invoices.c.cancel_requested_at.is_not(None))).all()
    for invoice_id, requested_at in pending:
        bind.execute(sa.update(invoices).where(invoices.c.id == invoice_id)
                     .values(cancel_sends=[requested_at.isoformat()]))


def downgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.drop_column('cancel_refusal')
        batch_op.drop_column('cancel_sends')
