"""an NF-e cancelled at SEFAZ by another program while it awaited SEFAZ here says so

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 05:00:00

Such an NF-e became "cancelada" with nothing moved (it never was "autorizada" here); the NF-e page, the API and
`invoices show` could not tell it from one cancelled here, whose stock came back.
"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.add_column(sa.Column('cancelled_elsewhere', sa.Boolean(), nullable=False, server_default=sa.false()))
    # lojasync writes it on every insert, as it does `simulated`: the default only filled the existing rows. Not
    # dropped on SQLite, where that would copy the whole table (its XML included) on the first start.
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('invoices', 'cancelled_elsewhere', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.drop_column('cancelled_elsewhere')
