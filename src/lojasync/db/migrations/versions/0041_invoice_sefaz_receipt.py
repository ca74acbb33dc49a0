"""the receipt of the asynchronous batch SEFAZ is still processing an NF-e in

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-05 05:00:00

An authoriser that answers a batch "em processamento" (103/105) holds the NF-e without having it in its base yet:
asked by key meanwhile, it says 217 (unknown), which was taken for "never got it" (an order changed meanwhile made
the NF-e pending, to be discarded, while SEFAZ could still authorise it). The batch's receipt (nRec) is kept, and
asked first. NULL for every NF-e before: none has a receipt to ask.
"""
from alembic import op
import sqlalchemy as sa


revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.add_column(sa.Column('sefaz_receipt', sa.String(length=15), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.drop_column('sefaz_receipt')
