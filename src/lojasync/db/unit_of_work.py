"""Unit of work: one transaction, the repositories that share it, and the domain events it publishes.

A use case takes a unit of work and enters it once per transaction it needs (`with uow: ...`); each
entry opens a new session. On commit the events the aggregates recorded go through the message bus
first, so their handlers (the order history, later stock and receivables) write in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from lojasync.db.engine import REDOABLE_OPTION
from lojasync.db.errors import DatabaseWriteFailed, SchemaMismatch
from lojasync.db.order_search import OrderSearchRepository
from lojasync.db.processing_repositories import (
    CarrierRepository,
    CompanyRepository,
    DanfeRepository,
    DocumentRepository,
    InvoiceBatchRepository,
    InvoiceRepository,
    NumberVoidRepository,
    ReceivableRepository,
    SimpleSaleRepository,
    StockMovementRepository,
)
from lojasync.db.repositories import (
    COUNTED_KNOWN,
    CustomerRepository,
    HistoryRepository,
    OrderRepository,
    ProductRepository,
)
from lojasync.shared.errors import DataRefused, LojasyncError, WriteConflict
from lojasync.shared.events import (
    Aggregate,
    DomainEvent,
    drop_recorded_since,
    pull_recorded,
    pull_recorded_since,
    recording_events,
    sequence_mark,
)
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
        self.number_voids = NumberVoidRepository(session)
        self.danfes = DanfeRepository(session)

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

    @property
    def writers_one_at_a_time(self) -> bool:
        """Whether the database runs one writing transaction at a time (SQLite): then no transaction, however many
        rows it locks, can deadlock with another."""
        return self.session_factory.kw["bind"].dialect.name == "sqlite"

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
        # What this transaction read and kept aside may change once it is over (another writer's count).
        self.session.info.pop(COUNTED_KNOWN, None)

    def attempt(self, part: Callable[[], None]) -> Exception | None:
        """Run `part` of this transaction in a savepoint, so that its failure does not take the rest with it: failed,
        what it wrote is rolled back (its objects expired, read again as they were) and the events it recorded go;
        the exception is returned for the caller to say what was left undone, and the transaction goes on. For a
        part that can wait (erasing what an LGPD request kept, after a cancellation SEFAZ already registered).

        The handlers of the part's own events run inside it too (its history entry, the XML its erasure drops): one
        of them failing is the part's failure (review: they ran after the savepoint, and their failure still rolled
        the cancellation back). A failure of the database itself (disk full, I/O, a lost connection, a deadlock) is
        not the part's: it is raised, the whole unit of work fails as before (SQLite may have rolled the whole
        transaction back, savepoint included: the rest, written without it, reported a cancellation it never kept)."""
        # What the transaction did before is written first, outside: a failure of its own is not the part's.
        self.flush()
        mark = sequence_mark()
        try:
            with self.session.begin_nested():   # released when the block ends
                part()
                self.bus.handle(self, lambda: pull_recorded_since(self._aggregates, mark))
                # Its rows written inside the savepoint; its history entries stay aside for the commit, written in
                # the order their events were recorded (written here, the erasure's came before the cancellation's
                # that caused it: review).
                self.session.flush()
        except OperationalError:
            raise
        except Exception as exc:   # any other failure of the part is the caller's to report
            if isinstance(exc, DBAPIError) and _storage_failure(exc) is not None:
                raise
            drop_recorded_since(self._aggregates, mark)
            self.order_history.drop_pending_since(mark)   # the entries of what was undone
            # In the unit of work's words, as every use case gives them: the driver's own can carry the row's values
            # (PostgreSQL's DETAIL "Failing row contains (...)": the very data an erasure was removing; review).
            return _translated(exc) if isinstance(exc, DBAPIError) else exc
        return None

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


def _translated(exc: DBAPIError) -> LojasyncError:
    # OperationalError covers PostgreSQL deadlocks and serialisation failures between writers, and SQLite's
    # "database is locked": all of them mean "run it again". It also covers a full disk, a read-only file, a
    # server gone: those are said as what they are (they read "another process was writing" before).
    failure = _storage_failure(exc)
    if failure is not None:
        return failure
    missing = _schema_missing(exc)
    if missing is not None:
        # Not two writers meeting (review: a column a development snapshot's migration never added read as "outro
        # processo gravava", exit 75, and a script retried for ever).
        return SchemaMismatch(what=missing)
    if isinstance(exc, IntegrityError):   # a unique key: another writer's row is there now
        return WriteConflict(reason=_conflict_words(exc), duplicate=True, detail=describe(exc))
    if isinstance(exc, OperationalError):
        return WriteConflict(reason=_conflict_words(exc), detail=describe(exc))
    return DataRefused(reason=describe(exc))


# SQLite's words and PostgreSQL's SQLSTATEs (undefined column, undefined table) for a schema this version does not find.
_MISSING_WORDS = ((re.compile(r"no such column: ([\w.]+)"), "falta a coluna {}"),
                  (re.compile(r"has no column named (\w+)"), "falta a coluna {}"),
                  (re.compile(r"no such table: ([\w.]+)"), "falta a tabela {}"),
                  (re.compile(r'column "?([\w.]+)"? (?:of relation "?[\w.]+"? )?does not exist'), "falta a coluna {}"),
                  (re.compile(r'relation "([\w.]+)" does not exist'), "falta a tabela {}"))
_MISSING_STATES = {"42703", "42P01"}


def _schema_missing(exc: DBAPIError) -> str | None:
    """What of the schema this version did not find, or None for any other failure."""
    original = getattr(exc, "orig", None)
    text = (str(original or exc).splitlines() or [""])[0]
    state = getattr(original, "sqlstate", None) or ""
    if state not in _MISSING_STATES and not text.startswith(("no such column", "no such table")) \
            and "has no column named" not in text:
        return None
    for pattern, words in _MISSING_WORDS:
        found = pattern.search(text)
        if found:
            return words.format(found.group(1))
    return "uma coluna ou tabela"


# How two writers met, in the words of whoever reads the message (the driver's class name, "DeadlockDetected", was
# shown to operators); the kind and constraint stay in `detail`, for the logs.
_CONFLICT_STATES = {"40P01": "as duas gravações esperavam uma pela outra", "40001": "gravações simultâneas",
                    "55P03": "registro travado por outra gravação", "23505": "o registro já foi gravado por ele"}


def _conflict_words(exc: DBAPIError) -> str:
    original = getattr(exc, "orig", None)
    said = _CONFLICT_STATES.get(getattr(original, "sqlstate", None) or "")
    if said:
        return said
    if isinstance(exc, IntegrityError):
        return "o registro já foi gravado por ele"
    if "locked" in str(original or exc):   # SQLite: another writer held the database past busy_timeout
        return "o banco estava ocupado por outra gravação"
    return "as gravações se cruzaram"


# (SQLite's words, or PostgreSQL's SQLSTATE class or code) -> what happened, what to do.
_FULL = ("disco cheio", "Libere espaço no disco do banco (a pasta de dados, com SQLite) e rode de novo.")
_READ_ONLY = ("o banco está somente para leitura",
              "Confira as permissões do arquivo do banco e da pasta de dados (o usuário que roda o lojasync precisa "
              "gravar nos dois) e rode de novo.")
_GONE = ("a conexão com o servidor caiu",
         "Confira se o PostgreSQL está no ar e a rede até ele; rode de novo (o worker tenta sozinho a cada rodada).")
_DENIED = ("o usuário do banco não tem permissão para gravar",
           "Dê ao usuário de LOJASYNC_DATABASE_URL permissão nas tabelas do lojasync (GRANT ALL ON ALL TABLES IN "
           "SCHEMA public TO usuario; e o mesmo para as SEQUENCES), ou use o dono do banco.")
_IO = ("erro de leitura ou gravação no disco",
       "Confira o disco da pasta de dados (espaço, erros do sistema) e rode de novo.")
_CORRUPT = ("o arquivo do banco está corrompido (SQLite)",
            "Restaure o banco (lojasync.db) do backup mais recente; o lojasync não apaga nem sobrescreve o arquivo.")
_SQLITE_WORDS = (("database or disk is full", _FULL), ("readonly database", _READ_ONLY), ("disk I/O error", _IO),
                 ("malformed", _CORRUPT))
_POSTGRES_STATES = {"53100": _FULL, "25006": _READ_ONLY, "42501": _DENIED}


def _storage_failure(exc: DBAPIError) -> DatabaseWriteFailed | None:
    original = getattr(exc, "orig", None)
    state = getattr(original, "sqlstate", None) or ""
    said = _POSTGRES_STATES.get(state) or (_GONE if state.startswith(("08", "57P")) or _connection_lost(exc) else None)
    if said is None and not state:
        said = sqlite_failure_words(str(original or exc))
    return DatabaseWriteFailed(reason=said[0], resolution=said[1]) if said else None


def sqlite_failure_words(text: str) -> tuple[str, str] | None:
    """What SQLite's message says happened to the file (full, read-only, I/O, corrupt), and what to do; None for
    anything else."""
    return next((words for needle, words in _SQLITE_WORDS if needle in text), None)


def _connection_lost(exc: DBAPIError) -> bool:
    """The server was not reached, or stopped answering: SQLAlchemy saw the connection drop, or psycopg failed to
    connect (its OperationalError then has no SQLSTATE; review: PostgreSQL down under a running `serve` answered
    every call with "outro processo gravava os mesmos dados", and the worker's heartbeat said WriteConflict)."""
    if exc.connection_invalidated:
        return True
    original = getattr(exc, "orig", None)
    return (isinstance(exc, OperationalError) and getattr(original, "sqlstate", None) is None
            and type(original).__module__.split(".")[0] == "psycopg")


def describe(exc: DBAPIError) -> str:
    """The error's kind and constraint, never its SQL or parameters (they carry personal data)."""
    original = getattr(exc, "orig", None)
    constraint = getattr(getattr(original, "diag", None), "constraint_name", None)
    kind = type(original or exc).__name__
    return f"{kind}: {constraint}" if constraint else kind
