"""The order listing with the store in view: which orders are a store's is known only to its bindings."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from lojasync.db.order_search import OrderSearchRepository
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


def _of_store(store_id: int | None) -> list[ColumnElement[bool]]:
    if store_id is None:
        return []
    # (store_id, order_id) is an index of the bindings: the store's orders are read from it alone.
    return [orders.c.id.in_(select(order_bindings.c.order_id).where(order_bindings.c.store_id == store_id))]
