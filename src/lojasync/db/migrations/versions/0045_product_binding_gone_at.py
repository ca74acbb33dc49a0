"""nuvemshop_product_bindings: a variant the store said is gone is kept, marked

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-05 16:30:00

A stock push answered 404 deleted the variant's binding. The store still sends updates of its old orders (paid,
shipped): read again, their lines without SKU matched no product and made a second one of the same name, and the
order's line moved to it (its NF-e then took stock from the copy). The binding now stays, with when the store
said the variant was gone: its stock is not sent, and its orders still name its product.
"""
from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0045'
down_revision = '0044'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('nuvemshop_product_bindings') as batch_op:
        batch_op.add_column(sa.Column('gone_at', lojasync.db.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('nuvemshop_product_bindings') as batch_op:
        batch_op.drop_column('gone_at')
