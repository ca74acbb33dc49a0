"""Classical (imperative) mapping of the ERP core: the domain classes stay plain Python; this maps them.

Connectors map their own records on the same registry (see `lojasync.nuvemshop.db.orm`).
"""

from __future__ import annotations

from sqlalchemy.orm import deferred, registry, relationship

from lojasync.db import finance_tables, fiscal_tables
from lojasync.db import tables as t
from lojasync.db.search_columns import maintain_search_columns
from lojasync.finance.receivables import Receivable
from lojasync.fiscal.carriers import RegisteredCarrier
from lojasync.fiscal.company import Company
from lojasync.fiscal.invoices import Invoice
from lojasync.fiscal.simple_sales import SimpleSale
from lojasync.sales.customers import Customer
from lojasync.sales.history import HistoryEntry
from lojasync.sales.orders import Order, OrderLine
from lojasync.stock.ledger import StockMovement
from lojasync.stock.products import Product

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
    reg.map_imperatively(HistoryEntry, t.order_history)
    reg.map_imperatively(Company, fiscal_tables.company)
    reg.map_imperatively(RegisteredCarrier, fiscal_tables.carriers)
    # The XML columns are a few kB each: read when used (sending, the files), not with every status check.
    reg.map_imperatively(Invoice, fiscal_tables.invoices, properties={
        name: deferred(fiscal_tables.invoices.c[name]) for name in ("xml", "proc_xml", "cancel_xml")})
    reg.map_imperatively(SimpleSale, fiscal_tables.simple_sales)
    reg.map_imperatively(Receivable, finance_tables.receivables)
    maintain_search_columns()
