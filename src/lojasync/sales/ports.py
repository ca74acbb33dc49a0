"""What the sales use cases need from persistence (the database adapter and the test fakes provide it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from lojasync.sales.customers import Customer
from lojasync.sales.events import OrderEvent
from lojasync.sales.history import HistoryEntry
from lojasync.sales.order_filter import OrderFilter
from lojasync.sales.orders import Order
from lojasync.sales.status import OrderStatus


@dataclass(frozen=True)
class OriginRef:
    """Where an order came from, as the connector that brought it knows it (the store's own ids and
    states). Sales shows it and never depends on which store platform it is."""

    order_id: int
    reference: str                    # the order's id in the store
    number: str | None                # the order's number in the store
    states: dict[str, str | None] = field(default_factory=dict)   # the store's own statuses
    updated_at: datetime | None = None
    synced_at: datetime | None = None
    store: str | None = None          # the store's own id (two stores may both have an order #100)
    store_name: str | None = None


class OrderRepository(Protocol):
    # for_update: locked until the transaction ends (PostgreSQL); lines=False: without reading its lines.
    def get(self, number: int, *, for_update: bool = False, lines: bool = True) -> Order | None: ...

    def list(self, status: OrderStatus | None = None, needs_attention: bool | None = None,
             without_customer: bool = False, limit: int | None = None) -> list[Order]: ...

    def sale_lines(self, order_id: int) -> list[tuple]:
        """(position, product_id, quantity, unit_price) of the order's lines that have a product, by position,
        as stored: without loading the lines."""

    def for_processing(self, numbers: Iterable[int]) -> dict[int, Order]:
        """These orders with their lines, by number (the unknown ones left out), locked until the transaction ends
        as `get(number, for_update=True)` locks one: in one round trip, for a batch's group of documents. They are
        locked in the order of their numbers, so that two transactions locking several never wait for each other
        (a deadlock)."""


class OrderSearch(Protocol):
    """The order listing's queries: a filter answered by the database, a page at a time."""

    def page(self, criteria: OrderFilter, offset: int, limit: int | None) -> tuple[list[Order], int]:
        """The matching orders from `offset` (at most `limit`; all when None), newest first, and how many
        match in all."""

    def with_origin_number(self, number: str) -> list[Order]:
        """Orders whose number in their store is `number` (several stores may use the same)."""


class CustomerRepository(Protocol):
    def add(self, customer: Customer) -> None: ...

    def by_tax_ids(self, tax_ids: Iterable[str]) -> dict[str, Customer]: ...

    def by_tax_id(self, tax_id: str) -> Customer | None: ...

    def by_ids(self, customer_ids: Iterable[int]) -> dict[int, Customer]: ...

    def list(self) -> list[Customer]: ...

    def page(self, text: str | None, offset: int = 0, limit: int | None = None) -> tuple[list[Customer], int]:
        """The customers whose name, e-mail or CPF/CNPJ contains `text`, by name, and how many match in all."""


class HistoryRepository(Protocol):
    def add(self, event: OrderEvent) -> None:
        """Keep the event for the order's history; written with the transaction."""

    def for_order(self, order_id: int, latest: int | None = None) -> list[HistoryEntry]:
        """Oldest first; `latest`: only that many of the newest."""

    def count_for_order(self, order_id: int) -> int: ...


class OriginRepository(Protocol):
    def for_orders(self, order_ids: Iterable[int]) -> dict[int, OriginRef]: ...


class SalesUnitOfWork(Protocol):
    orders: OrderRepository
    order_search: OrderSearch
    customers: CustomerRepository
    order_history: HistoryRepository
    origins: OriginRepository

    def __enter__(self) -> SalesUnitOfWork: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def commit(self) -> None: ...
