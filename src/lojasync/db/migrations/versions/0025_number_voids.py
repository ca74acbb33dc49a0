"""requests to void (inutilizar) ranges of NF-e numbers at SEFAZ

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 15:00:00

A discarded NF-e leaves its number unused, a gap the issuer must close at SEFAZ (NFeInutilizacao4); lojasync
said so and gave no way to do it.
"""
from alembic import op
import sqlalchemy as sa

import lojasync.db.types


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'number_voids',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('environment', sa.String(length=1), nullable=False),
        sa.Column('series', sa.Integer(), nullable=False),
        sa.Column('first_number', sa.Integer(), nullable=False),
        sa.Column('last_number', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=255), nullable=False),
        sa.Column('status', sa.Enum('requested', 'voided', 'rejected', name='voidstatus', native_enum=False,
                                    length=20), nullable=False),
        sa.Column('requested_at', lojasync.db.types.UTCDateTime(), nullable=False),
        sa.Column('requested_by', sa.String(length=254), nullable=True),
        sa.Column('protocol', sa.String(length=20), nullable=True),
        sa.Column('voided_at', lojasync.db.types.UTCDateTime(), nullable=True),
        sa.Column('rejection_code', sa.String(length=3), nullable=True),
        sa.Column('rejection_reason', sa.String(length=500), nullable=True),
        sa.Column('request_xml', sa.Text(), nullable=True),
        sa.Column('proc_xml', sa.Text(), nullable=True),
        sa.Column('simulated', sa.Boolean(), nullable=False),
        sa.Column('created_at', lojasync.db.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', lojasync.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_number_voids')),
    )
    op.create_index('ix_number_voids_range', 'number_voids', ['environment', 'series', 'first_number'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_number_voids_range', table_name='number_voids')
    op.drop_table('number_voids')
