"""a receivable keeps when a person cancelled it (Cancelar conta) while its document stood

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-03 23:10:00

Such a receivable can still be received (the customer paid after all); one cancelled with its document cannot.
Filled in for those cancelled before: a receivable cancelled while its document stands (an authorised NF-e, a
confirmed venda simples) can only have been cancelled by a person, a document's cancellation being the only other
way; the time is that of its last change.
"""
from alembic import op
import sqlalchemy as sa

from lojasync.db.types import UTCDateTime


revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('receivables') as batch_op:
        batch_op.add_column(sa.Column('written_off_at', UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE receivables SET written_off_at = updated_at WHERE status = 'cancelled' AND ("
        "(source_type = 'nfe' AND source_id IN "
        "(SELECT CAST(id AS VARCHAR(64)) FROM invoices WHERE status = 'authorised')) OR "
        "(source_type = 'simple_sale' AND source_id IN "
        "(SELECT CAST(id AS VARCHAR(64)) FROM simple_sales WHERE status = 'confirmed')))")


def downgrade() -> None:
    with op.batch_alter_table('receivables') as batch_op:
        batch_op.drop_column('written_off_at')
