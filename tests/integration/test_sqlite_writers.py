"""SQLite writers of one process queue on a lock of their own (db.sqlite_writers), not in SQLite's busy handler.

Each test gives the waiting writer's connection a busy timeout of 0: had it met the other writer's lock inside
SQLite, its BEGIN IMMEDIATE would fail at once with "database is locked". It starts instead, once the other
transaction has ended, however that ended."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import event, text

from lojasync.db.engine import build_engine, build_session_factory


@pytest.fixture
def sessions(tmp_path):
    engine = build_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)")
    yield build_session_factory(engine)
    engine.dispose()


@pytest.fixture
def impatient(tmp_path):
    """Writers on another engine (pool) of the same file whose connections fail at once where SQLite's lock
    is taken: SQLite's busy handler never waits for them."""
    engine = build_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    event.listen(engine, "connect", lambda dbapi_connection, _: dbapi_connection.execute("PRAGMA busy_timeout=0"))
    yield build_session_factory(engine)
    engine.dispose()


def _second_writer(sessions, started: threading.Event, results: list) -> threading.Thread:
    def write() -> None:
        with sessions() as session:
            started.set()
            try:
                session.execute(text("INSERT INTO t (who) VALUES ('segundo')"))
                session.commit()
                results.append("ok")
            except Exception as exc:  # noqa: BLE001 - the test reads what happened
                results.append(repr(exc))
    return threading.Thread(target=write)


def _rows(sessions) -> list[str]:
    with sessions() as session:
        return [row.who for row in session.execute(text("SELECT who FROM t ORDER BY id"))]


@pytest.mark.parametrize("ending", ["commit", "rollback", "close", "error"])
def test_a_writer_waits_in_this_process_for_the_other_writer_however_its_transaction_ends(sessions, impatient,
                                                                                            ending):
    started, results = threading.Event(), []
    first = sessions()
    first.execute(text("INSERT INTO t (who) VALUES ('primeiro')"))   # holds the write lock from BEGIN IMMEDIATE
    second = _second_writer(impatient, started, results)
    second.start()
    assert started.wait(30)
    second.join(0.2)
    assert second.is_alive(), "the second writer must wait while the first transaction is open"
    if ending == "commit":
        first.commit()
    elif ending == "rollback":
        first.rollback()
    elif ending == "close":
        first.close()
    else:
        with pytest.raises(RuntimeError), first.begin_nested():
            raise RuntimeError("falha no meio da transação")
        first.rollback()
    second.join(10)
    first.close()
    assert results == ["ok"]
    assert _rows(sessions) == (["primeiro", "segundo"] if ending == "commit" else ["segundo"])


def test_a_writer_that_fails_its_begin_gives_the_gate_back(sessions, impatient, tmp_path):
    """Another process holds SQLite's lock (here a plain sqlite3 connection, which has no gate): this process's
    writer fails after its busy timeout, as before, and the next writer is not stuck behind it."""
    other = sqlite3.connect(tmp_path / "gate.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with impatient() as session, pytest.raises(Exception, match="database is locked"):
        session.execute(text("INSERT INTO t (who) VALUES ('bloqueado')"))
    other.execute("ROLLBACK")
    other.close()
    started, results = threading.Event(), []
    writer = _second_writer(impatient, started, results)
    writer.start()
    writer.join(10)
    assert results == ["ok"]


def test_readers_do_not_wait_for_writers(sessions, tmp_path):
    engine = build_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    readers = build_session_factory(engine, writer=False)
    with sessions() as writer:
        writer.execute(text("INSERT INTO t (who) VALUES ('escrevendo')"))
        with readers() as reader:
            assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0   # the writer's row is not committed
        writer.commit()
    engine.dispose()
