"""The order listing as queries: the filter of `sales.order_filter` in SQL, a page at a time.

A page costs three statements whatever the store's size: the count, the page's ids (from the indexes, newest
first) and the page's orders with their lines; a text search finds its matches once, for the count and the
page's ids alike, instead of the first two. Names and documents are compared with the search columns
(`search_columns`), LIKE on plain folded text: the same on SQLite and PostgreSQL, which answers it from trigram
indexes (`trigram`). Measured by `benchmarks/web_orders.py` on 100,000 orders.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy import ColumnElement, Select, case, false, func, or_, select, true
from sqlalchemy.orm import Session, lazyload, selectinload

from lojasync.db.tables import orders
from lojasync.sales.order_filter import OrderFilter, SearchTerms
from lojasync.sales.orders import Order, OrderLine
from lojasync.shared.batching import chunks

# Narrows a query on the orders table (a join and its condition): how a connector keeps one store's orders.
Scope = Callable[[Select], Select]


class OrderSearchRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def page(self, criteria: OrderFilter, offset: int, limit: int | None) -> tuple[list[Order], int]:
        return self.page_within(criteria, offset, limit, None)

    def page_within(self, criteria: OrderFilter, offset: int, limit: int | None, scope: Scope | None
                    ) -> tuple[list[Order], int]:
        """The page, among the orders `scope` keeps (a connector narrows the query to one store's)."""
        conditions = order_conditions(criteria)
        narrow = scope or (lambda query: query)
        terms = criteria.terms()
        if terms is not None:
            return self._text_page(narrow(select(orders.c.id, _exact(terms)).where(*conditions)), offset, limit)
        total = self.session.scalar(narrow(select(func.count()).select_from(orders).where(*conditions))) or 0
        if total <= offset:
            return [], total
        ids_query = narrow(select(orders.c.id).where(*conditions)).order_by(orders.c.id.desc()).offset(offset or None)
        ids = list(self.session.scalars(ids_query.limit(limit) if limit else ids_query))
        return self.by_ids(ids), total

    def _text_page(self, matching_ids: Select, offset: int, limit: int | None) -> tuple[list[Order], int]:
        """A text search's page and count from one pass over its matches (the trigram indexes on PostgreSQL,
        the covering index on SQLite), and only the page's ids leave the database: "a" matches nearly every
        order, and 100,000 ids sorted in Python cost 90 ms of the process's CPU. MATERIALIZED: with the LIMIT
        beside it the planner would walk the primary key backwards through every order to spare a sort of a
        few matches (2 ms -> 70 ms on PostgreSQL); SQLite materializes a CTE read twice by itself."""
        matching = matching_ids.cte("matching").prefix_with("MATERIALIZED", dialect="postgresql")
        total = select(func.count()).select_from(matching).scalar_subquery()
        # The order whose number was typed first, then the newest: "100" also matches every CPF/CNPJ with 100 in
        # it (a CNPJ's branch is 0001), and order 100 came fifth, or on the second page.
        query = select(matching.c.id, total).order_by(matching.c.exact.desc(), matching.c.id.desc()) \
            .offset(offset or None)
        rows = self.session.execute(query.limit(limit) if limit else query).all()
        if not rows:    # none, or a page past the last: the count alone
            return [], self.session.scalar(select(func.count()).select_from(matching)) or 0
        return self.by_ids([row[0] for row in rows]), rows[0][1]

    def by_ids(self, ids: list[int]) -> list[Order]:
        """These orders with their lines and customers, in the order of `ids`."""
        found: dict[int, Order] = {}
        # A listing shows each line's product id, which the line holds: its product is not loaded.
        lines = selectinload(Order.lines).options(lazyload(OrderLine.product))
        for chunk in chunks(ids):
            query = select(Order).where(Order.id.in_(chunk)).options(lines)
            found.update((o.id, o) for o in self.session.scalars(query).unique())
        return [found[i] for i in ids if i in found]

    def with_origin_number(self, number: str) -> list[Order]:
        return self.origin_number_within(number, None)

    def origin_number_within(self, number: str, scope: Scope | None) -> list[Order]:
        query = select(orders.c.id).where(orders.c.origin_number == number)
        ids = self.session.scalars((scope(query) if scope else query).order_by(orders.c.id.desc()))
        return self.by_ids(list(ids))


def order_conditions(criteria: OrderFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the filter (all must hold)."""
    conditions: list[ColumnElement[bool]] = []
    if criteria.status is not None:
        conditions.append(orders.c.status == criteria.status)
    if criteria.origin is not None:
        conditions.append(orders.c.origin == criteria.origin)
    if criteria.without_customer is not None:
        conditions.append(orders.c.customer_id.is_(None) if criteria.without_customer
                          else orders.c.customer_id.is_not(None))
    if criteria.needs_attention is not None:
        conditions.append(orders.c.needs_attention == criteria.needs_attention)
    if criteria.placed_from is not None:
        conditions.append(_since(criteria.placed_from))
    if criteria.placed_before is not None:
        conditions.append(_until(criteria.placed_before))
    if criteria.order_ids is not None:
        wanted = sorted(set(criteria.order_ids))
        conditions.append(orders.c.id.in_(wanted) if wanted else false())
    terms = criteria.terms()
    if terms is not None:
        conditions.append(text_condition(terms))
    return conditions


def _since(moment: datetime) -> ColumnElement[bool]:
    if _in_range(moment):
        return orders.c.placed_at >= moment
    return false() if moment.year > 1 else true()     # after the end of time / from its beginning


def _until(moment: datetime) -> ColumnElement[bool]:
    if _in_range(moment):
        return orders.c.placed_at < moment
    return true() if moment.year > 1 else false()


def _in_range(moment: datetime) -> bool:
    """Whether the moment exists in UTC, as the column keeps it (31/12/9999 in São Paulo does not)."""
    try:
        moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return False
    return True


def _exact(terms: SearchTerms) -> ColumnElement[int]:
    """1 for an order whose number (the ERP's or the store's) is the text typed, else 0: listed first."""
    number = [orders.c.origin_number == terms.number]
    if terms.erp_number is not None:
        number.append(orders.c.id == terms.erp_number)
    return case((or_(*number), 1), else_=0).label("exact")


def text_condition(terms: SearchTerms) -> ColumnElement[bool]:
    """The order's number, the store's number, a part of the contact's or the customer's name, or a part of
    either's CPF/CNPJ (any of them): one LIKE per kind over the search columns, which hold both."""
    either = [orders.c.origin_number == terms.number]
    if terms.words:
        either.append(orders.c.search_name.contains(terms.words, autoescape=True))
    if terms.erp_number is not None:
        either.append(orders.c.id == terms.erp_number)
    if terms.document:
        either.append(orders.c.search_document.contains(terms.document, autoescape=True))
    return or_(*either)
