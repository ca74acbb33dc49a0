"""Several processes started together on an SQLite database that needs migrating (after an update: a cron's command
beside the restarted services) migrate one at a time; the others wait and find it done."""

from __future__ import annotations

import logging
import multiprocessing

import pytest
from alembic.script import ScriptDirectory

from lojasync.db.engine import build_engine
from lojasync.db.migrate import MIGRATION_BUSY, alembic_config, current_revision
from tests.integration.old_database import database_at


def _upgrade(url: str, answers) -> None:
    from lojasync.db.migrate import upgrade

    try:
        answers.put(("ok", upgrade(build_engine(url))))
    except Exception as exc:  # noqa: BLE001 - reported to the test
        answers.put(("failed", f"{type(exc).__name__}: {exc}"))


def test_processes_started_together_migrate_one_at_a_time(tmp_path):
    """upgrade review: two commands at once, one failed with "database is locked" and was told to check permissions."""
    engine, _, _ = database_at(tmp_path, "0035")
    engine.dispose()
    url = f"sqlite:///{tmp_path / 'old.db'}"
    context = multiprocessing.get_context("fork")
    answers = context.Queue()
    processes = [context.Process(target=_upgrade, args=(url, answers)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    results = sorted(answers.get(timeout=5) for _ in processes)
    assert results == [("ok", False)] * 3 + [("ok", True)], results   # one migrated, the others found it done
    head = ScriptDirectory.from_config(alembic_config(build_engine(url))).get_current_head()
    assert current_revision(build_engine(url)) == head


def test_a_process_that_waits_for_another_ones_migration_says_so(tmp_path, monkeypatch):
    """The last notes: a command started beside an upgrade waited for the other process's migrations with nothing
    said. The terminal says it on stderr; the services' log has it as a warning."""
    import fcntl
    import os
    import threading

    from typer.testing import CliRunner

    from lojasync.entrypoints.cli.app import app as cli
    from lojasync.entrypoints.cli.context import reset_container

    engine, _, _ = database_at(tmp_path, "0035")
    engine.dispose()
    lock = os.open(f"{tmp_path / 'old.db'}.migrating", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)   # another process migrating
    once = threading.Lock()

    def release() -> None:
        if once.acquire(blocking=False):
            os.close(lock)

    # Released once the command says it waits (a second held after the start was too short for a command starting on
    # a machine busy with four test processes: it found the lock free and said nothing); at the latest after 30 s.
    class ReleaseWhenWaiting(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage() == MIGRATION_BUSY:
                release()

    waiting = ReleaseWhenWaiting()
    logging.getLogger("lojasync.db").addHandler(waiting)
    released = threading.Timer(30.0, release)
    released.start()
    monkeypatch.setenv("LOJASYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'old.db'}")
    monkeypatch.setenv("LOJASYNC_DATA_DIR", str(tmp_path))
    reset_container()
    try:
        result = CliRunner().invoke(cli, ["db", "upgrade"])
    finally:
        released.cancel()
        release()
        logging.getLogger("lojasync.db").removeHandler(waiting)
        reset_container()
    assert result.exit_code == 0, result.output
    assert "Outro processo está aplicando as migrações deste banco de dados: aguardando ele terminar" in result.output
    head = ScriptDirectory.from_config(alembic_config(build_engine(f"sqlite:///{tmp_path / 'old.db'}"))).get_current_head()
    assert current_revision(build_engine(f"sqlite:///{tmp_path / 'old.db'}")) == head


def test_nothing_is_said_when_no_other_process_migrates(tmp_path):
    from lojasync.db.migrate import upgrade_from

    engine, _, _ = database_at(tmp_path, "0035")
    said = []
    assert upgrade_from(engine, lambda: said.append("waiting")) == "0035"
    assert said == []


@pytest.mark.postgresql
def test_on_postgresql_a_process_that_waits_for_the_migration_lock_says_so():
    import threading

    from sqlalchemy import text

    from lojasync.db.migrate import MIGRATION_LOCK, _one_migrator
    from tests.conftest import PG_URL

    engine = build_engine(PG_URL)
    said, inside = [], threading.Event()

    def migrator() -> None:
        with _one_migrator(engine, lambda: said.append("waiting")):
            inside.set()

    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        other = threading.Thread(target=migrator)
        other.start()
        assert not inside.wait(1.0)   # waits while the lock is held
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
        holder.commit()
    other.join(timeout=30)
    assert inside.is_set() and said == ["waiting"]
    engine.dispose()
