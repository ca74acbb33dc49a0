"""The order listing in memory: the filter's own rule (`sales.order_filter.matches`) over the fake's orders,
narrowed to one store through the fake bindings, as the SQL repository narrows it through the real ones."""

from __future__ import annotations

from lojasync.sales.order_filter import OrderFilter, matches


class FakeOrderSearch:
    def __init__(self, orders, bindings) -> None:
        self.orders, self.bindings = orders, bindings

    def page(self, criteria: OrderFilter, offset: int, limit: int | None, store_id: int | None = None
             ) -> tuple[list, int]:
        found = [o for o in self._newest_first(store_id) if matches(criteria, o)]
        return (found[offset:offset + limit] if limit else found[offset:]), len(found)

    def with_origin_number(self, number: str, store_id: int | None = None) -> list:
        return [o for o in self._newest_first(store_id) if o.origin_number == number]

    def _newest_first(self, store_id: int | None) -> list:
        orders = sorted(self.orders.rows, key=lambda o: -o.id)
        if store_id is None:
            return orders
        bound = self.bindings.for_orders(o.id for o in orders)
        return [o for o in orders if o.id in bound and bound[o.id].store_id == store_id]
