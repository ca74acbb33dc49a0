"""Repositories of the ERP core: the queries the use cases need, batched so a page of 200 orders costs a
few round trips."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from sqlalchemy import Text, bindparam, cast, func, insert, or_, select, text, update
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload

from lojasync.db.engine import UNICODE_LOWER
from lojasync.db.metadata import utcnow
from lojasync.db.product_listing import listing_page
from lojasync.db.tables import customers as customers_table
from lojasync.db.tables import order_history, order_lines
from lojasync.db.tables import orders as order_table
from lojasync.sales.customers import Customer
from lojasync.sales.events import OrderEvent
from lojasync.sales.history import HistoryEntry, actor_name
from lojasync.sales.order_filter import SearchTerms
from lojasync.sales.orders import Order
from lojasync.sales.status import OrderStatus
from lojasync.shared.batching import chunks
from lojasync.shared.numbers import can_be_an_id
from lojasync.shared.search_text import fold
from lojasync.stock.counts import COUNT_SOURCE
from lojasync.stock.ledger import StockMovement
from lojasync.stock.product_filter import ProductFilter
from lojasync.stock.products import Product


# The lookups every NF-e and sale runs use statements built once per process, with bind parameters:
# building a select and computing its cache key costs about 0.1 ms each time, more than SQLite takes to
# answer it (benchmarks/invoice_throughput.py).
@functools.cache
def _order(lines: bool, for_update: bool, after_lock: bool = False):
    query = select(Order).where(Order.id == bindparam("number"))
    # With its lines (and their products) in the same query: one round trip instead of the selectin's two,
    # ~0.25 ms less per NF-e generated. `after_lock` (PostgreSQL, locking): a read that waited for the lock
    # re-reads the order row, but the rows joined to it (lines, customer) stay those of the snapshot taken
    # before the wait (an import that changed them meanwhile would go unseen); the selectins' own queries,
    # run once the lock is held, read them as committed.
    if lines:
        query = query.options(selectinload(Order.lines) if after_lock else joinedload(Order.lines))
    else:
        query = query.options(lazyload(Order.lines))
    if after_lock:
        query = query.options(selectinload(Order.customer))
    # Generating a document locks the order: two generations at once cannot both find it free.
    return query.with_for_update(of=Order) if for_update else query  # not the joined customer


@functools.cache
def _orders_with_lines():
    return (select(Order).where(Order.id.in_(bindparam("ids", expanding=True))).options(joinedload(Order.lines))
            .execution_options(populate_existing=True))


_LOCK_ORDERS = (select(order_table.c.id).where(order_table.c.id.in_(bindparam("ids", expanding=True)))
                .order_by(order_table.c.id).with_for_update())

_INSERT_HISTORY = insert(order_history)

# What `same_sale` compares of an order's lines, as `lines_from_order` keeps them (lines with a product).
_SALE_LINES = (select(order_lines.c.position, order_lines.c.product_id, order_lines.c.quantity,
                      order_lines.c.unit_price)
               .where(order_lines.c.order_id == bindparam("order_id"), order_lines.c.product_id.is_not(None))
               .order_by(order_lines.c.position))


@functools.cache
def _products_by_ids():
    return select(Product).where(Product.id.in_(bindparam("ids", expanding=True)))


# session.info key: {product id: counted?} as read in the session's transaction (ProductRepository.counted).
COUNTED_KNOWN = "lojasync_counted"


@functools.cache
def _counted_among(size: int):
    # One parameter per id, one cached statement per size: an "expanding" IN is rendered again at every
    # execution (measured 100 µs against 34 µs, on every approval).
    ids = [bindparam(f"id_{n}") for n in range(size)]
    return (select(StockMovement.product_id).distinct()
            .where(StockMovement.source_type == COUNT_SOURCE, StockMovement.product_id.in_(ids)))


def _short_among(size: int):
    # As _counted_among: one cached statement per size; for counted products only (`short`).
    ids = [bindparam(f"id_{n}") for n in range(size)]
    total = func.sum(StockMovement.quantity)
    return (select(StockMovement.product_id, total).where(StockMovement.product_id.in_(ids))
            .group_by(StockMovement.product_id).having(total < 0))


# pg_advisory_xact_lock's two-key form: this class (any number, the same in every process) and the product id.
# Not the product's row lock: an import updating products while waiting for an order an approval holds would
# deadlock with it.
BALANCE_LOCK_CLASS = 7291
_LOCK_BALANCE = text(f"SELECT pg_advisory_xact_lock({BALANCE_LOCK_CLASS}, :product_id)")


class CustomerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, customer: Customer) -> None:
        self.session.add(customer)

    def by_tax_ids(self, tax_ids: Iterable[str]) -> dict[str, Customer]:
        wanted = set(tax_ids)
        if not wanted:
            return {}
        rows = self.session.scalars(select(Customer).where(Customer.tax_id.in_(wanted)))
        return {c.tax_id: c for c in rows}

    def by_tax_id(self, tax_id: str) -> Customer | None:
        return self.by_tax_ids([tax_id]).get(tax_id)

    def by_ids(self, customer_ids: Iterable[int]) -> dict[int, Customer]:
        found: dict[int, Customer] = {}
        for chunk in chunks(sorted(set(customer_ids))):
            found.update((c.id, c) for c in self.session.scalars(select(Customer).where(Customer.id.in_(chunk))))
        return found

    def list(self) -> list[Customer]:
        return list(self.session.scalars(select(Customer).order_by(Customer.name, Customer.id)))

    def page(self, text: str | None, offset: int = 0, limit: int | None = None) -> tuple[list[Customer], int]:
        """The customers whose name (no case, no accents), e-mail or CPF/CNPJ contains `text`, by name, and how many
        match in all. A document as the orders' search takes it (`SearchTerms`: three characters, one a digit)."""
        query = select(Customer)
        terms = SearchTerms.of(text)
        wanted = fold(text)
        if terms is not None and wanted:
            matches = [func.lower(Customer.email).contains(wanted, autoescape=True)]
            if terms.words:   # the name as `fold` writes it, kept beside it (`search_columns`)
                matches.append(customers_table.c.search_name.contains(terms.words, autoescape=True))
            if terms.document:   # a few characters of a CPF/CNPJ, with or without its punctuation
                matches.append(Customer.tax_id.contains(terms.document, autoescape=True))
            query = query.where(or_(*matches))
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        query = query.order_by(Customer.name, Customer.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return list(self.session.scalars(query)), total


class ProductRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, product: Product) -> None:
        self.session.add(product)

    def by_skus(self, skus: Iterable[str], for_update: bool = False) -> dict[str, Product]:
        wanted = set(skus)
        if not wanted:
            return {}
        query = select(Product).where(Product.sku.in_(wanted))
        if for_update:
            query = query.with_for_update()
        return {p.sku: p for p in self.session.scalars(query)}

    def by_sku_ignoring_case(self, sku: str, for_update: bool = False) -> list[Product]:
        """The products whose SKU is `sku` but for case. SQLite's own lower() folds ASCII letters only ("CAFÉ-1"
        was not found for "café-1", and "Café-1" picked "café-1" where "CAFÉ-1" was its match too): on SQLite,
        Python's, registered on each connection (`engine.UNICODE_LOWER`)."""
        lower = getattr(func, UNICODE_LOWER) if self.session.get_bind().dialect.name == "sqlite" else func.lower
        query = select(Product).where(lower(Product.sku) == sku.lower()).order_by(Product.sku, Product.id)
        if for_update:
            query = query.with_for_update()
        return list(self.session.scalars(query))

    def by_id(self, product_id: int, for_update: bool = False) -> Product | None:
        if not can_be_an_id(product_id):   # PostgreSQL refused the query ("id:2147483648" typed)
            return None
        query = select(Product).where(Product.id == product_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def by_ids(self, product_ids: Iterable[int]) -> dict[int, Product]:
        found: dict[int, Product] = {}
        for chunk in chunks(sorted(set(product_ids))):
            found.update((p.id, p) for p in self.session.scalars(_products_by_ids(), {"ids": chunk}))
        return found

    def list(self, limit: int | None = None, offset: int = 0) -> list[Product]:
        # By SKU then id: the id settles equal SKUs (and the ones without), so walking offsets meets each once. Those
        # without a SKU last on every database (SQLite put them first, PostgreSQL last: review).
        query = select(Product).order_by(Product.sku.is_(None), Product.sku, Product.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return list(self.session.scalars(query))

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Product)) or 0

    def listing(self, criteria: ProductFilter, limit: int | None = None, offset: int = 0
                ) -> tuple[list[Product], int]:
        return listing_page(self.session, criteria, limit, offset)

    def stock_levels(self, product_ids: Iterable[int] | None = None) -> dict[int, int]:
        """Stock on hand per product (all, or these): the sum of its ledger."""
        query = select(StockMovement.product_id, func.sum(StockMovement.quantity)).group_by(StockMovement.product_id)
        if product_ids is None:
            return {pid: int(total) for pid, total in self.session.execute(query)}
        found: dict[int, int] = {}
        for chunk in chunks(sorted(set(product_ids))):
            found.update((pid, int(total)) for pid, total in
                         self.session.execute(query.where(StockMovement.product_id.in_(chunk))))
        return found

    def counted(self, product_ids: Iterable[int] | None = None) -> set[int]:
        """Products that had a stock count (managed by the ERP), all or among these."""
        if product_ids is None:
            return set(self.session.scalars(select(StockMovement.product_id).distinct()
                                            .where(StockMovement.source_type == COUNT_SOURCE)))
        # Known in this transaction: an approval asks twice for the same products (its negative-stock check,
        # then the store's stock write-back). Only a count makes a product counted; writing one forgets this.
        known: dict[int, bool] = self.session.info.setdefault(COUNTED_KNOWN, {})
        wanted = set(product_ids)
        for chunk in chunks(sorted(wanted.difference(known))):
            # On the connection: every approval asks, and through the ORM session it costs twice as much.
            found = set(self.session.connection().scalars(_counted_among(len(chunk)),
                                                          {f"id_{n}": pid for n, pid in enumerate(chunk)}))
            known.update((pid, pid in found) for pid in chunk)
        return {pid for pid in wanted if known[pid]}

    def short(self, product_ids: Iterable[int]) -> dict[int, int]:
        """The counted products among these whose stock is below zero, with their balance.

        On PostgreSQL each product's balance is first locked for the rest of the transaction (an advisory lock,
        in id order): two approvals issuing the same product at once each saw only its own movement, so neither
        saw the balance they took below zero together. The second now waits for the first's commit, and its
        query sees the first's movement. SQLite runs one writer at a time: nothing to lock."""
        # Counted (managed) products only: a product never counted has no stock of record, its balance is just
        # what was sold; and its whole ledger is not summed on every approval (a product sold all year, never
        # counted, made each NF-e's check slower: invoice_throughput's ratio went from 4.1 to 4.3).
        ids = sorted(self.counted(product_ids))
        if not ids:
            return {}
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            for pid in ids:
                connection.execute(_LOCK_BALANCE, {"product_id": pid % 2**31})
        found: dict[int, int] = {}
        for chunk in chunks(ids):
            found.update((pid, int(total)) for pid, total in self.session.connection().execute(
                _short_among(len(chunk)), {f"id_{n}": pid for n, pid in enumerate(chunk)}))
        return found

    def reserved(self, product_ids: Iterable[int]) -> dict[int, int]:
        """Units of these counted products on orders not cancelled and not yet issued, placed since the
        product's first count: sold in the store (which took them off its own stock) but still on the ERP's
        balance until the NF-e or sale is approved. Orders placed before the first count are taken as already
        reflected in it: old history imported later reserves nothing.

        The first count, not the last: goods leave with their NF-e (the DANFE goes with them), so an order still
        waiting for its document is still on the shelf when someone counts again, and stays reserved. Since the
        last count, a recount of the same number dropped the reservations and the store was told the units of
        orders not yet shipped were for sale (and a document cancelled after a count reserved nothing again)."""
        counted_at = (select(StockMovement.product_id.label("product_id"),
                             func.min(StockMovement.created_at).label("at"))
                      .where(StockMovement.source_type == COUNT_SOURCE).group_by(StockMovement.product_id)
                      .subquery())
        lines, orders = order_lines, order_table
        query = (select(lines.c.product_id, func.sum(lines.c.quantity))
                 .join(orders, orders.c.id == lines.c.order_id)
                 .join(counted_at, counted_at.c.product_id == lines.c.product_id)
                 .where(orders.c.status != OrderStatus.CANCELLED.value, orders.c.processed_by.is_(None),
                        func.coalesce(orders.c.placed_at, orders.c.created_at) >= counted_at.c.at)
                 .group_by(lines.c.product_id))
        found: dict[int, int] = {}
        for chunk in chunks(sorted(set(product_ids))):
            found.update((pid, int(total)) for pid, total in
                         self.session.execute(query.where(lines.c.product_id.in_(chunk))))
        return found

    def movement_count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(StockMovement)) or 0


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, number: int, *, for_update: bool = False, lines: bool = True) -> Order | None:
        if not can_be_an_id(number):
            return None
        # Without lines: a use case that only records on the order (history, flags) need not read them.
        if not lines or for_update:
            # SQLite needs no second query: a writer holds the database's write lock from its BEGIN IMMEDIATE,
            # before this read, so nothing can change the lines or the customer between the order and them.
            after_lock = for_update and lines and self.session.get_bind().dialect.name != "sqlite"
            return self.session.scalars(_order(lines, for_update, after_lock), {"number": number}).unique().first()
        return self.session.get(Order, number)

    def origin_numbers(self, order_ids: Iterable[int], status: OrderStatus | None = None) -> dict[int, str | None]:
        """The store's number of each of these orders, by id: what a list of documents shows of its orders, read
        for the whole list at once (the orders themselves, with their lines, were read one by one). `status`: only
        the orders in it."""
        found: dict[int, str | None] = {}
        for chunk in chunks(sorted({i for i in order_ids if can_be_an_id(i)})):
            query = select(order_table.c.id, order_table.c.origin_number).where(order_table.c.id.in_(chunk))
            if status is not None:
                query = query.where(order_table.c.status == status.value)
            found.update((order_id, number) for order_id, number in self.session.execute(query))
        return found

    def for_processing(self, numbers: Iterable[int]) -> dict[int, Order]:
        wanted = sorted({n for n in numbers if can_be_an_id(n)})
        found: dict[int, Order] = {}
        for chunk in chunks(wanted):
            if self.session.get_bind().dialect.name != "sqlite":
                # Locked first, in order, then read: the read sees each order, lines and customer included, as
                # committed once the lock is held (SQLite's writer holds the database from BEGIN IMMEDIATE).
                self.session.connection().execute(_LOCK_ORDERS, {"ids": chunk})
            found.update((order.id, order) for order in self.session.scalars(_orders_with_lines(), {"ids": chunk})
                         .unique())
        return found

    def sale_lines(self, order_id: int) -> list[tuple]:
        """The order's lines as `fiscal.documents.sale_key` gives them, read as stored (no ORM objects, and
        nothing pending is flushed first)."""
        return [tuple(row) for row in self.session.connection().execute(_SALE_LINES, {"order_id": order_id})]

    def list(self, status: OrderStatus | None = None, needs_attention: bool | None = None,
             without_customer: bool = False, limit: int | None = None) -> list[Order]:
        query = select(Order).order_by(Order.id.desc())
        if status is not None:
            query = query.where(Order.status == status)
        if needs_attention is not None:
            query = query.where(Order.needs_attention == needs_attention)
        if without_customer:
            query = query.where(Order.customer_id.is_(None))
        if limit:
            query = query.limit(limit)
        return list(self.session.scalars(query).unique())

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Order)) or 0


class HistoryRepository:
    """Entries are written with one Core INSERT per flush: an import writes one or two per order, and
    ORM objects for them cost a fifth of the import time."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pending: list[OrderEvent] = []

    def add(self, event: OrderEvent) -> None:
        self._pending.append(event)

    def drop_pending_since(self, mark: int) -> None:
        """Forget the entries of events recorded after `mark`, not written yet: a part of the transaction that failed
        recorded them (`SqlUnitOfWork.attempt`)."""
        self._pending[:] = [event for event in self._pending if event.sequence < mark]

    def write_pending(self) -> None:
        """Insert what was recorded; call after the session flush, when new orders have their ids."""
        if not self._pending:
            return
        now = utcnow()
        # In the order the events were recorded: a part of the transaction handles its own first
        # (`SqlUnitOfWork.attempt`), and its entries would come before those of what caused it.
        rows = [{"order_id": e.order.id, "type": e.history_type.value, "actor": e.actor.value,
                 "actor_name": actor_name(e.actor), "params": e.params(), "created_at": now}
                for e in sorted(self._pending, key=lambda e: e.sequence)]
        self._pending.clear()
        # On the connection: through the ORM session a Core INSERT costs twice as much.
        self.session.connection().execute(_INSERT_HISTORY, rows)

    def for_order(self, order_id: int, latest: int | None = None) -> list[HistoryEntry]:
        if not can_be_an_id(order_id):
            return []
        if latest is None:
            query = select(HistoryEntry).where(HistoryEntry.order_id == order_id).order_by(HistoryEntry.id)
            return list(self.session.scalars(query))
        # The newest from the end of ix_order_history_order, then put back oldest first.
        query = (select(HistoryEntry).where(HistoryEntry.order_id == order_id)
                 .order_by(HistoryEntry.id.desc()).limit(latest))
        return list(reversed(list(self.session.scalars(query))))

    def count_for_order(self, order_id: int) -> int:
        if not can_be_an_id(order_id):
            return 0
        query = select(func.count()).select_from(HistoryEntry).where(HistoryEntry.order_id == order_id)
        return self.session.scalar(query) or 0

    def for_orders(self, order_ids: Iterable[int]) -> dict[int, list[HistoryEntry]]:
        found: dict[int, list[HistoryEntry]] = {}
        for chunk in chunks(order_ids):
            query = select(HistoryEntry).where(HistoryEntry.order_id.in_(chunk)).order_by(HistoryEntry.id)
            for entry in self.session.scalars(query):
                found.setdefault(entry.order_id, []).append(entry)
        return found

    def erase_legacy_texts(self, order_ids: Iterable[int]) -> int:
        """Entries migrated from the old sync log kept finished sentences, which may name the person:
        on erasure (LGPD) those sentences go. Typed entries hold no personal data and stay as they are."""
        erased = 0
        for chunk in chunks(order_ids):
            rows = self.session.execute(
                select(order_history.c.id, order_history.c.params)
                .where(order_history.c.order_id.in_(chunk), cast(order_history.c.params, Text).contains("legacy_text")))
            for entry_id, params in rows:
                if (params or {}).get("legacy_text"):
                    self.session.execute(update(order_history).where(order_history.c.id == entry_id)
                                         .values(params={**params, "legacy_text": None}))
                    erased += 1
        return erased
