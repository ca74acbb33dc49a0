"""the company keeps where each NF-e sequence (environment/series) stopped when it switched away

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-03 15:00:00

Switching series or environment and back set the next number to lojasync's own highest + 1, winding back a next
number set by hand to continue another ERP's numbering (numbers SEFAZ already holds: 539).
"""
from alembic import op
import sqlalchemy as sa


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('company') as batch_op:
        batch_op.add_column(sa.Column('number_sequences', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('company') as batch_op:
        batch_op.drop_column('number_sequences')
