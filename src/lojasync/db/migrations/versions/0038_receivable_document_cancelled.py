"""when the document that created a receivable was cancelled

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-04 21:00:00

A receivable marked received by mistake could never be corrected ("Desfazer recebimento" now does it): undone,
it goes back to open, or to cancelled when its document was cancelled meanwhile, which the receivable itself did
not keep once a person had checked the refund question. Filled for the receivables of documents cancelled before.
"""
from alembic import op
import sqlalchemy as sa

from lojasync.db.types import UTCDateTime


revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('receivables') as batch_op:
        batch_op.add_column(sa.Column('document_cancelled_at', UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE receivables SET document_cancelled_at = updated_at WHERE "
        "(source_type = 'nfe' AND source_id IN "
        "(SELECT CAST(id AS VARCHAR(64)) FROM invoices WHERE status = 'cancelled')) OR "
        "(source_type = 'simple_sale' AND source_id IN "
        "(SELECT CAST(id AS VARCHAR(64)) FROM simple_sales WHERE status = 'cancelled'))")


def downgrade() -> None:
    with op.batch_alter_table('receivables') as batch_op:
        batch_op.drop_column('document_cancelled_at')
