"""Shared fixtures: one database per test session (SQLite by default, PostgreSQL when
LOJASYNC_TEST_DATABASE_URL is set), migrated once and emptied after every test."""

from __future__ import annotations

import os
import signal
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lojasync.bootstrap import Container, bootstrap
from lojasync.db.metadata import metadata
from lojasync.nuvemshop.db import tables as _connector_tables  # noqa: F401 - registers them on the metadata
from lojasync.settings import Settings

PG_URL = os.environ.get("LOJASYNC_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("LOJASYNC_TEST_REDIS_URL")

# Tests stop the processes they start with Ctrl+C's signal (SIGINT), as a person does. A test run started in the
# background by a script (`.ci/run &`) has SIGINT ignored, and an ignored signal stays ignored in every process
# started from it: each `lojasync` the tests started would shrug the signal off (the demo's Ctrl+C test failed
# that way). Here, and in each xdist worker, it is Python's default again, and the children get the default.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_report_header(config) -> list[str]:
    backend = make_url(PG_URL).render_as_string() if PG_URL else "SQLite (LOJASYNC_TEST_DATABASE_URL not set)"
    return [f"lojasync test database: {backend}"]


def pytest_collection_modifyitems(config, items) -> None:
    if PG_URL:
        return
    skip = pytest.mark.skip(reason="PostgreSQL test: set LOJASYNC_TEST_DATABASE_URL=postgresql+psycopg://... to run")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _merchant_zone_back_to_brasilias():
    """A test that ran a process in another time zone (LOJASYNC_TIME_ZONE) leaves the next one in Brasília's, as a
    new process would be."""
    yield
    from lojasync.shared.local_zone import DEFAULT_ZONE, use_merchant_zone

    use_merchant_zone(DEFAULT_ZONE)


@pytest.fixture(autouse=True, scope="session")
def _every_nfe_also_written_by_xsdata():
    """Every NF-e the tests build in this process is also written by xsdata's serializer and the two compared byte
    for byte: `fiscal.nfe_writer` claims xsdata's bytes, and each new shape the fiscal code makes is met here first
    (the tests of the writer itself are in tests/unit/test_fiscal_nfe_writer.py)."""
    from lojasync.fiscal import nfe_writer, nfe_xml

    def compared(binding, context, namespace):
        written = nfe_writer.plain_xml(binding, context, namespace)
        if written is not None and written != nfe_xml.to_xml(binding):
            raise AssertionError("fiscal.nfe_writer wrote an NF-e other than xsdata's serializer writes")
        return written

    nfe_xml.plain_xml = compared
    yield
    nfe_xml.plain_xml = nfe_writer.plain_xml


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if not PG_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'lojasync-test.db'}"
        return
    # A schema of our own per test session: parallel runs and leftovers never collide.
    schema = f"lojasync_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_container(database_url, tmp_path_factory) -> Container:
    settings = Settings(database_url=database_url, data_dir=tmp_path_factory.mktemp("data"))
    container = bootstrap(settings)
    yield container
    container.close()


@pytest.fixture()
def app(migrated_container) -> Container:
    """A migrated, empty database and the container around it."""
    yield migrated_container
    _empty(migrated_container)


def _empty(container: Container) -> None:
    names = [t.name for t in reversed(metadata.sorted_tables)]
    with container.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            _empty_postgresql(conn, names)
        else:
            for name in names:
                conn.execute(text(f'DELETE FROM "{name}"'))


def _empty_postgresql(conn, names: list[str]) -> None:
    """What a test wrote, deleted, and the ids it drew started again at 1 (as on SQLite). A TRUNCATE of every
    table costs about 90 ms a test (a new file per table); a test writes a handful of tables, so: one query
    finds them and the sequences drawn from, then plain DELETEs (children first) and RESTARTs."""
    probe = " UNION ALL ".join(f"SELECT '{n}' WHERE EXISTS (SELECT 1 FROM \"{n}\")" for n in names)
    written = {row[0] for row in conn.execute(text(probe))}
    for name in names:
        if name in written:
            conn.execute(text(f'DELETE FROM "{name}"'))
    drawn = conn.execute(text("SELECT sequencename FROM pg_sequences "
                              "WHERE schemaname = current_schema() AND last_value IS NOT NULL")).scalars()
    for sequence in drawn:
        conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
