"""The ERP core's tables (sales, stock). Each connector keeps its own tables beside it, on the same metadata."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Enum, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from lojasync.db.metadata import metadata, sentinel, timestamps, utcnow
from lojasync.db.trigram import INDEXED, SCHEMA
from lojasync.db.types import AddressJSON, MoneyCents, ShippingJSON, UTCDateTime
from lojasync.sales.history import ProcessedBy
from lojasync.sales.status import OrderStatus


def _values(enum) -> list[str]:
    return [member.value for member in enum]


customers = Table(
    "customers", metadata,
    sentinel(),
    Column("id", Integer, primary_key=True),
    Column("tax_id", String(14), nullable=False, unique=True),
    Column("kind", String(4), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(200)),
    Column("phone", String(40)),
    Column("address", AddressJSON),
    # Inscrição estadual, set by the operator (the store sends none): empty = not an ICMS contributor.
    Column("state_registration", String(16)),
    # The name as a search compares it (`shared.search_text.fold`), written with every change (`search_columns`).
    Column("search_name", String(200)),
    # When the store's data kept here was current (the updated_at of the store order it came from): an order read
    # later but older does not bring older contact data back. NULL: kept before this was recorded.
    Column("store_data_at", UTCDateTime),
    *timestamps(),
)

products = Table(
    "products", metadata,
    sentinel(),
    Column("id", Integer, primary_key=True),
    Column("sku", String(100), unique=True),
    Column("name", String(300), nullable=False),
    Column("price", MoneyCents, nullable=False),
    Column("created_by_store", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    # Fiscal data (NCM, CEST, origem, unidade, GTIN, CFOP): empty ones take the company's defaults.
    Column("ncm", String(8)),
    Column("cest", String(7)),
    Column("origin", String(1)),
    Column("unit", String(6)),
    Column("gtin", String(14)),
    Column("cfop", String(4)),
    # The name and the SKU as the Estoque list searches and sorts them (`shared.search_text.fold`), written with
    # every change (`search_columns`): the list reads a page at a time, the same on SQLite and PostgreSQL. Text: a
    # folded name can be longer than the name ("ß" is "ss"), and a cut one would sort and match otherwise.
    Column("search_name", Text),
    Column("search_sku", Text),
)

stock_movements = Table(
    "stock_movements", metadata,
    Column("id", Integer, primary_key=True),
    Column("product_id", ForeignKey("products.id"), nullable=False, index=True),
    Column("quantity", Integer, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("source_type", String(40), nullable=False),
    Column("source_id", String(64), nullable=False),
    Column("source_line", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    # Who made it, in words ("operador ana@loja.com.br", "sistema"): null on movements written before 0051.
    Column("made_by", String(300)),
    # A source document (NF-e, venda simples) moves each of its lines once: retries cannot issue twice.
    UniqueConstraint("source_type", "source_id", "source_line", name="uq_stock_movements_source"),
)

orders = Table(
    "orders", metadata,
    sentinel(),
    Column("id", Integer, primary_key=True),
    Column("status", Enum(OrderStatus, native_enum=False, length=20, values_callable=_values),
           nullable=False, index=True),
    Column("origin", String(40)),
    Column("origin_number", String(40), index=True),
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
    # How it ships as the store says (carrier's code, option, pickup at the store): the NF-e's transport group.
    # Empty for orders imported before it was kept, until the store sends them again.
    Column("shipping", ShippingJSON),
    # The marketplace it was sold on (`sales.marketplaces`), None for the merchant's own store: the NF-e names it.
    Column("marketplace", String(40)),
    # The currency the store priced it in ("BRL"), None when it did not say or the order came before it was kept.
    Column("currency", String(10)),
    Column("placed_at", UTCDateTime, index=True),
    Column("paid_at", UTCDateTime),
    Column("note", Text),
    Column("needs_attention", Boolean, nullable=False, default=False, index=True),
    # Every reason pending for a person, one per line (each NF-e problem's is up to 500 characters): unbounded,
    # so a second problem never pushes out the first.
    Column("attention_reason", Text),
    # nfe | simple_sale: the fiscal fact that makes the order processed (imports never undo it).
    Column("processed_by", Enum(ProcessedBy, native_enum=False, length=20, values_callable=_values)),
    # A store change held back while the document stood (sales.orders.Order.held_change): its digest.
    Column("held_change", String(64)),
    # The shipment's tracking code and its page, as the back office recorded them (sales.tracking): the store
    # learns them through the store updates queue; imports never touch them.
    Column("tracking_code", String(60)),
    Column("tracking_url", String(500)),
    # For the order search, written with every change (lojasync.db.search_columns): the contact's and the
    # customer's names folded (lower case, no accents), and their CPF/CNPJ without punctuation.
    Column("search_name", String(410), nullable=False, default="", server_default=""),
    Column("search_document", String(90), nullable=False, default="", server_default=""),
    *timestamps(),
    # A text search reads this index, not the orders' rows (a tenth of the pages), filtered by status or period.
    Index("ix_orders_search", "search_name", "search_document", "origin_number", "customer_id", "status",
          "placed_at"),
    # PostgreSQL answers LIKE '%...%' from these (with pg_trgm; lojasync.db.trigram, migration 0016).
    *(Index(name, column, postgresql_using="gin", postgresql_ops={column: f"{SCHEMA}.gin_trgm_ops"})
      .ddl_if(dialect="postgresql") for column, name in INDEXED.items()),
)

order_lines = Table(
    "order_lines", metadata,
    sentinel(),
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("product_id", ForeignKey("products.id"), index=True),
    Column("sku", String(100)),
    Column("name", String(300), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", MoneyCents, nullable=False),
    Column("total", MoneyCents, nullable=False),
    # The origin's own reference of the item sold (a Nuvemshop variant id): what tells apart two items without a SKU
    # at the same price. NULL on lines imported before it was kept.
    Column("store_variant_id", String(40)),
    # The store's promotion on this line (Nuvemshop's `promotional_discount.contents`), part of the order's discount:
    # its NF-e item's own vDesc, not shared by the other lines. 0 on a line of a promoted order the promotion did not
    # reach; NULL when the store said nothing per line usable (no promotion, data that did not add up) and on lines
    # imported before it was kept: the whole discount is then shared by value, as before.
    Column("promotion", MoneyCents),
    UniqueConstraint("order_id", "position", name="uq_order_lines_order_position"),
)

order_history = Table(
    "order_history", metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(40), nullable=False),
    # store | webhook | sync | operator | system
    Column("actor", String(20), nullable=False),
    # Who, when a person did it: a user's e-mail, an API token's name, "terminal (login)". An employee's
    # working identity, kept on purpose (an audit trail), not a customer's data: LGPD erasure leaves it.
    Column("actor_name", String(254)),
    # References and codes only (no names, e-mails or documents): text is built when shown.
    Column("params", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Index("ix_order_history_order", "order_id", "id"),
)
