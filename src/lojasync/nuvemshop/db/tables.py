"""The Nuvemshop connector's tables: connected stores, bindings from store ids to ERP rows, webhook
events, import failures, the store log, leases, LGPD exports and the updates waiting to be written to the
store. ERP tables carry no Nuvemshop column."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from lojasync.db.metadata import metadata, sentinel, utcnow
from lojasync.db.types import DecimalSafeJSON, UTCDateTime

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
    # A permanent error stopped the automatic sync: what happened and what a person should do.
    Column("attention_code", String(60)),
    Column("attention", Text),
    Column("attention_resolution", Text),
    Column("attention_at", UTCDateTime),
    # The last sync that ended, whoever ran it (the worker, the terminal): when, and how its orders ended or why it
    # stopped (`services.sync_runs`); and when a person asked for one (Sincronizar agora), until one begun since ends,
    # and for a full one (Sincronização completa), until a full one begun since ends.
    Column("last_run_at", UTCDateTime),
    Column("last_run", JSON),
    Column("sync_requested_at", UTCDateTime),
    Column("full_sync_requested_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
)

order_bindings = Table(
    "nuvemshop_order_bindings", metadata,
    sentinel(),
    Column("id", Integer, primary_key=True),
    Column("store_id", ForeignKey("nuvemshop_stores.id"), nullable=False),
    Column("external_id", String(40), nullable=False),
    Column("external_number", String(40)),
    Column("order_id", ForeignKey("orders.id"), unique=True),
    Column("store_status", String(40)),
    Column("store_payment_status", String(40)),
    Column("store_shipping_status", String(40)),
    Column("store_cancel_reason", String(40)),
    Column("store_updated_at", UTCDateTime),
    Column("payload_hash", String(64)),
    Column("synced_at", UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow),
    # LGPD: the customer asked for erasure; later store updates must not bring the data back.
    Column("redacted_at", UTCDateTime),
    UniqueConstraint("store_id", "external_id", name="uq_nuvemshop_order_bindings_store_external"),
    # One store's orders (the order list filtered by store) from the index alone.
    Index("ix_nuvemshop_order_bindings_store_order", "store_id", "order_id"),
)

customer_bindings = Table(
    "nuvemshop_customer_bindings", metadata,
    sentinel(),
    Column("id", Integer, primary_key=True),
    Column("store_id", ForeignKey("nuvemshop_stores.id"), nullable=False),
    Column("external_id", String(40), nullable=False),
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    UniqueConstraint("store_id", "external_id", name="uq_nuvemshop_customer_bindings_store_external"),
)

product_bindings = Table(
    "nuvemshop_product_bindings", metadata,
    sentinel(),
    Column("id", Integer, primary_key=True),
    Column("store_id", ForeignKey("nuvemshop_stores.id"), nullable=False),
    Column("external_variant_id", String(40), nullable=False),
    Column("external_product_id", String(40)),
    Column("product_id", ForeignKey("products.id"), nullable=False, index=True),
    # When the order whose line's SKU last bound the variant was placed: an older order's line cannot bind it back.
    Column("sku_order_placed_at", UTCDateTime),
    # When the store answered that the variant no longer exists: its stock is not sent any more, and the binding
    # stays, for the old orders with it that are read again (deleted, their lines without SKU made new products).
    Column("gone_at", UTCDateTime),
    UniqueConstraint("store_id", "external_variant_id", name="uq_nuvemshop_product_bindings_store_variant"),
)

import_failures = Table(
    "nuvemshop_import_failures", metadata,
    Column("id", Integer, primary_key=True),
    Column("store_id", ForeignKey("nuvemshop_stores.id"), nullable=False),
    Column("external_id", String(40), nullable=False),
    Column("error", Text, nullable=False),
    Column("error_code", String(60)),
    Column("resolution", Text),
    Column("attempts", Integer, nullable=False, default=0),
    Column("retryable", Boolean, nullable=False, default=True),
    Column("payload", DecimalSafeJSON),
    Column("first_failed_at", UTCDateTime, nullable=False, default=utcnow),
    Column("last_failed_at", UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow),
    UniqueConstraint("store_id", "external_id", name="uq_nuvemshop_import_failures_store_external"),
)

store_log = Table(
    # What happened to a store as a whole (install, suspension, LGPD, imports that failed before the order
    # existed): typed entries, text built when shown. Each order's own history is the core's order_history.
    "nuvemshop_store_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("store_id", ForeignKey("nuvemshop_stores.id"), nullable=False),
    Column("type", String(40), nullable=False),
    Column("actor", String(20), nullable=False),
    Column("params", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Index("ix_nuvemshop_store_log_store", "store_id", "id"),
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
    Column("error_code", String(60)),
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

spent_invites = Table(
    "nuvemshop_spent_invites", metadata,
    # An install invite connects one store: once its install went to the platform, it is spent (its hash here).
    Column("invite_id", String(64), primary_key=True),
    Column("spent_at", UTCDateTime, nullable=False),
)

periodic_runs = Table(
    "periodic_runs", metadata,
    # Every consumer schedules the periodic jobs; this row lets only the first one of each round run.
    Column("name", String(40), primary_key=True),
    Column("last_run_at", UTCDateTime, nullable=False),
)

store_updates = Table(
    # What the ERP must write to the store (a variant's stock, an NF-e key on an order): written in the
    # transaction of the change that causes it, pushed by the worker afterwards. One row per (store, kind,
    # target): a second change before the push only bumps the revision, so it costs no second call.
    "nuvemshop_store_updates", metadata,
    Column("id", Integer, primary_key=True),
    Column("store_id", ForeignKey("nuvemshop_stores.id"), nullable=False),
    Column("kind", String(10), nullable=False),            # stock | nfe_key | tracking
    Column("ref", String(40), nullable=False),             # the variant's id, or the order's id, in the store
    Column("parent_ref", String(40)),                      # stock: the variant's product id in the store
    Column("product_id", ForeignKey("products.id"), index=True),   # stock: the ERP product whose balance goes
    # nfe_key: the access key (none: take the key away); tracking: the code (the order has the code and link)
    Column("value", String(60)),
    Column("remote_id", String(40)),                       # nfe_key: the store's metafield id, once created
    Column("sent_value", String(60)),                      # what the last successful push wrote
    # pending -> done | failed; a change after the push makes it pending again (revision + 1).
    Column("status", String(10), nullable=False, default="pending"),
    Column("revision", Integer, nullable=False, default=1),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime),
    # Since when the store has been answering this update with an error, across new values (a busy product's stock
    # changes at every sale): cleared by a push that lands or a person's Reenviar. What tells late from new.
    Column("failing_since", UTCDateTime),
    Column("last_error", Text),
    Column("resolution", Text),
    Column("pushed_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("updated_at", UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow),
    UniqueConstraint("store_id", "kind", "ref", name="uq_nuvemshop_store_updates_store_kind_ref"),
    Index("ix_nuvemshop_store_updates_status_store", "status", "store_id"),
)

import_settings = Table(
    # The import rules the operator changed in the lojasync (Configurações, `lojasync import-rules set`): one
    # row per rule (status_rules, unknown_sku, reconcile_minutes). A row wins over the LOJASYNC_* variable, so
    # nobody restarts the service to change a rule; no row: the variable, else the default.
    "import_settings", metadata,
    Column("key", String(40), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False, default=utcnow),
    Column("updated_by", String(254)),
)
