"""a batch of NF-e keeps whether it transmits or only generates

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03 12:10:00

An API batch with "approve": false ran in the background was shown on its page as NF-e "não autorizadas", and its
resume button transmitted the orders left, which the integrator had asked only to generate.
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every batch kept so far transmitted unless the API said otherwise, which nothing recorded: true for them all.
    with op.batch_alter_table('invoice_batches') as batch_op:
        batch_op.add_column(sa.Column('approve', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table('invoice_batches') as batch_op:
        batch_op.drop_column('approve')
