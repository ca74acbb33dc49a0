"""Classical (imperative) mapping: the domain classes stay plain Python; this module maps them."""

from __future__ import annotations

from sqlalchemy.orm import registry, relationship

from lojasync.db import tables as t
from lojasync.nuvemshop.model.records import (
    CustomerBinding, ImportFailure, OrderBinding, ProductBinding, Store, WebhookEvent,
)
from lojasync.sales.history import SyncLogEntry
from lojasync.stock.products import Product, StockMovement
from lojasync.sales.customers import Customer
from lojasync.sales.orders import Order, OrderLine

mapper_registry = registry()
_started = False


def start_mappers() -> None:
    """Map once per process; idempotent because every entrypoint calls it through bootstrap."""
    global _started
    if _started:
        return
    _started = True
    reg = mapper_registry
    reg.map_imperatively(Customer, t.customers)
    reg.map_imperatively(Product, t.products)
    reg.map_imperatively(StockMovement, t.stock_movements)
    reg.map_imperatively(OrderLine, t.order_lines, properties={
        "product": relationship(Product, lazy="joined"),
    })
    reg.map_imperatively(Order, t.orders, properties={
        "customer": relationship(Customer, lazy="joined"),
        "lines": relationship(OrderLine, order_by=t.order_lines.c.position, cascade="all, delete-orphan",
                              lazy="selectin"),
    })
    reg.map_imperatively(Store, t.stores)
    reg.map_imperatively(OrderBinding, t.order_bindings, properties={
        "order": relationship(Order),
    })
    reg.map_imperatively(CustomerBinding, t.customer_bindings, properties={
        "customer": relationship(Customer),
    })
    reg.map_imperatively(ProductBinding, t.product_bindings, properties={
        "product": relationship(Product),
    })
    reg.map_imperatively(ImportFailure, t.import_failures)
    reg.map_imperatively(WebhookEvent, t.webhook_events)
    reg.map_imperatively(SyncLogEntry, t.sync_log, properties={
        "order": relationship(Order),
    })
