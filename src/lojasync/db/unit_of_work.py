"""Unit of work: one transaction, the repositories that share it, and the domain events it publishes.

A use case takes a unit of work and enters it once per transaction it needs (`with uow: ...`); each
entry opens a new session. On commit the events the aggregates recorded go through the message bus
first, so their handlers (the order history, later stock and receivables) write in the same transaction.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from lojasync.db.engine import REDOABLE_OPTION
from lojasync.db.order_search import OrderSearchRepository
from lojasync.db.processing_repositories import (
    CarrierRepository,
    CompanyRepository,
    DocumentRepository,
    InvoiceBatchRepository,
    InvoiceRepository,
    ReceivableRepository,
    SimpleSaleRepository,
    StockMovementRepository,
)
from lojasync.db.repositories import CustomerRepository, HistoryRepository, OrderRepository, ProductRepository
from lojasync.shared.errors import DataRefused, WriteConflict
from lojasync.shared.events import Aggregate, DomainEvent, pull_recorded, recording_events
from lojasync.shared.messagebus import MessageBus


class SqlUnitOfWork:
    session: Session

    def __init__(self, session_factory: sessionmaker[Session], bus: MessageBus | None = None) -> None:
        self.session_factory = session_factory
        self.bus = bus or MessageBus()
        self._active = False

    def __enter__(self) -> SqlUnitOfWork:
        if self._active:
            # One transaction at a time: a nested `with uow` would silently drop the outer session.
            raise RuntimeError("unit of work already in a transaction; open another unit of work instead")
        self._active = True
        self._recording: AbstractContextManager[dict[int, Aggregate]] = recording_events()
        self._aggregates = self._recording.__enter__()
        self.session = self.session_factory()
        self.open_repositories(self.session)
        return self

    def open_repositories(self, session: Session) -> None:
        self.customers = CustomerRepository(session)
        self.products = ProductRepository(session)
        self.orders = OrderRepository(session)
        self.order_search = OrderSearchRepository(session)
        self.order_history = HistoryRepository(session)
        self.stock_movements = StockMovementRepository(session)
        self.simple_sales = SimpleSaleRepository(session)
        self.invoices = InvoiceRepository(session)
        self.documents = DocumentRepository(session)
        self.receivables = ReceivableRepository(session)
        self.company = CompanyRepository(session)
        self.carriers = CarrierRepository(session)
        self.invoice_batches = InvoiceBatchRepository(session)

    def __exit__(self, exc_type, exc, traceback) -> None:
        # Anything not committed explicitly is rolled back: a crash never leaves half an import.
        try:
            self.session.rollback()
            self.session.close()
        finally:
            # Events of a transaction that did not commit describe nothing that happened.
            pull_recorded(self._aggregates)
            self._recording.__exit__(None, None, None)
            self._active = False
        if isinstance(exc, DBAPIError):
            # The use cases speak of conflicts and refused data, not of drivers.
            raise _translated(exc) from exc

    def redoable(self) -> None:
        """Call first in a transaction whose loss a later run redoes by itself: its commit need not wait
        for the disk (about half a millisecond on SQLite). Only for such transactions: recording SEFAZ's
        answer is one, since the NF-e stays "aguardando SEFAZ" (committed for good before it was sent)
        and the worker asks SEFAZ again by key."""
        self.session.connection(execution_options={REDOABLE_OPTION: True})

    def commit(self) -> None:
        self.publish()
        self.flush()
        self.session.commit()

    def no_autoflush(self) -> AbstractContextManager:
        """Queries inside do not flush pending objects first (a batch resolves all its lookups, then writes)."""
        return self.session.no_autoflush

    def detach(self, *objects: object) -> None:
        """Keep these objects readable after the transaction, without reloading them."""
        for obj in objects:
            self.session.expunge(obj)

    def detach_all(self) -> None:
        self.session.expunge_all()

    def flush(self) -> None:
        self.session.flush()
        self.write_pending()

    def write_pending(self) -> None:
        """Rows kept aside for a bulk insert after the flush (new orders have their ids by then)."""
        self.order_history.write_pending()

    def publish(self) -> None:
        """Hand the recorded domain events to their handlers, in the order they were recorded."""
        self.bus.handle(self, self.collect_new_events)

    def collect_new_events(self) -> list[DomainEvent]:
        return pull_recorded(self._aggregates)


def _translated(exc: DBAPIError) -> WriteConflict | DataRefused:
    # OperationalError covers PostgreSQL deadlocks and serialisation failures between writers, and
    # SQLite's "database is locked": all of them mean "run it again".
    if isinstance(exc, (IntegrityError, OperationalError)):
        return WriteConflict(reason=describe(exc))
    return DataRefused(reason=describe(exc))


def describe(exc: DBAPIError) -> str:
    """The error's kind and constraint, never its SQL or parameters (they carry personal data)."""
    original = getattr(exc, "orig", None)
    constraint = getattr(getattr(original, "diag", None), "constraint_name", None)
    kind = type(original or exc).__name__
    return f"{kind}: {constraint}" if constraint else kind
