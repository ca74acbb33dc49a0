"""A write the database refused for a reason of its own is said as that reason (hostile-environment review: a full
disk read "Outro processo gravava os mesmos dados ao mesmo tempo", exit 75, as if trying again would do)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError, ProgrammingError

from lojasync.db.errors import DatabaseWriteFailed
from lojasync.db.unit_of_work import _translated
from lojasync.entrypoints.cli.context import exit_code
from lojasync.shared.errors import WriteConflict


class _PostgresError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("error", "words"), [
    (OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full")), "disco cheio"),
    (OperationalError("INSERT", {}, sqlite3.OperationalError("attempt to write a readonly database")),
     "somente para leitura"),
    (OperationalError("INSERT", {}, sqlite3.OperationalError("disk I/O error")), "erro de leitura ou gravação"),
    (DatabaseError("SELECT", {}, sqlite3.DatabaseError("database disk image is malformed")), "corrompido"),
    (OperationalError("INSERT", {}, _PostgresError("53100")), "disco cheio"),
    (OperationalError("INSERT", {}, _PostgresError("08006")), "a conexão com o servidor caiu"),
    (OperationalError("INSERT", {}, _PostgresError("57P01")), "a conexão com o servidor caiu"),
    (ProgrammingError("INSERT", {}, _PostgresError("42501")), "não tem permissão para gravar"),
])
def test_the_databases_own_failures_are_said_as_they_are(error, words):
    said = _translated(error)
    # Retryable for the worker's next round (a store never stopped for it), exit 1 in the terminal.
    assert isinstance(said, DatabaseWriteFailed) and said.retryable and exit_code(said) == 1
    assert words in said.message and "Outro processo" not in said.message and said.resolution
    # Said of a read too (a list read from a corrupt file): not "não gravou" (review).
    assert said.message.startswith("O banco de dados falhou: ")


@pytest.mark.parametrize("error", [
    OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked")),
    OperationalError("INSERT", {}, _PostgresError("40P01")),     # deadlock
    OperationalError("INSERT", {}, _PostgresError("40001")),     # serialisation failure
    IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed: orders.id")),
])
def test_two_writers_meeting_is_still_a_conflict_to_run_again(error):
    said = _translated(error)
    assert isinstance(said, WriteConflict)
    # review: the operator read the driver's class ("DeadlockDetected"); the kind is kept for the logs only.
    assert "Error" not in said.message and "Deadlock" not in said.message and said.params["detail"]


def test_a_deadlock_is_said_in_portuguese():
    said = _translated(OperationalError("INSERT", {}, _PostgresError("40P01")))
    assert said.message == ("Outro processo gravava os mesmos dados ao mesmo tempo (as duas gravações esperavam uma "
                            "pela outra).")
    assert said.params["detail"] == "_PostgresError"


def test_a_postgresql_server_not_reached_is_said_as_gone_not_as_a_conflict():
    """Review: PostgreSQL down under a running `serve` answered every API call with "Outro processo gravava os mesmos
    dados ao mesmo tempo" (psycopg's connection failure has no SQLSTATE), and the worker's heartbeat said
    WriteConflict."""
    pytest.importorskip("psycopg")
    from sqlalchemy import create_engine, text

    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/test", connect_args={"connect_timeout": 2})
    with pytest.raises(OperationalError) as raised, engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    engine.dispose()
    said = _translated(raised.value)
    assert isinstance(said, DatabaseWriteFailed) and "a conexão com o servidor caiu" in said.message
    assert "PostgreSQL está no ar" in said.resolution


def test_a_connection_dropped_under_a_query_is_said_as_gone():
    dropped = OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"),
                               connection_invalidated=True)
    assert "a conexão com o servidor caiu" in _translated(dropped).message


@pytest.mark.parametrize(("driver_says", "words", "remedy"), [
    ("database or disk is full", "disco cheio", "Libere espaço"),
    ("disk I/O error", "erro de leitura ou gravação no disco", "Confira o disco"),
    ("unable to open database file", "unable to open database file", "Confira as permissões"),
])
def test_a_sqlite_file_that_cannot_be_opened_says_why_in_portuguese(driver_says, words, remedy):
    """Operations review: a full disk at the first `db upgrade` said the driver's "database or disk is full" and to
    check the permissions."""
    from sqlalchemy.engine import make_url

    from lojasync.db.opening import translate_open_error

    said = translate_open_error(OperationalError("SELECT 1", {}, sqlite3.OperationalError(driver_says)),
                                make_url("sqlite:////tmp/dados/lojasync.db"))
    assert said.message == f"Não foi possível abrir o banco de dados /tmp/dados/lojasync.db: {words}."
    assert said.resolution.startswith(remedy)


class _PostgresSchemaError(Exception):
    def __init__(self, sqlstate: str, text: str) -> None:
        super().__init__(text)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("error", "words"), [
    (OperationalError("SELECT", {}, sqlite3.OperationalError("no such column: invoices.cancel_refusal")),
     "falta a coluna invoices.cancel_refusal"),
    (OperationalError("INSERT", {}, sqlite3.OperationalError("table invoices has no column named cancel_refusal")),
     "falta a coluna cancel_refusal"),
    (OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: stock_counts")),
     "falta a tabela stock_counts"),
    (ProgrammingError("SELECT", {}, _PostgresSchemaError("42703", 'column invoices.cancel_refusal does not exist')),
     "falta a coluna invoices.cancel_refusal"),
    # An INSERT or UPDATE names the table after the column (review: read as a missing table).
    (ProgrammingError("UPDATE", {}, _PostgresSchemaError(
        "42703", 'column "cancel_refusal" of relation "invoices" does not exist')), "falta a coluna cancel_refusal"),
    (ProgrammingError("SELECT", {}, _PostgresSchemaError("42P01", 'relation "stock_counts" does not exist')),
     "falta a tabela stock_counts"),
])
def test_a_schema_this_version_does_not_find_is_said_as_such_and_retried_by_the_worker(error, words):
    """upgrade review: a column missing read as "outro processo gravava", exit 75, a script retrying for ever. The
    worker retries it each round, flagging no store (review of the fix); the terminal exits 1."""
    from lojasync.db.errors import SchemaMismatch
    from lojasync.nuvemshop.services.drain_events import retryable

    said = _translated(error)
    assert isinstance(said, SchemaMismatch) and words in said.message
    assert said.retryable and exit_code(said) == 1 and retryable(said)   # no notification failed for it


def test_a_constraint_naming_a_column_is_no_schema_mismatch():
    said = _translated(IntegrityError("INSERT", {}, sqlite3.IntegrityError("NOT NULL constraint failed: orders.total")))
    assert isinstance(said, WriteConflict)
