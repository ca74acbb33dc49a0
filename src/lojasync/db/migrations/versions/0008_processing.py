"""processing an order: company, NF-e, venda simples, receivables; products' fiscal data; stock moves per line

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 15:00:00
"""
from alembic import op
import sqlalchemy as sa
import lojasync.db.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_INVOICE_STATUS = sa.Enum('pending', 'awaiting_sefaz', 'authorised', 'rejected', 'cancelled', 'discarded',
                          name='invoicestatus', native_enum=False, length=20)
_SALE_STATUS = sa.Enum('pending', 'confirmed', 'cancelled', name='salestatus', native_enum=False, length=20)
_RECEIVABLE_STATUS = sa.Enum('open', 'received', 'cancelled', name='receivablestatus', native_enum=False, length=20)


def _timestamps():
    return [sa.Column('created_at', lojasync.db.types.UTCDateTime(), nullable=False),
            sa.Column('updated_at', lojasync.db.types.UTCDateTime(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        'company',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('legal_name', sa.String(length=60), nullable=True),
        sa.Column('trade_name', sa.String(length=60), nullable=True),
        sa.Column('cnpj', sa.String(length=14), nullable=True),
        sa.Column('ie', sa.String(length=14), nullable=True),
        sa.Column('crt', sa.Integer(), nullable=False),
        sa.Column('street', sa.String(length=60), nullable=True),
        sa.Column('number', sa.String(length=60), nullable=True),
        sa.Column('complement', sa.String(length=60), nullable=True),
        sa.Column('district', sa.String(length=60), nullable=True),
        sa.Column('city', sa.String(length=60), nullable=True),
        sa.Column('city_code', sa.String(length=7), nullable=True),
        sa.Column('uf', sa.String(length=2), nullable=True),
        sa.Column('zipcode', sa.String(length=8), nullable=True),
        sa.Column('phone', sa.String(length=14), nullable=True),
        sa.Column('series', sa.Integer(), nullable=False),
        sa.Column('next_number', sa.Integer(), nullable=False),
        sa.Column('environment', sa.String(length=1), nullable=False),
        sa.Column('default_ncm', sa.String(length=8), nullable=True),
        sa.Column('default_origin', sa.String(length=1), nullable=False),
        sa.Column('default_unit', sa.String(length=6), nullable=False),
        sa.Column('icms_rate', lojasync.db.types.DecimalText(), nullable=True),
        sa.Column('pis_rate', lojasync.db.types.DecimalText(), nullable=True),
        sa.Column('cofins_rate', lojasync.db.types.DecimalText(), nullable=True),
        sa.Column('cbs_rate', lojasync.db.types.DecimalText(), nullable=True),
        sa.Column('ibs_rate', lojasync.db.types.DecimalText(), nullable=True),
        sa.Column('ibs_cbs_for_simples', sa.Boolean(), nullable=False),
        sa.Column('tech_cnpj', sa.String(length=14), nullable=True),
        sa.Column('tech_contact', sa.String(length=60), nullable=True),
        sa.Column('tech_email', sa.String(length=60), nullable=True),
        sa.Column('tech_phone', sa.String(length=14), nullable=True),
        sa.Column('certificate', sa.Text(), nullable=True),
        sa.Column('certificate_password', sa.Text(), nullable=True),
        sa.Column('certificate_subject', sa.String(length=300), nullable=True),
        sa.Column('certificate_cnpj', sa.String(length=14), nullable=True),
        sa.Column('certificate_not_after', lojasync.db.types.UTCDateTime(), nullable=True),
        sa.Column('certificate_is_test', sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_company')),
    )
    op.create_table(
        'invoices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('status', _INVOICE_STATUS, nullable=False),
        sa.Column('environment', sa.String(length=1), nullable=False),
        sa.Column('series', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('access_key', sa.String(length=44), nullable=True),
        sa.Column('issued_at', lojasync.db.types.UTCDateTime(), nullable=True),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('lines_data', sa.JSON(), nullable=False),
        sa.Column('total', lojasync.db.types.MoneyCents(), nullable=False),
        sa.Column('payment_method', sa.String(length=40), nullable=True),
        sa.Column('installments', sa.Integer(), nullable=True),
        sa.Column('xml', sa.Text(), nullable=True),
        sa.Column('proc_xml', sa.Text(), nullable=True),
        sa.Column('protocol', sa.String(length=20), nullable=True),
        sa.Column('authorised_at', lojasync.db.types.UTCDateTime(), nullable=True),
        sa.Column('simulated', sa.Boolean(), nullable=False),
        sa.Column('rejection_code', sa.String(length=5), nullable=True),
        sa.Column('rejection_reason', sa.String(length=500), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('sent_at', lojasync.db.types.UTCDateTime(), nullable=True),
        sa.Column('cancel_justification', sa.String(length=255), nullable=True),
        sa.Column('cancel_protocol', sa.String(length=20), nullable=True),
        sa.Column('cancelled_at', lojasync.db.types.UTCDateTime(), nullable=True),
        sa.Column('cancel_xml', sa.Text(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_invoices_customer_id_customers')),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_invoices_order_id_orders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
        sa.UniqueConstraint('access_key', name=op.f('uq_invoices_access_key')),
        sa.UniqueConstraint('environment', 'series', 'number', name='uq_invoices_number'),
    )
    op.create_index('ix_invoices_order', 'invoices', ['order_id'], unique=False)
    op.create_index(op.f('ix_invoices_status'), 'invoices', ['status'], unique=False)
    op.create_table(
        'simple_sales',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('status', _SALE_STATUS, nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('lines_data', sa.JSON(), nullable=False),
        sa.Column('total', lojasync.db.types.MoneyCents(), nullable=False),
        sa.Column('payment_method', sa.String(length=40), nullable=True),
        sa.Column('installments', sa.Integer(), nullable=True),
        sa.Column('confirmed_at', lojasync.db.types.UTCDateTime(), nullable=True),
        sa.Column('cancelled_at', lojasync.db.types.UTCDateTime(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_simple_sales_customer_id_customers')),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_simple_sales_order_id_orders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_simple_sales')),
    )
    op.create_index('ix_simple_sales_order', 'simple_sales', ['order_id'], unique=False)
    op.create_index(op.f('ix_simple_sales_status'), 'simple_sales', ['status'], unique=False)
    op.create_table(
        'receivables',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('source_type', sa.String(length=20), nullable=False),
        sa.Column('source_id', sa.String(length=64), nullable=False),
        sa.Column('installment', sa.Integer(), nullable=False),
        sa.Column('installments', sa.Integer(), nullable=False),
        sa.Column('amount', lojasync.db.types.MoneyCents(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('payment_method', sa.String(length=40), nullable=True),
        sa.Column('status', _RECEIVABLE_STATUS, nullable=False),
        sa.Column('needs_attention', sa.Boolean(), nullable=False),
        sa.Column('attention_reason', sa.String(length=300), nullable=True),
        sa.Column('received_at', lojasync.db.types.UTCDateTime(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_receivables_order_id_orders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_receivables')),
        sa.UniqueConstraint('source_type', 'source_id', 'installment', name='uq_receivables_source'),
    )
    op.create_index(op.f('ix_receivables_due_date'), 'receivables', ['due_date'], unique=False)
    op.create_index(op.f('ix_receivables_order_id'), 'receivables', ['order_id'], unique=False)
    op.create_index(op.f('ix_receivables_status'), 'receivables', ['status'], unique=False)

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ncm', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('cest', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('origin', sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column('unit', sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column('gtin', sa.String(length=14), nullable=True))
        batch_op.add_column(sa.Column('cfop', sa.String(length=4), nullable=True))
    # Movements are unique per document line now (an order may sell one product on two lines); no
    # earlier version wrote a movement (imports never move stock), so line 0 for any row is safe.
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_line', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_constraint('uq_stock_movements_source', type_='unique')
        batch_op.create_unique_constraint('uq_stock_movements_source', ['source_type', 'source_id', 'source_line'])
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.alter_column('source_line', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_constraint('uq_stock_movements_source', type_='unique')
        batch_op.create_unique_constraint('uq_stock_movements_source', ['source_type', 'source_id', 'product_id'])
        batch_op.drop_column('source_line')
    with op.batch_alter_table('products', schema=None) as batch_op:
        for column in ('cfop', 'gtin', 'unit', 'origin', 'cest', 'ncm'):
            batch_op.drop_column(column)
    op.drop_table('receivables')
    op.drop_table('simple_sales')
    op.drop_table('invoices')
    op.drop_table('company')
