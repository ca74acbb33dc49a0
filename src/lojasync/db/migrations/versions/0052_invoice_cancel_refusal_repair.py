"""the NF-e's cancel_refusal column, for a database whose 0050 was the first version of that migration

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-07 09:15:00

Migration 0050 was changed after its first commit (the column `invoices.cancel_refusal` added to it): a database
migrated by that first version is stamped 0050 without the column, and every read of an NF-e failed (upgrade review).
Added here when missing; nothing is done where 0050 added it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0052'
down_revision = '0051'
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {column["name"] for column in sa.inspect(op.get_bind()).get_columns('invoices')}
    if 'cancel_refusal' not in columns:
        with op.batch_alter_table('invoices') as batch_op:
            batch_op.add_column(sa.Column('cancel_refusal', sa.Text(), nullable=True))


def downgrade() -> None:
    # 0050's own downgrade drops the column: this revision leaves it, whoever added it.
    pass
