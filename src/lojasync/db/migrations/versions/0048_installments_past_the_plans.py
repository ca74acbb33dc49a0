"""an installment count the receivables do not split (above 48, or below 1) is none, on orders and their documents

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-06 13:00:00

The import kept counts up to 999 while the receivables plan made one receivable of any count above 48; the
import now keeps none above 48 (`sales.order_data.MAX_INSTALLMENTS`). Orders and documents kept with such a count
would look changed on their next read (the order's "parcelas alteradas", a processed one flagged, a pending
document refused as another sale) though the store changed nothing: they take none too, which is what their
receivables already were made of. So do the counts of 0 or below that versions before 90eaa09 kept (the import
keeps none of them either now).
"""
from alembic import op


revision = '0048'
down_revision = '0047'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("orders", "invoices", "simple_sales"):
        op.execute(f"UPDATE {table} SET installments = NULL WHERE installments > 48 OR installments < 1")


def downgrade() -> None:
    pass   # the counts are not kept anywhere else; none is what the receivables were made of
