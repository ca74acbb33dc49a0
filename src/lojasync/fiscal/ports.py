"""What processing an order needs from persistence (the database adapter and the test fakes provide it)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from lojasync.finance.ports import ReceivableRepository
from lojasync.fiscal.carriers import RegisteredCarrier
from lojasync.fiscal.company import Company
from lojasync.fiscal.invoices import Invoice, InvoiceStatus
from lojasync.fiscal.nfe_data import Carrier
from lojasync.fiscal.number_voids import NumberVoid
from lojasync.fiscal.simple_sales import SaleStatus, SimpleSale
from lojasync.sales.ports import CustomerRepository, HistoryRepository
from lojasync.sales.status import OrderStatus
from lojasync.stock.ports import ProductRepository, StockMovementRepository


class SimpleSaleRepository(Protocol):
    def add(self, sale: SimpleSale) -> None: ...

    def get(self, sale_id: int, *, for_update: bool = False) -> SimpleSale | None: ...

    def for_order(self, order_id: int) -> list[SimpleSale]: ...

    def for_orders(self, order_ids: Iterable[int]) -> dict[int, list[SimpleSale]]:
        """`for_order` of several orders in one round trip, by order id (the orders with none left out)."""

    def order_ids(self, sale_ids: Iterable[int]) -> dict[int, int]:
        """The order of each of these sales, by sale id (the unknown ones left out)."""

    def list(self, status: SaleStatus | None = None, limit: int | None = None,
             offset: int = 0) -> list[SimpleSale]: ...

    def count(self, status: SaleStatus | None = None) -> int: ...


class InvoiceRepository(Protocol):
    def add(self, invoice: Invoice) -> None: ...

    def get(self, invoice_id: int, *, for_update: bool = False) -> Invoice | None: ...

    def get_with_order(self, invoice_id: int) -> tuple[Invoice, object] | None:
        """The NF-e and its order (without its lines), both locked, in one round trip; None: no such NF-e."""

    def get_with_orders(self, invoice_ids: Iterable[int]) -> dict[int, tuple[Invoice, object]]:
        """`get_with_order` of several NF-e in one round trip, by id (the unknown ones left out)."""

    def for_order(self, order_id: int) -> list[Invoice]: ...

    def for_orders(self, order_ids: Iterable[int]) -> dict[int, list[Invoice]]:
        """`for_order` of several orders in one round trip, by order id (the orders with none left out)."""

    def active_for_order(self, order_id: int) -> Invoice | None:
        """The order's NF-e that is pending, awaiting SEFAZ, authorised or rejected, if any."""

    def numbers_in_use(self, environment: str, series: int, first: int, last: int) -> list[tuple]:
        """(number, id, status) of the NF-e numbered within first..last that were not discarded."""

    def discarded_in(self, environment: str, series: int, first: int, last: int) -> list[Invoice]: ...

    def numbers(self, invoice_ids: Iterable[int]) -> dict[int, int]:
        """The nº of these NF-e, by id (the unknown ones left out)."""

    def order_ids(self, invoice_ids: Iterable[int]) -> dict[int, int]:
        """The order of each of these NF-e, by id (the unknown ones left out)."""

    def highest_number(self, environment: str, series: int) -> int: ...

    def number_spans(self, environment: str) -> list[tuple[int, int, int]]:
        """(series, lowest, highest number) of the NF-e of this environment, discarded ones included."""

    def held_runs(self, environment: str) -> list[tuple[int, int, int, datetime]]:
        """(series, first, last, earliest numbered_at) of each run of consecutive numbers of the NF-e of this
        environment that were not discarded: numbered_at is when the number was taken (created_at, kept when a
        rejected NF-e is rebuilt with a new dhEmi)."""

    def list(self, status: InvoiceStatus | None = None, limit: int | None = None,
             offset: int = 0) -> list[Invoice]: ...

    def awaiting_to_settle(self, before: datetime, limit: int | None = None) -> list[int]:
        """NF-e awaiting SEFAZ, neither sent nor asked about by the worker after `before`, oldest first."""

    def cancellations_requested(self, before: datetime, limit: int | None = None) -> list[int]:
        """Authorised NF-e whose cancellation was requested at or before `before` and is not recorded yet, and
        whose settling was not enqueued after `before` either."""

    def due_for_sefaz_check(self, now: datetime, limit: int) -> list[int]:
        """Authorised NF-e whose query by key (does it still stand at SEFAZ?) is due by `now`, at most `limit`."""

    def count(self, status: InvoiceStatus | None = None) -> int: ...


class DocumentRepository(Protocol):
    def active_for_order(self, order_id: int) -> Invoice | SimpleSale | None:
        """The order's active document of either kind (an NF-e pending, awaiting SEFAZ, authorised or rejected;
        a venda simples pending or confirmed), the NF-e first should both exist; None when the order is free."""

    def active_for_orders(self, order_ids: Iterable[int]) -> dict[int, Invoice | SimpleSale]:
        """`active_for_order` of several orders in one round trip, by order id (the free ones left out). Read as
        committed or flushed: a document added and not flushed yet is not seen."""

    def undocumented_orders(self, status: OrderStatus, ignoring: Iterable[InvoiceStatus],
                            awaiting_sent_before: datetime | None = None,
                            placed_from: datetime | None = None) -> list[int]:
        """The ids of the orders in `status`, not processed, that have no venda simples and no NF-e but those in
        `ignoring` (ascending); with `awaiting_sent_before`, nor those awaiting SEFAZ not sent since then; with
        `placed_from`, only those placed then or later."""


class CompanyRepository(Protocol):
    def get(self, *, for_update: bool = False) -> Company | None: ...

    def add(self, company: Company) -> None: ...


class CarrierRepository(Protocol):
    def by_code(self, code: str, *, for_update: bool = False) -> RegisteredCarrier | None: ...

    def for_nfe(self, code: str) -> Carrier | None:
        """The NF-e's view of the carrier registered under `code` (lower case), or None."""

    def list(self) -> list[RegisteredCarrier]: ...

    def add(self, carrier: RegisteredCarrier) -> None: ...

    def remove(self, carrier: RegisteredCarrier) -> None: ...


class InvoiceBatchRepository(Protocol):
    """Batches of NF-e run from the back office (`services.batch_reports`)."""

    def add(self, run_by: str | None, back: str, orders: list[int], moment: datetime) -> int: ...

    def get(self, batch_id: int, *, for_update: bool = False) -> dict | None:
        """Its columns (id, run_by, back, orders, items, finished_at, problem, created_at, updated_at); None: no
        such batch (or forgotten)."""

    def recent(self, limit: int) -> list[dict]:
        """The newest batches first, as `get` gives each."""

    def update(self, batch_id: int, moment: datetime, **values: object) -> None: ...

    def forget_before(self, moment: datetime) -> int: ...

    def unfinished_orders(self, moved_since: datetime) -> set[int]:
        """The orders of the batches not finished that moved since `moved_since` (running: not stalled)."""


class DanfeRepository(Protocol):
    """DANFEs kept once drawn (`services.invoice_files`), one per NF-e, under the key of what they were drawn from."""

    def kept(self, invoice_id: int, source_key: str) -> bytes | None:
        """The PDF kept for this NF-e under this key; None: none, or one drawn from something else."""

    def keep(self, invoice_id: int, source_key: str, pdf: bytes, moment: datetime) -> None:
        """Keep this PDF for the NF-e, in place of the one it had."""


class NumberVoidRepository(Protocol):
    """Requests to void ranges of NF-e numbers (`services.number_voids`)."""

    def add(self, void: NumberVoid) -> int: ...

    def get(self, void_id: int, *, for_update: bool = False) -> NumberVoid | None: ...

    def overlapping(self, environment: str, series: int, first: int, last: int) -> list[NumberVoid]: ...

    def update(self, void_id: int, moment: datetime, **values: object) -> None: ...

    def highest_number(self, environment: str, series: int) -> int: ...

    def covered(self, environment: str) -> list[tuple[int, int, int]]:
        """(series, first, last) of the requests of this environment voided or awaiting SEFAZ (not rejected)."""

    def awaiting_sefaz(self) -> list[NumberVoid]: ...

    def sent_before(self, moment: datetime) -> list[NumberVoid]: ...

    def any_sent_before(self, moment: datetime) -> bool: ...

    def list(self, limit: int | None = None, offset: int = 0) -> list[NumberVoid]: ...

    def count(self) -> int: ...


class ProcessingUnitOfWork(Protocol):
    orders: object            # sales' OrderRepository: get(number, for_update=...), origin_numbers(ids)
    customers: CustomerRepository
    products: ProductRepository
    order_history: HistoryRepository
    stock_movements: StockMovementRepository
    simple_sales: SimpleSaleRepository
    invoices: InvoiceRepository
    documents: DocumentRepository
    receivables: ReceivableRepository
    company: CompanyRepository
    carriers: CarrierRepository
    invoice_batches: InvoiceBatchRepository
    number_voids: NumberVoidRepository
    danfes: DanfeRepository

    def __enter__(self) -> ProcessingUnitOfWork: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def commit(self) -> None: ...

    def flush(self) -> None: ...

    @property
    def writers_one_at_a_time(self) -> bool:
        """Whether the database runs one writing transaction at a time (SQLite, not PostgreSQL)."""

    def redoable(self) -> None:
        """This transaction, if lost to a power cut, is redone by a later run: its commit need not wait
        for the disk. Called before anything else in the transaction."""
