"""Tables of finance: the receivables (contas a receber)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Enum, ForeignKey, Integer, String, Table, UniqueConstraint

from lojasync.db.metadata import metadata, timestamps
from lojasync.db.types import MoneyCents, UTCDateTime
from lojasync.finance.receivables import ReceivableStatus

receivables = Table(
    "receivables", metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), index=True),
    Column("source_type", String(20), nullable=False),
    Column("source_id", String(64), nullable=False),
    Column("installment", Integer, nullable=False),
    Column("installments", Integer, nullable=False),
    Column("amount", MoneyCents, nullable=False),
    Column("due_date", Date, nullable=False, index=True),
    Column("payment_method", String(40)),
    Column("status", Enum(ReceivableStatus, native_enum=False, length=20,
                          values_callable=lambda e: [m.value for m in e]), nullable=False, index=True),
    Column("needs_attention", Boolean, nullable=False, default=False),
    Column("attention_reason", String(300)),
    Column("received_at", UTCDateTime),
    # When a person cancelled it while its document stood (Cancelar conta): it may still be received.
    Column("written_off_at", UTCDateTime),
    # When the document that created it was cancelled: a receipt undone then leaves it cancelled, not open.
    Column("document_cancelled_at", UTCDateTime),
    *timestamps(),
    # A document creates each installment once: a retry or a concurrent approval cannot add a second.
    UniqueConstraint("source_type", "source_id", "installment", name="uq_receivables_source"),
)
