"""an order keeps the shipment's tracking code (and its URL), recorded by the back office and sent to the store

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 13:30:00

The code is the ERP's fact (the operator typed it); the store learns it through the store updates queue.
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders') as batch_op:
        batch_op.add_column(sa.Column('tracking_code', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('tracking_url', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('orders') as batch_op:
        batch_op.drop_column('tracking_url')
        batch_op.drop_column('tracking_code')
