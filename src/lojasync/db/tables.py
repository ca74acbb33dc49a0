"""The database schema (SQLAlchemy Core tables). Alembic migrations are generated from it."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON, Boolean, Column, Enum, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint,
    insert_sentinel,
)

from lojasync.db.types import AddressJSON, DecimalSafeJSON, MoneyCents, UTCDateTime
from lojasync.sales.status import OrderStatus


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


def _sentinel() -> Column:
    """SQLite cannot match RETURNING rows to parameters by ROWID, so without a client-side sentinel
    the ORM inserts new rows one statement at a time: a third of the import time."""
    return insert_sentinel("insert_sentinel")


def _timestamps() -> list[Column]:
    return [
        Column("created_at", UTCDateTime, nullable=False, default=utcnow),
        Column("updated_at", UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow),
    ]


customers = Table(
    "customers", metadata,
    _sentinel(),
    Column("id", Integer, primary_key=True),
    Column("tax_id", String(14), nullable=False, unique=True),
    Column("kind", String(4), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(200)),
    Column("phone", String(40)),
    Column("address", AddressJSON),
    *_timestamps(),
)

products = Table(
    "products", metadata,
    _sentinel(),
    Column("id", Integer, primary_key=True),
    Column("sku", String(100), unique=True),
    Column("name", String(300), nullable=False),
    Column("price", MoneyCents, nullable=False),
    Column("created_by_store", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
)

stock_movements = Table(
    "stock_movements", metadata,
    Column("id", Integer, primary_key=True),
    Column("product_id", ForeignKey("products.id"), nullable=False, index=True),
    Column("quantity", Integer, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("source_type", String(40), nullable=False),
    Column("source_id", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    # A source document (NF-e, venda simples) moves each product once: retries cannot issue twice.
    UniqueConstraint("source_type", "source_id", "product_id", name="uq_stock_movements_source"),
)

orders = Table(
    "orders", metadata,
    _sentinel(),
    Column("id", Integer, primary_key=True),
    Column("status", Enum(OrderStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
           nullable=False, index=True),
    Column("origin", String(40)),
    Column("origin_number", String(40)),
    Column("customer_id", ForeignKey("customers.id"), index=True),
    Column("customer_link", String(10)),
    Column("customer_problem", String(300)),
    Column("contact_name", String(200)),
    Column("contact_email", String(200)),
    Column("contact_phone", String(40)),
    Column("contact_document", String(40)),
    Column("subtotal", MoneyCents, nullable=False),
    Column("discount", MoneyCents, nullable=False),
    Column("freight", MoneyCents, nullable=False),
    Column("total", MoneyCents, nullable=False),
    Column("payment_method", String(40)),
    Column("payment_gateway", String(80)),
    Column("installments", Integer),
    Column("billing_address", AddressJSON),
    Column("shipping_address", AddressJSON),
    Column("placed_at", UTCDateTime),
    Column("note", Text),
    Column("needs_attention", Boolean, nullable=False, default=False, index=True),
    Column("attention_reason", String(500)),
    Column("processed_reason", String(200)),
    *_timestamps(),
)

order_lines = Table(
    "order_lines", metadata,
    _sentinel(),
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("product_id", ForeignKey("products.id"), index=True),
    Column("sku", String(100)),
    Column("name", String(300), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", MoneyCents, nullable=False),
    Column("total", MoneyCents, nullable=False),
    UniqueConstraint("order_id", "position", name="uq_order_lines_order_position"),
)

stores = Table(
    "nuvemshop_stores", metadata,
    Column("id", Integer, primary_key=True),
    Column("external_id", String(40), nullable=False, unique=True),
    Column("name", String(200)),
    Column("api_url", String(300), nullable=False),
    Column("access_token", String(500), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    # app/suspended: the API answers 402 until app/resumed; nothing is synced meanwhile.
    Column("paused", Boolean, nullable=False, default=False, server_default="0"),
    Column("sync_cursor", UTCDateTime),
    Column("run_started_at", UTCDateTime),
    Column("run_since", UTCDateTime),
    Column("run_next_page", Integer),
    Column("last_sync_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
)

order_bindings = Table(
    "nuvemshop_order_bindings", metadata,
    _sentinel(),
    Column("id", Integer, primary_key=True),
    Column("store_id", ForeignKey("nuvemshop_stores.id"), nullable=False),
    Column("external_id", String(40), nullable=False),
    Column("external_number", String(40)),
    Column("order_id", ForeignKey("orders.id"), unique=True),
    Column("store_status", String(40)),
    Column("store_payment_status", String(40)),
    Column("store_shipping_status", String(40)),
    Column("store_updated_at", UTCDateTime),
    Column("payload_hash", String(64)),
    Column("synced_at", UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow),
    # LGPD: the customer asked for erasure; later store updates must not bring the data back.
    Column("redacted_at", UTCDateTime),
    UniqueConstraint("store_id", "external_id", name="uq_nuvemshop_order_bindings_store_external"),
)

customer_bindings = Table(
    "nuvemshop_customer_bindings", metadata,
    _sentinel(),
    Column("id", Integer, primary_key=True),
    Column("store_id", ForeignKey("nuvemshop_stores.id"), nullable=False),
    Column("external_id", String(40), nullable=False),
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    UniqueConstraint("store_id", "external_id", name="uq_nuvemshop_customer_bindings_store_external"),
)

product_bindings = Table(
    "nuvemshop_product_bindings", metadata,
    _sentinel(),
    Column("id", Integer, primary_key=True),
    Column("store_id", ForeignKey("nuvemshop_stores.id"), nullable=False),
    Column("external_variant_id", String(40), nullable=False),
    Column("external_product_id", String(40)),
    Column("product_id", ForeignKey("products.id"), nullable=False, index=True),
    UniqueConstraint("store_id", "external_variant_id", name="uq_nuvemshop_product_bindings_store_variant"),
)

import_failures = Table(
    "nuvemshop_import_failures", metadata,
    Column("id", Integer, primary_key=True),
    Column("store_id", ForeignKey("nuvemshop_stores.id"), nullable=False),
    Column("external_id", String(40), nullable=False),
    Column("error", Text, nullable=False),
    Column("resolution", Text),
    Column("attempts", Integer, nullable=False, default=0),
    Column("retryable", Boolean, nullable=False, default=True),
    Column("payload", DecimalSafeJSON),
    Column("first_failed_at", UTCDateTime, nullable=False, default=utcnow),
    Column("last_failed_at", UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow),
    UniqueConstraint("store_id", "external_id", name="uq_nuvemshop_import_failures_store_external"),
)

sync_log = Table(
    "sync_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("store_id", ForeignKey("nuvemshop_stores.id"), nullable=False),
    Column("external_id", String(40)),
    Column("order_id", ForeignKey("orders.id"), index=True),
    Column("level", String(10), nullable=False),
    Column("event", String(40), nullable=False),
    Column("message", Text, nullable=False),
    Column("details", JSON),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Index("ix_sync_log_store_external", "store_id", "external_id"),
)

webhook_events = Table(
    "nuvemshop_webhook_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("store_id", ForeignKey("nuvemshop_stores.id"), index=True),
    Column("external_store_id", String(40), nullable=False),
    Column("event", String(60), nullable=False),
    Column("resource_id", String(40)),
    Column("body", JSON, nullable=False),
    Column("received_at", UTCDateTime, nullable=False, default=utcnow),
    # pending -> done | failed | ignored; failed ones keep the error and what to do about it.
    Column("status", String(10), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("resolution", Text),
    Column("processed_at", UTCDateTime),
    Index("ix_nuvemshop_webhook_events_status_store", "status", "store_id"),
    Index("ix_nuvemshop_webhook_events_status_processed", "status", "processed_at"),
)

store_leases = Table(
    "nuvemshop_store_leases", metadata,
    Column("store_id", ForeignKey("nuvemshop_stores.id"), primary_key=True),
    Column("holder", String(100), nullable=False),
    # A lease, not a lock: a worker killed with SIGKILL frees the store when it expires.
    Column("expires_at", UTCDateTime, nullable=False),
)

lgpd_exports = Table(
    "lgpd_exports", metadata,
    Column("id", Integer, primary_key=True),
    Column("store_id", ForeignKey("nuvemshop_stores.id"), nullable=False),
    Column("request_id", String(100), nullable=False),
    # In the database, not on one worker's disk: any machine (and the operator's CLI) can hand it over.
    Column("content", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    UniqueConstraint("store_id", "request_id", name="uq_lgpd_exports_store_request"),
)

periodic_runs = Table(
    "periodic_runs", metadata,
    # Every consumer schedules the periodic jobs; this row lets only the first one of each round run.
    Column("name", String(40), primary_key=True),
    Column("last_run_at", UTCDateTime, nullable=False),
)
