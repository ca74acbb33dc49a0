"""What the stock use cases need from persistence."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from lojasync.stock.ledger import StockMovement
from lojasync.stock.product_filter import ProductFilter
from lojasync.stock.products import Product


class ProductRepository(Protocol):
    def add(self, product: Product) -> None: ...

    def by_skus(self, skus: Iterable[str], for_update: bool = False) -> dict[str, Product]: ...

    def by_sku_ignoring_case(self, sku: str, for_update: bool = False) -> list[Product]:
        """The products whose SKU equals `sku` but for upper and lower case."""

    def by_id(self, product_id: int, for_update: bool = False) -> Product | None: ...

    def by_ids(self, product_ids: Iterable[int]) -> dict[int, Product]: ...

    def list(self, limit: int | None = None, offset: int = 0) -> list[Product]:
        """The products by SKU, then id (`limit` of them from `offset`; without `limit`, all)."""

    def count(self) -> int: ...

    def listing(self, criteria: ProductFilter, limit: int | None = None, offset: int = 0
                ) -> tuple[list[Product], int]:
        """`limit` of the products `criteria` shows from `offset` (all without `limit`), in the Estoque list's order,
        and how many it shows in all (`product_filter`: the rule)."""

    def stock_levels(self, product_ids: Iterable[int] | None = None) -> dict[int, int]:
        """Stock on hand per product id (all, or these): the sum of its ledger."""

    def counted(self, product_ids: Iterable[int] | None = None) -> set[int]:
        """The products (all, or of these) that had a stock count: their stock is managed by the ERP."""

    def short(self, product_ids: Iterable[int]) -> dict[int, int]:
        """The counted products among these whose stock is below zero, with their balance."""

    def reserved(self, product_ids: Iterable[int]) -> dict[int, int]:
        """Units of these counted products on open orders (not cancelled, not yet issued) placed since the
        product's first count."""

    def movement_count(self) -> int: ...


class StockMovementRepository(Protocol):
    def add(self, movement: StockMovement) -> None: ...

    def add_all(self, movements: list[StockMovement]) -> None:
        """Write these movements (one statement for all of a document's lines)."""

    def add_new(self, movements: list[StockMovement]) -> list[StockMovement]:
        """Write those whose (source type, source id, line) has no movement yet, in one statement; returns
        those written (the unique key decides, so a second run or a concurrent one writes nothing)."""

    def for_source(self, source_type: str, source_id: str) -> list[StockMovement]: ...

    def for_product(self, product_id: int, limit: int | None = None, offset: int = 0,
                    newest_first: bool = False) -> list[StockMovement]:
        """The product's movements in the order they were written (by id), or newest first: `limit` of them from
        `offset`, or all."""

    def count_for_product(self, product_id: int) -> int: ...

    def balance_before(self, product_id: int, movement_id: int) -> int:
        """The sum of the product's movements written before this one: the balance a page of its ledger starts from."""


class StockUnitOfWork(Protocol):
    products: ProductRepository
    stock_movements: StockMovementRepository

    def __enter__(self) -> StockUnitOfWork: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def commit(self) -> None: ...
