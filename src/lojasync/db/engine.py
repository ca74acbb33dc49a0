"""Engine and session factory, built from settings (never at import time)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from lojasync.db import direct_writes
from lojasync.db.sqlite_writers import BUSY_TIMEOUT, GatedConnection

# A PostgreSQL server that accepts the connection and never answers (stalled, a dead peer behind a proxy): libpq
# waits for ever by default, and /readyz with it (review); a server that is up connects in milliseconds.
CONNECT_TIMEOUT = 10


def build_engine(database_url: str, **kwargs) -> Engine:
    # Statements' parameters stay out of the errors' text: a failed INSERT logged with its traceback carried the
    # customer's name, e-mail and phone (review; the log's masking catches CPF/CNPJ only).
    kwargs.setdefault("hide_parameters", True)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # Writers of this process queue on GatedConnection's lock, those of other processes on busy_timeout.
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT, "factory": GatedConnection}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # A connect_timeout the URL gives is the integrator's (connect_args would override it).
    connect_args = {} if "connect_timeout" in url.query else {"connect_timeout": CONNECT_TIMEOUT}
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    event.listen(engine, "begin", _server_begin)
    event.listen(engine, "before_cursor_execute", _without_nul, retval=True)
    return engine


def _without_nul(conn, cursor, statement, parameters, context, executemany):
    """PostgreSQL's text cannot hold a NUL character (SQLite's can): one typed or sent into any field (a search,
    a SKU, a reason) made the driver refuse the statement, and a read-only search answered "o banco recusou os
    dados". Nothing lojasync keeps needs a NUL (the boundaries drop them with `shared.text.clean_text`): here it
    is dropped from every text parameter, so both databases take the same input alike."""
    # By the parameters' shape, not `executemany`: a multi-row INSERT (insertmanyvalues) comes flagged as many
    # but as one flat dict of all its rows' values.
    if isinstance(parameters, list | tuple) and parameters and isinstance(parameters[0], dict | list | tuple):
        if any(_has_nul(each) for each in parameters):
            parameters = [_strip_nul(each) for each in parameters]
    elif _has_nul(parameters):
        parameters = _strip_nul(parameters)
    return statement, parameters


def _has_nul(parameters) -> bool:
    values = parameters.values() if isinstance(parameters, dict) else parameters or ()
    return any(isinstance(value, str) and "\x00" in value for value in values)


def _strip_nul(parameters):
    if isinstance(parameters, dict):
        return {key: value.replace("\x00", "") if isinstance(value, str) else value
                for key, value in parameters.items()}
    return type(parameters)(value.replace("\x00", "") if isinstance(value, str) else value for value in parameters)


# Python's str.lower on SQLite, whose lower() folds ASCII letters only: what PostgreSQL's lower() does with accents.
UNICODE_LOWER = "lojasync_lower"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # let the "begin" listener issue BEGIN
    dbapi_connection.create_function(UNICODE_LOWER, 1, lambda text: text.lower() if isinstance(text, str) else text,
                                     deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # FULL: a commit is on disk before it returns, through a power cut or an OS crash too. With NORMAL a
    # committed NF-e number could come back unused after one, and be sent again with another key (539)
    # while SEFAZ holds the first. Measured: no difference on imports or webhooks (their commits are
    # batched), about 0.5 ms per NF-e (benchmarks/invoice_throughput.py).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
    cursor.close()


def _sqlite_begin(conn) -> None:
    # A writer takes the write lock at BEGIN, so two writers queue on busy_timeout instead of one
    # failing with "database is locked" when it upgrades a read lock. Readers begin deferred and,
    # with WAL, never wait for writers.
    options = conn.get_execution_options()
    # The safety level cannot change inside a transaction: it is set before BEGIN, and only when this
    # connection's last transaction had the other one (it is kept per connection, between checkouts).
    synchronous = "NORMAL" if options.get(REDOABLE_OPTION, False) else "FULL"
    if conn.info.get("synchronous", "FULL") != synchronous:
        conn.exec_driver_sql(f"PRAGMA synchronous={synchronous}")
        conn.info["synchronous"] = synchronous
    if not options.get(WRITER_OPTION, False):
        conn.exec_driver_sql("BEGIN")
        return
    dbapi_connection = conn.connection.dbapi_connection
    dbapi_connection.enter_gate()
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        dbapi_connection.leave_gate()
        raise


def _server_begin(conn) -> None:
    # On PostgreSQL the setting lasts until this transaction ends, whatever ends it.
    if conn.get_execution_options().get(REDOABLE_OPTION, False):
        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


WRITER_OPTION = "lojasync_writer"
# A transaction that a later run redoes if it is lost (see `SqlUnitOfWork.redoable`): its commit returns
# without waiting for the disk. Lost only to a power cut or an OS crash, never to a crash of the process.
REDOABLE_OPTION = "lojasync_redoable"


def build_session_factory(engine: Engine, writer: bool = True) -> sessionmaker[Session]:
    bind = engine.execution_options(**{WRITER_OPTION: True}) if writer else _one_snapshot(engine)
    factory = sessionmaker(bind=bind, expire_on_commit=False)
    direct_writes.install(factory)
    return factory


def _one_snapshot(engine: Engine) -> Engine:
    """A reader's statements all see the database as it was at its first one. SQLite's deferred BEGIN already does
    (WAL: the read snapshot lasts until the transaction ends). PostgreSQL's READ COMMITTED takes a new snapshot per
    statement: a paged list's rows and its total (X-Total-Count, the Financeiro's totals, a stock page's balances)
    are separate statements, and a product imported between them made them disagree (review). REPEATABLE READ gives
    the reader one snapshot; a transaction that only reads is never refused for it (serialization failures are for
    writers), and readers write nothing (they are for pages and listings)."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="REPEATABLE READ")
