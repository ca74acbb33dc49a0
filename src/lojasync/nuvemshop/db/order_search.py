"""The order listing with the store in view: which orders are a store's is known only to its bindings."""

from __future__ import annotations

from sqlalchemy import Select

from lojasync.db.order_search import OrderSearchRepository, Scope
from lojasync.db.tables import orders
from lojasync.nuvemshop.db.tables import order_bindings
from lojasync.sales.order_filter import OrderFilter
from lojasync.sales.orders import Order


class StoreOrderSearchRepository(OrderSearchRepository):
    def page(self, criteria: OrderFilter, offset: int, limit: int | None, store_id: int | None = None
             ) -> tuple[list[Order], int]:
        """The core's page; only the orders of store `store_id` when given."""
        return self.page_within(criteria, offset, limit, _of_store(store_id))

    def with_origin_number(self, number: str, store_id: int | None = None) -> list[Order]:
        return self.origin_number_within(number, _of_store(store_id))


def _of_store(store_id: int | None) -> Scope | None:
    if store_id is None:
        return None

    def narrow(query: Select) -> Select:
        # A join, not `id IN (the store's orders)`: the orders are read first (newest first, or from a
        # period's index) and each one's binding is looked up by its unique order id. "+ 0" keeps SQLite,
        # which has no statistics here, from starting with every binding of the store instead: 30 ms for a
        # month's count and 37 ms for a first page on 100,000 orders, against 3 ms and under 1 ms.
        return query.join(order_bindings, order_bindings.c.order_id == orders.c.id).where(
            order_bindings.c.store_id + 0 == store_id)
    return narrow
