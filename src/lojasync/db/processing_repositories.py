"""Repositories of processing an order: stock movements, NF-e, vendas simples, receivables, the company.

The lookups that every NF-e runs (generation and approval) use statements built once per process, with
bind parameters: building a select and computing its cache key costs about 0.1 ms each time, more than
SQLite takes to answer it (benchmarks/invoice_throughput.py).

The ledgers' new rows (stock movements, receivables) are written at once with one Core INSERT for all of
them, not as ORM objects: they are append-only, nothing in the transaction reads them back as objects,
and the ORM's flush of each costs about 0.2 ms, several times what the database takes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, bindparam, case, delete, exists, func, insert, literal, not_, or_, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, lazyload

from lojasync.db.finance_tables import receivables as receivable_table
from lojasync.db.fiscal_tables import carriers as carrier_table
from lojasync.db.fiscal_tables import danfes as danfe_table
from lojasync.db.fiscal_tables import invoice_batches as batch_table
from lojasync.db.fiscal_tables import invoices as invoice_table
from lojasync.db.fiscal_tables import number_voids as void_table
from lojasync.db.fiscal_tables import simple_sales as sale_table
from lojasync.db.repositories import COUNTED_KNOWN
from lojasync.db.tables import orders as order_table
from lojasync.db.tables import products as product_table
from lojasync.db.tables import stock_movements as movement_table
from lojasync.db.types import MoneyCents
from lojasync.finance.receivables import Receivable, ReceivableStatus
from lojasync.fiscal.carriers import RegisteredCarrier
from lojasync.fiscal.company import Company
from lojasync.fiscal.gateway import NUMBER_SPENT_AT_SEFAZ
from lojasync.fiscal.invoices import ACTIVE as ACTIVE_INVOICE
from lojasync.fiscal.invoices import Invoice, InvoiceStatus
from lojasync.fiscal.nfe_data import Carrier
from lojasync.fiscal.number_voids import NumberVoid, VoidStatus
from lojasync.fiscal.simple_sales import ACTIVE as ACTIVE_SALE
from lojasync.fiscal.simple_sales import SaleStatus, SimpleSale
from lojasync.sales.orders import Order
from lojasync.sales.status import OrderStatus
from lojasync.shared.batching import chunks
from lojasync.shared.numbers import can_be_an_id
from lojasync.stock.counts import COUNT_SOURCE
from lojasync.stock.ledger import StockMovement

_INSERT_MOVEMENTS = insert(movement_table)
_KEY_SHARE_PRODUCTS = (select(product_table.c.id).where(product_table.c.id.in_(bindparam("ids", expanding=True)))
                       .order_by(product_table.c.id).with_for_update(read=True, key_share=True))
_INSERT_RECEIVABLES = insert(receivable_table)


@functools.cache
def _insert_new(table, dialect: str, key: str):
    """INSERT of rows whose unique key (source type, source id, `key`) is not taken yet, returning the `key`
    of those written: a document's effects are written and checked in one statement, not a lookup and an
    INSERT (every approval runs both ledgers')."""
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return statement.on_conflict_do_nothing(
        index_elements=[table.c.source_type, table.c.source_id, table.c[key]]).returning(table.c[key])


@functools.cache
def _movements_of_source():
    return (select(StockMovement).where(StockMovement.source_type == bindparam("source_type"),
                                        StockMovement.source_id == bindparam("source_id"))
            .order_by(StockMovement.source_line))


@functools.cache
def _by_id(entity, for_update: bool):
    query = select(entity).where(entity.id == bindparam("id"))
    return query.with_for_update() if for_update else query


@functools.cache
def _invoice_with_order():
    # Both rows locked (not the order's joined customer: PostgreSQL refuses FOR UPDATE on an outer join's
    # nullable side), the order's lines not read.
    return (select(Invoice, Order).join(Order, Order.id == Invoice.order_id).where(Invoice.id == bindparam("id"))
            .options(lazyload(Order.lines), lazyload(Order.customer)).with_for_update(of=[Invoice, Order]))


@functools.cache
def _invoices_with_orders():
    # As `_invoice_with_order`, several at once, locked in the order of the orders' ids, as every transaction
    # that locks several orders takes them (`OrderRepository.for_processing`).
    return (select(Invoice, Order).join(Order, Order.id == Invoice.order_id)
            .where(Invoice.id.in_(bindparam("ids", expanding=True))).order_by(Order.id, Invoice.id)
            .options(lazyload(Order.lines), lazyload(Order.customer)).with_for_update(of=[Invoice, Order]))


def _active_of(table, statuses: frozenset) -> tuple:
    """The conditions of an order's document (bound `order_id`) in one of `statuses`."""
    return table.c.order_id == bindparam("order_id"), table.c.status.in_(sorted(s.value for s in statuses))


@functools.cache
def _active_of_order(table, statuses: frozenset):
    return select(table.c.id).where(*_active_of(table, statuses)).order_by(table.c.id).limit(1)


def _holds_its_number(t):
    """The NF-e whose number is used: all but the discarded, except one rejected with 539 or 206 (SEFAZ holds its
    number under another key, or has it voided: no gap to void there). Never NULL (its negation is the discarded NF-e
    of a gap)."""
    return or_(t.c.status != InvoiceStatus.DISCARDED,
               func.coalesce(t.c.rejection_code, "").in_(sorted(NUMBER_SPENT_AT_SEFAZ)))


def _first_active(session: Session, entity, table, statuses: frozenset, order_id: int):
    """The order's first document of `entity` in one of `statuses`, or None. The id only, on the connection:
    asked before every generation, and almost always finds nothing."""
    if not can_be_an_id(order_id):
        return None
    found = session.connection().scalar(_active_of_order(table, statuses), {"order_id": order_id})
    return None if found is None else session.get(entity, found)


@functools.cache
def _active_documents_of_order():
    # Both kinds in one round trip: asked before every generation, and almost always finds nothing.
    return union_all(
        select(literal("nfe").label("kind"), invoice_table.c.id).where(*_active_of(invoice_table, ACTIVE_INVOICE)),
        select(literal("sale").label("kind"), sale_table.c.id).where(*_active_of(sale_table, ACTIVE_SALE)))


@functools.cache
def _active_documents_of_orders():
    def of(table, kind: str, statuses: frozenset):
        return select(literal(kind).label("kind"), table.c.id, table.c.order_id).where(
            table.c.order_id.in_(bindparam("order_ids", expanding=True)),
            table.c.status.in_(sorted(s.value for s in statuses)))
    return union_all(of(invoice_table, "nfe", ACTIVE_INVOICE), of(sale_table, "sale", ACTIVE_SALE))


@functools.cache
def _of_order(entity):
    return select(entity).where(entity.order_id == bindparam("order_id")).order_by(entity.id)


def _of_orders(session: Session, entity, order_ids: Iterable[int]) -> dict[int, list]:
    """The rows of `entity` of these orders, by order id (in the order they were made; orders with none left out):
    one query per chunk of orders, not one per order."""
    found: dict[int, list] = {}
    for chunk in chunks(sorted({i for i in order_ids if can_be_an_id(i)})):
        for row in session.scalars(select(entity).where(entity.order_id.in_(chunk)).order_by(entity.id)):
            found.setdefault(row.order_id, []).append(row)
    return found


@functools.cache
def _receivables_of_source(for_update: bool):
    query = (select(Receivable).where(Receivable.source_type == bindparam("source_type"),
                                      Receivable.source_id == bindparam("source_id"))
             .order_by(Receivable.installment))
    return query.with_for_update() if for_update else query


@functools.cache
def _company(for_update: bool):
    query = select(Company).order_by(Company.id).limit(1)
    return query.with_for_update() if for_update else query


def _add_new(session: Session, table, key: str, items: list, row) -> list:
    """`items` whose (source type, source id, `key`) the table has no row for, written in one statement
    (`_insert_new`); returns those written. `key` is both the column and the items' attribute."""
    if not items:
        return []
    connection = session.connection()
    written = set(connection.scalars(_insert_new(table, connection.dialect.name, key), [row(i) for i in items]))
    return [i for i in items if getattr(i, key) in written]


def _movement_row(m: StockMovement) -> dict:
    return {"product_id": m.product_id, "quantity": m.quantity, "reason": m.reason, "source_type": m.source_type,
            "source_id": m.source_id, "source_line": m.source_line, "made_by": m.made_by}


def _receivable_row(r: Receivable) -> dict:
    return {"order_id": r.order_id, "source_type": r.source_type, "source_id": r.source_id,
            "installment": r.installment, "installments": r.installments, "amount": r.amount,
            "due_date": r.due_date, "payment_method": r.payment_method, "status": r.status,
            "needs_attention": r.needs_attention, "attention_reason": r.attention_reason,
            "received_at": r.received_at}


class StockMovementRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, movement: StockMovement) -> None:
        self.add_all([movement])

    def add_all(self, movements: list[StockMovement]) -> None:
        """Written now, in the session's transaction (the movements get no ids: nothing needs them)."""
        if movements:
            self._forget_counted(movements)
            self.session.connection().execute(_INSERT_MOVEMENTS, [_movement_row(m) for m in movements])

    def add_new(self, movements: list[StockMovement]) -> list[StockMovement]:
        """Write the movements whose (source, line) has none yet; returns those written."""
        self._forget_counted(movements)
        connection = self.session.connection()
        if movements and connection.dialect.name == "postgresql":
            # The products' key-share lock, which the insert's foreign key check takes anyway, taken before the
            # movements draw their ids: a count holding a product (FOR UPDATE) is waited for first, so a movement's id
            # follows the count committed before it (review: drawn before, the sale's id came first though it
            # committed after, and the product's ledger showed the count's row with a balance it never set).
            connection.execute(_KEY_SHARE_PRODUCTS, {"ids": sorted({m.product_id for m in movements})})
        return _add_new(self.session, movement_table, "source_line", movements, _movement_row)

    def _forget_counted(self, movements: list[StockMovement]) -> None:
        # A count makes its product counted: what `ProductRepository.counted` knew of it no longer holds.
        known = self.session.info.get(COUNTED_KNOWN)
        if known:
            for movement in movements:
                if movement.source_type == COUNT_SOURCE:
                    known.pop(movement.product_id, None)

    def for_source(self, source_type: str, source_id: str) -> list[StockMovement]:
        return list(self.session.scalars(_movements_of_source(), {"source_type": source_type,
                                                                  "source_id": source_id}))

    def for_product(self, product_id: int, limit: int | None = None, offset: int = 0,
                    newest_first: bool = False) -> list[StockMovement]:
        order = StockMovement.id.desc() if newest_first else StockMovement.id
        query = (select(StockMovement).where(StockMovement.product_id == product_id).order_by(order)
                 .limit(limit).offset(offset or None))
        return list(self.session.scalars(query))

    def count_for_product(self, product_id: int) -> int:
        query = select(func.count()).select_from(movement_table).where(movement_table.c.product_id == product_id)
        return self.session.scalar(query) or 0

    def balance_before(self, product_id: int, movement_id: int) -> int:
        query = select(func.coalesce(func.sum(movement_table.c.quantity), 0)).where(
            movement_table.c.product_id == product_id, movement_table.c.id < movement_id)
        return int(self.session.scalar(query) or 0)


def _column_by_id(session: Session, column, ids: Iterable[int]) -> dict[int, int]:
    """`column` of the rows with these ids, by id: that column alone (a ledger names hundreds of documents, their
    XML stays out)."""
    table = column.table
    found: dict[int, int] = {}
    for chunk in chunks(sorted({i for i in ids if can_be_an_id(i)})):
        rows = session.execute(select(table.c.id, column).where(table.c.id.in_(chunk)))
        found.update((row_id, value) for row_id, value in rows)
    return found


class SimpleSaleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, sale: SimpleSale) -> None:
        self.session.add(sale)

    def get(self, sale_id: int, *, for_update: bool = False) -> SimpleSale | None:
        if not can_be_an_id(sale_id):
            return None
        query = select(SimpleSale).where(SimpleSale.id == sale_id)
        if for_update:  # two confirmations at once: the second waits, then sees the first's result
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def for_order(self, order_id: int) -> list[SimpleSale]:
        if not can_be_an_id(order_id):
            return []
        return list(self.session.scalars(_of_order(SimpleSale), {"order_id": order_id}))

    def for_orders(self, order_ids: Iterable[int]) -> dict[int, list[SimpleSale]]:
        return _of_orders(self.session, SimpleSale, order_ids)

    def order_ids(self, sale_ids: Iterable[int]) -> dict[int, int]:
        return _column_by_id(self.session, sale_table.c.order_id, sale_ids)

    def list(self, status: SaleStatus | None = None, limit: int | None = None,
             offset: int = 0) -> list[SimpleSale]:
        """Newest first; `offset`/`limit` give one page of the list."""
        query = select(SimpleSale).order_by(SimpleSale.id.desc())
        if status is not None:
            query = query.where(SimpleSale.status == status)
        if offset:
            query = query.offset(offset)
        if limit:
            query = query.limit(limit)
        return list(self.session.scalars(query))

    def count(self, status: SaleStatus | None = None) -> int:
        query = select(func.count()).select_from(SimpleSale)
        if status is not None:
            query = query.where(SimpleSale.status == status)
        return self.session.scalar(query) or 0


class InvoiceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, invoice: Invoice) -> None:
        self.session.add(invoice)

    def get(self, invoice_id: int, *, for_update: bool = False) -> Invoice | None:
        if not can_be_an_id(invoice_id):
            return None
        return self.session.scalars(_by_id(Invoice, for_update), {"id": invoice_id}).first()

    def get_with_order(self, invoice_id: int) -> tuple[Invoice, Order] | None:
        if not can_be_an_id(invoice_id):
            return None
        row = self.session.execute(_invoice_with_order(), {"id": invoice_id}).unique().first()
        return (row[0], row[1]) if row else None

    def get_with_orders(self, invoice_ids: Iterable[int]) -> dict[int, tuple[Invoice, Order]]:
        found: dict[int, tuple[Invoice, Order]] = {}
        for chunk in chunks(sorted({i for i in invoice_ids if can_be_an_id(i)})):
            rows = self.session.execute(_invoices_with_orders(), {"ids": chunk}).unique()
            found.update((invoice.id, (invoice, order)) for invoice, order in rows)
        return found

    def for_order(self, order_id: int) -> list[Invoice]:
        if not can_be_an_id(order_id):
            return []
        return list(self.session.scalars(_of_order(Invoice), {"order_id": order_id}))

    def for_orders(self, order_ids: Iterable[int]) -> dict[int, list[Invoice]]:
        """`for_order` of several orders, by order id (their XML stays out: deferred, read only if asked for)."""
        return _of_orders(self.session, Invoice, order_ids)

    def active_for_order(self, order_id: int) -> Invoice | None:
        return _first_active(self.session, Invoice, invoice_table, ACTIVE_INVOICE, order_id)

    def numbers(self, invoice_ids: Iterable[int]) -> dict[int, int]:
        """The nº of these NF-e, by id."""
        return _column_by_id(self.session, invoice_table.c.number, invoice_ids)

    def order_ids(self, invoice_ids: Iterable[int]) -> dict[int, int]:
        return _column_by_id(self.session, invoice_table.c.order_id, invoice_ids)

    def numbers_in_use(self, environment: str, series: int, first: int, last: int
                       ) -> list[tuple[int, int, InvoiceStatus, str | None]]:
        """(number, id, status, rejection code) of the NF-e of this environment and series numbered within
        first..last whose number is used (`_holds_its_number`): a document's (pending, awaiting SEFAZ, authorised...),
        or one SEFAZ holds (a discarded NF-e rejected with 539 or 206)."""
        rows = self.session.execute(
            select(invoice_table.c.number, invoice_table.c.id, invoice_table.c.status, invoice_table.c.rejection_code)
            .where(invoice_table.c.environment == environment, invoice_table.c.series == series,
                   invoice_table.c.number.between(first, last), _holds_its_number(invoice_table))
            .order_by(invoice_table.c.number))
        return [(number, invoice_id, InvoiceStatus(status), code) for number, invoice_id, status, code in rows]

    def discarded_in(self, environment: str, series: int, first: int, last: int) -> list[Invoice]:
        """The discarded NF-e of this environment and series numbered within first..last (but those whose number
        SEFAZ holds under another key: `_holds_its_number`)."""
        return list(self.session.scalars(select(Invoice).where(
            Invoice.environment == environment, Invoice.series == series, Invoice.number.between(first, last),
            ~_holds_its_number(invoice_table)).order_by(Invoice.number)))

    def highest_number(self, environment: str, series: int) -> int:
        """The highest NF-e number used in this environment and series (0 when none)."""
        return self.session.scalar(select(func.max(Invoice.number)).where(
            Invoice.environment == environment, Invoice.series == series)) or 0

    def number_spans(self, environment: str) -> list[tuple[int, int, int]]:
        t = invoice_table
        return [tuple(row) for row in self.session.connection().execute(
            select(t.c.series, func.min(t.c.number), func.max(t.c.number))
            .where(t.c.environment == environment).group_by(t.c.series))]

    def held_runs(self, environment: str) -> list[tuple[int, int, int, datetime]]:
        # Islands of consecutive numbers (a number minus its rank is the same along a run), computed by the
        # database: the page lists a few gaps, not the tens of thousands of NF-e of a series.
        t = invoice_table
        ranked = (select(t.c.series, t.c.number, t.c.created_at,
                         (t.c.number - func.row_number().over(partition_by=t.c.series, order_by=t.c.number))
                         .label("island"))
                  .where(t.c.environment == environment, _holds_its_number(t)).subquery())
        rows = self.session.connection().execute(
            select(ranked.c.series, func.min(ranked.c.number), func.max(ranked.c.number),
                   func.min(ranked.c.created_at))
            .group_by(ranked.c.series, ranked.c.island))
        return [tuple(row) for row in rows]

    def list(self, status: InvoiceStatus | None = None, limit: int | None = None,
             offset: int = 0) -> list[Invoice]:
        """Newest first; `offset`/`limit` give one page of the list."""
        query = select(Invoice).order_by(Invoice.id.desc())
        if status is not None:
            query = query.where(Invoice.status == status)
        if offset:
            query = query.offset(offset)
        if limit:
            query = query.limit(limit)
        return list(self.session.scalars(query))

    def awaiting_to_settle(self, before: datetime, limit: int | None = None) -> list[int]:
        """NF-e awaiting SEFAZ, not being sent since `before` nor asked about by the worker since, oldest first: the
        columns alone (their XML stays out). `limit`: at most that many (whether there is any: 1)."""
        sent, asked = invoice_table.c.sent_at, invoice_table.c.settle_asked_at
        rows = self.session.execute(
            select(invoice_table.c.id)
            .where(invoice_table.c.status == InvoiceStatus.AWAITING, or_(sent.is_(None), sent <= before),
                   or_(asked.is_(None), asked <= before))
            .order_by(invoice_table.c.id).limit(limit))
        return [invoice_id for (invoice_id,) in rows]

    def cancellations_requested(self, before: datetime, limit: int | None = None) -> list[int]:
        """Authorised NF-e whose cancellation was requested at or before `before` and not asked about since,
        oldest request first: the columns alone (the index on the request time finds the few among every NF-e
        ever authorised). `limit`: at most that many."""
        asked = invoice_table.c.cancel_asked_at
        rows = self.session.execute(
            select(invoice_table.c.id)
            .where(invoice_table.c.cancel_requested_at <= before,
                   invoice_table.c.status == InvoiceStatus.AUTHORISED, or_(asked.is_(None), asked <= before))
            .order_by(invoice_table.c.cancel_requested_at, invoice_table.c.id).limit(limit))
        return [invoice_id for (invoice_id,) in rows]

    def due_for_sefaz_check(self, now: datetime, limit: int) -> list[int]:
        """Authorised NF-e whose query by key is due (`Invoice.sefaz_check_due_at`), the longest due first, at most
        `limit`: the columns alone (the index on the due time finds them among every NF-e ever authorised)."""
        due = invoice_table.c.sefaz_check_due_at
        rows = self.session.execute(
            select(invoice_table.c.id)
            .where(due <= now, invoice_table.c.status == InvoiceStatus.AUTHORISED)
            .order_by(due, invoice_table.c.id).limit(limit))
        return [invoice_id for (invoice_id,) in rows]

    def count(self, status: InvoiceStatus | None = None) -> int:
        query = select(func.count()).select_from(Invoice)
        if status is not None:
            query = query.where(Invoice.status == status)
        return self.session.scalar(query) or 0


class ReceivableRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, receivable: Receivable) -> None:
        self.add_all([receivable])

    def add_all(self, receivables: list[Receivable]) -> None:
        """Written now, in the session's transaction (the receivables get no ids: nothing needs them)."""
        if receivables:
            self.session.connection().execute(_INSERT_RECEIVABLES, [_receivable_row(r) for r in receivables])

    def add_new(self, receivables: list[Receivable]) -> list[Receivable]:
        """Write the installments the document has none of yet; returns those written."""
        return _add_new(self.session, receivable_table, "installment", receivables, _receivable_row)

    def get(self, receivable_id: int, *, for_update: bool = False) -> Receivable | None:
        if not can_be_an_id(receivable_id):
            return None
        query = select(Receivable).where(Receivable.id == receivable_id)
        if for_update:  # receiving and cancelling the same one at once: the second sees the first's result
            # Refreshed when it was read unlocked first in this transaction (`finance.services._change`).
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(query).first()

    def for_source(self, source_type: str, source_id: str, *, for_update: bool = False) -> list[Receivable]:
        return list(self.session.scalars(_receivables_of_source(for_update), {"source_type": source_type,
                                                                              "source_id": source_id}))

    def for_orders(self, order_ids: Iterable[int]) -> dict[int, list[Receivable]]:
        return _of_orders(self.session, Receivable, order_ids)

    def list(self, status: ReceivableStatus | None = None, order_id: int | None = None, *,
             due_from: date | None = None, due_to: date | None = None, to_check: bool | None = None,
             received_since: datetime | None = None, received_before: datetime | None = None,
             limit: int | None = None, offset: int = 0) -> list[Receivable]:
        query = (select(Receivable).where(*_receivable_filter(status, order_id, due_from, due_to, to_check,
                                                              received_since, received_before))
                 .order_by(Receivable.due_date, Receivable.id))
        if limit:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        return list(self.session.scalars(query))

    def summary(self, overdue_before: date, status: ReceivableStatus | None = None, order_id: int | None = None, *,
                due_from: date | None = None, due_to: date | None = None, to_check: bool | None = None,
                received_since: datetime | None = None, received_before: datetime | None = None
                ) -> list[tuple[ReceivableStatus, bool, int, Decimal, int]]:
        past = case((receivable_table.c.due_date < overdue_before, 1), else_=0)
        query = (select(receivable_table.c.status, past, func.count(), func.sum(receivable_table.c.amount,
                                                                               type_=MoneyCents),
                        func.sum(case((receivable_table.c.needs_attention.is_(True), 1), else_=0)))
                 .where(*_receivable_filter(status, order_id, due_from, due_to, to_check, received_since,
                                            received_before))
                 .group_by(receivable_table.c.status, past))
        return [(ReceivableStatus(status), bool(is_past), count, amount or Decimal(0), int(flagged or 0))
                for status, is_past, count, amount, flagged in self.session.execute(query)]


def _receivable_filter(status: ReceivableStatus | None, order_id: int | None, due_from: date | None,
                       due_to: date | None, to_check: bool | None, received_since: datetime | None = None,
                       received_before: datetime | None = None) -> list:
    """The conditions of a list of receivables, in the query, not after it: a year of a store's receivables read
    whole took seconds, and the Financeiro's first page (no filter) read them all on every visit."""
    conditions = []
    if status is not None:
        conditions.append(receivable_table.c.status == status)
    if order_id is not None:
        conditions.append(receivable_table.c.order_id == order_id)
    if due_from is not None:
        conditions.append(receivable_table.c.due_date >= due_from)
    if due_to is not None:
        conditions.append(receivable_table.c.due_date <= due_to)
    if to_check is not None:   # False: those not flagged
        conditions.append(receivable_table.c.needs_attention.is_(to_check))
    # Received in [since, before): only a receivable received has the moment (one not received, or its receipt
    # undone, has none and is left out).
    if received_since is not None:
        conditions.append(receivable_table.c.received_at >= received_since)
    if received_before is not None:
        conditions.append(receivable_table.c.received_at < received_before)
    return conditions


class DocumentRepository:
    """An order's documents of either kind (NF-e, venda simples)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def active_for_order(self, order_id: int) -> Invoice | SimpleSale | None:
        """The order's active document, NF-e first (an order has at most one; see the ports)."""
        if not can_be_an_id(order_id):
            return None
        found = sorted(self.session.connection().execute(_active_documents_of_order(), {"order_id": order_id}),
                       key=lambda row: (row.kind != "nfe", row.id))
        if not found:
            return None
        return self.session.get(Invoice if found[0].kind == "nfe" else SimpleSale, found[0].id)

    def active_for_orders(self, order_ids: Iterable[int]) -> dict[int, Invoice | SimpleSale]:
        found: dict[int, tuple[str, int]] = {}
        for chunk in chunks(sorted({i for i in order_ids if can_be_an_id(i)})):
            for row in self.session.connection().execute(_active_documents_of_orders(), {"order_ids": chunk}):
                if row.order_id not in found or (row.kind != "nfe", row.id) < (found[row.order_id][0] != "nfe",
                                                                               found[row.order_id][1]):
                    found[row.order_id] = (row.kind, row.id)
        return {order_id: self.session.get(Invoice if kind == "nfe" else SimpleSale, document_id)
                for order_id, (kind, document_id) in found.items()}

    def undocumented_orders(self, status: OrderStatus, ignoring: Iterable[InvoiceStatus],
                            awaiting_sent_before: datetime | None = None,
                            placed_from: datetime | None = None) -> list[int]:
        # One query of ids: a run by status read every order of the status and every NF-e and sale ever made as
        # ORM objects (review: slower every month of a store's history).
        counted = invoice_table.c.status.not_in([s.value for s in ignoring])
        if awaiting_sent_before is not None:
            counted = and_(counted, not_(and_(
                invoice_table.c.status == InvoiceStatus.AWAITING.value,
                or_(invoice_table.c.sent_at.is_(None), invoice_table.c.sent_at < awaiting_sent_before))))
        # NOT EXISTS, by the documents' order index: NOT IN (SELECT ...) made PostgreSQL rescan every NF-e for each
        # order once the NF-e ids outgrew its work memory (review: 12 s at 300,000 NF-e, 3 min at 1.5 million).
        invoiced = exists().where(invoice_table.c.order_id == order_table.c.id, counted)
        sold = exists().where(sale_table.c.order_id == order_table.c.id)
        query = (select(order_table.c.id)
                 .where(order_table.c.status == status.value, order_table.c.processed_by.is_(None), ~invoiced, ~sold)
                 .order_by(order_table.c.id))
        if placed_from is not None:   # as the orders list dates an order: when placed, else when it arrived
            query = query.where(func.coalesce(order_table.c.placed_at, order_table.c.created_at) >= placed_from)
        return list(self.session.connection().execute(query).scalars())


class CarrierRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_code(self, code: str, *, for_update: bool = False) -> RegisteredCarrier | None:
        """The carrier registered under `code` (already lower case); one indexed lookup (the NF-e asks it)."""
        return self.session.scalars(_carrier_by_code(for_update), {"code": code}).first()

    def for_nfe(self, code: str) -> Carrier | None:
        """What an NF-e says of the carrier registered under `code` (already lower case): its columns alone, on the
        connection, asked for every NF-e of a shipped order (as an ORM object it cost twice as much)."""
        row = self.session.connection().execute(_carrier_for_nfe(), {"code": code}).first()
        return None if row is None else Carrier(row.name, tax_id=row.tax_id, state_registration=row.ie,
                                                address=row.address, municipality=row.city, uf=row.uf)

    def list(self) -> list[RegisteredCarrier]:
        return list(self.session.scalars(select(RegisteredCarrier).order_by(RegisteredCarrier.code)))

    def add(self, carrier: RegisteredCarrier) -> None:
        self.session.add(carrier)

    def remove(self, carrier: RegisteredCarrier) -> None:
        self.session.delete(carrier)


@functools.cache
def _carrier_for_nfe():
    t = carrier_table
    return select(t.c.name, t.c.tax_id, t.c.ie, t.c.address, t.c.city, t.c.uf).where(t.c.code == bindparam("code"))


@functools.cache
def _carrier_by_code(for_update: bool):
    query = select(RegisteredCarrier).where(RegisteredCarrier.code == bindparam("code"))
    return query.with_for_update() if for_update else query


class InvoiceBatchRepository:
    """Batches of NF-e run from the back office (rows of the connection: nothing of them is a domain object)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, run_by: str | None, back: str, orders: list[int], moment: datetime, approve: bool = True) -> int:
        return self.session.connection().execute(
            insert(batch_table).values(run_by=run_by, back=back, orders=orders, items=[], approve=approve,
                                       created_at=moment, updated_at=moment)
            .returning(batch_table.c.id)).scalar_one()

    def get(self, batch_id: int, *, for_update: bool = False) -> dict | None:
        if not can_be_an_id(batch_id):
            return None
        query = select(batch_table).where(batch_table.c.id == batch_id)
        row = self.session.connection().execute(query.with_for_update() if for_update else query).first()
        return None if row is None else dict(row._mapping)

    def recent(self, limit: int) -> list[dict]:
        """The newest batches first."""
        query = select(batch_table).order_by(batch_table.c.id.desc()).limit(limit)
        return [dict(row._mapping) for row in self.session.connection().execute(query)]

    def update(self, batch_id: int, moment: datetime, **values) -> None:
        """Write these columns (items, finished_at, problem); `updated_at` says when the run last moved."""
        self.session.connection().execute(
            batch_table.update().where(batch_table.c.id == batch_id).values(**values, updated_at=moment))

    def forget_before(self, moment: datetime) -> int:
        return self.session.connection().execute(delete(batch_table).where(batch_table.c.created_at < moment)).rowcount

    def unfinished_orders(self, moved_since: datetime) -> set[int]:
        query = select(batch_table.c.orders).where(batch_table.c.finished_at.is_(None),
                                                   batch_table.c.updated_at > moved_since)
        return {number for (orders,) in self.session.connection().execute(query) for number in orders}


class DanfeRepository:
    """DANFEs kept once drawn (rows of the connection: bytes, nothing of them is a domain object)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def kept(self, invoice_id: int, source_key: str) -> bytes | None:
        query = select(danfe_table.c.pdf).where(danfe_table.c.invoice_id == invoice_id,
                                                danfe_table.c.source_key == source_key)
        return self.session.connection().execute(query).scalar()

    def keep(self, invoice_id: int, source_key: str, pdf: bytes, moment: datetime) -> None:
        # Upserted: two requests (two instances) drawing the same DANFE at once both keep it, neither fails.
        connection = self.session.connection()
        connection.execute(_keep_danfe(connection.dialect.name),
                           {"invoice_id": invoice_id, "source_key": source_key, "pdf": pdf, "created_at": moment,
                            "updated_at": moment})


@functools.cache
def _keep_danfe(dialect: str):
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(danfe_table)
    return statement.on_conflict_do_update(
        index_elements=[danfe_table.c.invoice_id],
        set_={"source_key": statement.excluded.source_key, "pdf": statement.excluded.pdf,
              "updated_at": statement.excluded.updated_at})


class CompanyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, *, for_update: bool = False) -> Company | None:
        """The company (one row); locked when the caller takes an NF-e number from it."""
        return self.session.scalars(_company(for_update)).first()

    def add(self, company: Company) -> None:
        self.session.add(company)


def _void(row) -> NumberVoid:
    values = dict(row._mapping)
    values["first"], values["last"] = values.pop("first_number"), values.pop("last_number")
    values["status"] = VoidStatus(values["status"])
    for column in ("created_at", "updated_at"):
        values.pop(column, None)
    return NumberVoid(**values)


def _sent_before(moment: datetime) -> tuple:
    """Void requests still awaiting SEFAZ, last sent at or before `moment`."""
    return void_table.c.status == VoidStatus.REQUESTED, void_table.c.sent_at <= moment


class NumberVoidRepository:
    """Requests to void ranges of NF-e numbers (rows of the connection, read as `NumberVoid`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, void: NumberVoid) -> int:
        values = {k: v for k, v in void.__dict__.items() if k not in ("id", "first", "last")}
        moment = void.requested_at
        return self.session.connection().execute(
            insert(void_table).values(**values, first_number=void.first, last_number=void.last, created_at=moment,
                                      updated_at=moment)
            .returning(void_table.c.id)).scalar_one()

    def get(self, void_id: int, *, for_update: bool = False) -> NumberVoid | None:
        if not can_be_an_id(void_id):
            return None
        query = select(void_table).where(void_table.c.id == void_id)
        row = self.session.connection().execute(query.with_for_update() if for_update else query).first()
        return None if row is None else _void(row)

    def overlapping(self, environment: str, series: int, first: int, last: int) -> list[NumberVoid]:
        """Requests (of any status) sharing a number with first..last, oldest first."""
        query = select(void_table).where(
            void_table.c.environment == environment, void_table.c.series == series,
            void_table.c.first_number <= last, void_table.c.last_number >= first).order_by(void_table.c.id)
        return [_void(row) for row in self.session.connection().execute(query)]

    def update(self, void_id: int, moment: datetime, **values) -> None:
        if "first" in values or "last" in values:
            raise ValueError("a request's range does not change")
        self.session.connection().execute(
            void_table.update().where(void_table.c.id == void_id).values(**values, updated_at=moment))

    def highest_number(self, environment: str, series: int) -> int:
        """The last number of the requests voided or awaiting SEFAZ in this environment and series (0: none)."""
        return self.session.connection().execute(
            select(func.max(void_table.c.last_number)).where(
                void_table.c.environment == environment, void_table.c.series == series,
                void_table.c.status != VoidStatus.REJECTED)).scalar() or 0

    def covered(self, environment: str) -> list[tuple[int, int, int]]:
        rows = self.session.connection().execute(
            select(void_table.c.series, void_table.c.first_number, void_table.c.last_number)
            .where(void_table.c.environment == environment, void_table.c.status != VoidStatus.REJECTED))
        return [tuple(row) for row in rows]

    def awaiting_sefaz(self) -> list[NumberVoid]:
        """Requests still awaiting SEFAZ's answer, oldest first."""
        query = select(void_table).where(void_table.c.status == VoidStatus.REQUESTED).order_by(void_table.c.id)
        return [_void(row) for row in self.session.connection().execute(query)]

    def sent_before(self, moment: datetime) -> list[NumberVoid]:
        """Requests still awaiting SEFAZ, last sent at or before `moment`, oldest first."""
        query = select(void_table).where(*_sent_before(moment)).order_by(void_table.c.id)
        return [_void(row) for row in self.session.connection().execute(query)]

    def any_sent_before(self, moment: datetime) -> bool:
        """Whether `sent_before(moment)` has any, without reading them (their XML)."""
        query = select(void_table.c.id).where(*_sent_before(moment)).limit(1)
        return self.session.connection().execute(query).first() is not None

    def list(self, limit: int | None = None, offset: int = 0) -> list[NumberVoid]:
        """Newest first."""
        query = select(void_table).order_by(void_table.c.id.desc()).offset(offset)
        if limit:
            query = query.limit(limit)
        return [_void(row) for row in self.session.connection().execute(query)]

    def count(self) -> int:
        return self.session.connection().execute(select(func.count()).select_from(void_table)).scalar_one()
