"""a stock movement keeps who made it, in words

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-07 06:00:00

The person who counted or registered an entrada or saída ("operador ana@loja.com.br", "operador token de API erp",
"operador terminal (maria)"), or who approved or cancelled the document behind a baixa or a devolução ("sistema" when
lojasync learned of SEFAZ's authorisation on its own). Movements written before this revision keep none: who made
them was never recorded.
"""
from alembic import op
import sqlalchemy as sa


revision = '0051'
down_revision = '0050'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stock_movements') as batch_op:
        batch_op.add_column(sa.Column('made_by', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('stock_movements') as batch_op:
        batch_op.drop_column('made_by')
