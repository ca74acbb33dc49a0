"""the company keeps whether its A1 certificate chains to ICP-Brasil

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03 15:40:00

A self-signed or foreign certificate was installed as "pronta para emitir"; SEFAZ accepts only ICP-Brasil A1.
NULL for a certificate installed before (not checked).
"""
from alembic import op
import sqlalchemy as sa


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('company') as batch_op:
        batch_op.add_column(sa.Column('certificate_icp_brasil', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('company') as batch_op:
        batch_op.drop_column('certificate_icp_brasil')
