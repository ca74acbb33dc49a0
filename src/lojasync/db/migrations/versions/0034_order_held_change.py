"""an order keeps a digest of the store change it held back while its document stood

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-03 23:20:00

The same held change is then flagged once (a person who cleared it is not asked again at every later version of the
store order), and once the document is cancelled the order asks to be read again even when its reason was cleared.
NULL for every order before: their pending reasons still say what was held, as they did.
"""
from alembic import op
import sqlalchemy as sa


revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders') as batch_op:
        batch_op.add_column(sa.Column('held_change', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('orders') as batch_op:
        batch_op.drop_column('held_change')
