"""The Estoque list as queries: the rule of `stock.product_filter` in SQL, a page at a time.

A page costs two statements whatever the catalog's size (the count of matches and the page's products); the page
then reads the balances of its own products only. Names and SKUs are compared with the search columns
(`search_columns`), folded by Python's `fold` when written, so both databases compare the same text. Each text is
found with instr()/strpos(), not LIKE: no pattern to escape, and a long search cannot pass SQLite's limit on a
LIKE pattern; it matches as Python's `in` does.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from lojasync.db.tables import products, stock_movements
from lojasync.stock.counts import COUNT_SOURCE
from lojasync.stock.product_filter import ProductFilter
from lojasync.stock.products import Product


def listing_page(session: Session, criteria: ProductFilter, limit: int | None, offset: int
                 ) -> tuple[list[Product], int]:
    """`limit` of the products `criteria` shows from `offset` (all without `limit`), in the list's order
    (`product_filter.listing_order`), and how many it shows in all."""
    dialect = session.get_bind().dialect.name
    conditions = listing_conditions(criteria, dialect)
    matched = session.scalar(select(func.count()).select_from(products).where(*conditions)) or 0
    if matched <= offset:
        return [], matched
    query = select(Product).where(*conditions).order_by(*_order(dialect)).offset(offset or None)
    return list(session.scalars(query if limit is None else query.limit(limit))), matched


def listing_conditions(criteria: ProductFilter, dialect: str) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the filter (all must hold)."""
    conditions: list[ColumnElement[bool]] = []
    words = criteria.words
    if words:
        # A product without a SKU (or with an empty one) is named "id:N" by the list and found by it.
        reference = case((func.coalesce(products.c.sku, "") == "", literal("id:") + cast(products.c.id, String)),
                         else_=products.c.search_sku)
        conditions.append(or_(_contains(reference, words, dialect), _contains(products.c.search_name, words, dialect)))
    if criteria.created_by_store:
        conditions.append(products.c.created_by_store.is_(True))
    if criteria.managed:
        # The counted products found once (the source's unique index), not a probe of the ledger per product:
        # 140 ms -> 50 ms on SQLite with 20,000 products and 40,000 movements.
        conditions.append(products.c.id.in_(select(stock_movements.c.product_id)
                                            .where(stock_movements.c.source_type == COUNT_SOURCE)))
    if criteria.without_ncm:
        conditions.append(func.coalesce(products.c.ncm, "") == "")
    return conditions


def _contains(column, words: str, dialect: str) -> ColumnElement[bool]:
    position = func.strpos if dialect == "postgresql" else func.instr
    return position(column, words) > 0


def _order(dialect: str) -> list:
    """By folded name, SKU (none as ""), those without a SKU after, id: in code point order on both databases, as
    Python compares text (PostgreSQL's own collation would sort by the server's locale)."""
    def binary(column):
        return column.collate("C") if dialect == "postgresql" else column
    return [binary(products.c.search_name), binary(func.coalesce(products.c.sku, "")), products.c.sku.is_(None),
            products.c.id]
