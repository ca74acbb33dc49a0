"""Classical mapping of the connector's records, on the core's registry (the core maps first)."""

from __future__ import annotations

from sqlalchemy.orm import relationship

from lojasync.db import orm as core
from lojasync.nuvemshop.db import tables as t
from lojasync.nuvemshop.model.bindings import CustomerBinding, OrderBinding, ProductBinding
from lojasync.nuvemshop.model.import_failures import ImportFailure
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.model.store_log import StoreLogEntry
from lojasync.nuvemshop.model.webhook_events import WebhookEvent
from lojasync.sales.customers import Customer
from lojasync.sales.orders import Order
from lojasync.stock.products import Product

_started = False


def start_mappers() -> None:
    """Map the core and the connector once per process (idempotent)."""
    global _started
    core.start_mappers()
    if _started:
        return
    _started = True
    reg = core.mapper_registry
    reg.map_imperatively(Store, t.stores)
    reg.map_imperatively(OrderBinding, t.order_bindings, properties={"order": relationship(Order)})
    reg.map_imperatively(CustomerBinding, t.customer_bindings, properties={"customer": relationship(Customer)})
    reg.map_imperatively(ProductBinding, t.product_bindings, properties={"product": relationship(Product)})
    reg.map_imperatively(ImportFailure, t.import_failures)
    reg.map_imperatively(WebhookEvent, t.webhook_events)
    reg.map_imperatively(StoreLogEntry, t.store_log)
