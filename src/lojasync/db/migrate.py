"""Apply Alembic migrations programmatically: every command that opens the database calls this."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:   # not on this system (Windows): SQLite's own lock, as before
    fcntl = None

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from lojasync.db.errors import DatabaseFromNewerVersion, DatabaseOfAnotherSystem
from lojasync.db.metadata import metadata
from lojasync.shared.os_words import in_portuguese

log = logging.getLogger("lojasync.db")

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the latest revision; return True when something was applied."""
    return upgrade_from(engine) is not None


def waiting_in_the_log() -> None:
    """Said by every command (the terminal shows the migrations' warnings whatever the command: `lojasync.db`), and by
    serve and the worker in their log."""
    log.warning(MIGRATION_BUSY)


MIGRATION_BUSY = ("Outro processo está aplicando as migrações deste banco de dados: aguardando ele terminar (numa "
                  "atualização do lojasync, isso pode levar alguns minutos).")


def upgrade_from(engine: Engine, waiting: Callable[[], None] = waiting_in_the_log) -> str | None:
    """Bring the schema to the latest revision; return the revision it was at ("" for a new database), or None when
    nothing was applied (what `db upgrade` says). `waiting` is called once when another process holds the migration
    lock, before this one waits for it (the last notes: a command started beside an upgrade hung with nothing said).

    A revision this code does not know means a newer lojasync migrated the database: refused before Alembic
    is asked (its own error is a bare "Can't locate revision"), and nothing is written.
    """
    config = alembic_config(engine)
    scripts = ScriptDirectory.from_config(config)
    head = scripts.get_current_head()
    if current_revision(engine) == head:   # every start, nothing to do: no lock taken (read again under it below)
        return None
    with _one_migrator(engine, waiting):
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            others = _other_systems_tables(connection) if current is None else []
            where = _where(engine, connection) if current != head else ""
        if current == head:
            return None
        if others:
            shown = ", ".join(others[:5]) + (f" e mais {len(others) - 5}" if len(others) > 5 else "")
            raise DatabaseOfAnotherSystem(where=where, tables=shown)
        if current is not None and current not in {script.revision for script in scripts.walk_revisions()}:
            raise DatabaseFromNewerVersion(where=where, revision=current, head=head)
        command.upgrade(config, "head")
        return current or ""


# pg_advisory_lock's key for lojasync's migrations (any number; the same in every process).
MIGRATION_LOCK = 7_291_604_553


@contextmanager
def _one_migrator(engine: Engine, waiting: Callable[[], None]) -> Iterator[None]:
    """Processes started together on a new PostgreSQL database (serve and two workers) migrate one at a time:
    the others wait, then find it done. Side by side, one of them failed on a table the other had just made
    (IntegrityError). On SQLite, a lock file beside the database does the same: the migration reads the revision in
    a plain transaction, and a second process met the first one's write with "database is locked" at once (upgrade
    review: two commands started together after an update, one failed, told to check the file's permissions)."""
    if engine.url.get_backend_name() == "sqlite":
        with _sqlite_migration_lock(engine.url.database, waiting):
            yield
        return
    if engine.url.get_backend_name() != "postgresql":
        yield
        return
    with engine.connect() as connection:
        if not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": MIGRATION_LOCK}).scalar():
            waiting()
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        connection.commit()   # a session lock: it outlives the transaction, which must not stay open
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            connection.commit()


@contextmanager
def _sqlite_migration_lock(database: str | None, waiting: Callable[[], None]) -> Iterator[None]:
    """An exclusive lock on `<database>.migrating`, held while this process migrates (waited for, not failed on);
    none for an in-memory database, or where the system has no such locks."""
    if not database or database == ":memory:" or fcntl is None:
        yield
        return
    try:
        descriptor = os.open(f"{database}.migrating", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:   # a lock file another user left (a `sudo lojasync db upgrade`): migrated without it
        log.warning("migration lock file not opened: migrating without it",
                    extra={"path": f"{database}.migrating", "reason": in_portuguese(exc)})
        yield
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:   # another process migrates: said, then waited for
            waiting()
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)   # the lock goes with it


def _where(engine: Engine, connection) -> str:
    """The database as a person finds it: the SQLite file, or PostgreSQL's server (a local socket when the
    address has no host), database and schema (when not public: set by `options=-csearch_path=...`)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    schema = inspect(connection).default_schema_name
    return (f"em {url.host or 'socket local'}/{url.database or ''}"
            + (f", schema {schema}" if schema and schema != "public" else ""))


# Tables an extension puts in a database it is installed in (PostGIS), not another program's data.
_EXTENSION_TABLES = frozenset({"spatial_ref_sys"})


def _other_systems_tables(connection) -> list[str]:
    """The tables, in a database with no lojasync revision, that are not lojasync's: another program's
    database. One holding only tables of ours (a first migration cut short) is migrated. `metadata` holds every
    table once the mappers are started (bootstrap); before that nothing is judged foreign."""
    ours = set(metadata.tables)
    if not ours:
        return []
    return sorted(set(inspect(connection).get_table_names()) - ours - _EXTENSION_TABLES - {"alembic_version"})


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
