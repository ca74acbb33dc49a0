"""PostgreSQL's trigram indexes for the order search (migration 0016, `lojasync.db.trigram`): a server where
`pg_trgm` cannot be created still migrates and searches, and says so once; an extension installed elsewhere is
used where it is; two databases migrated at once both end with the extension. Each test has a database of its
own: the test session's shares the extension with every other session."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lojasync.bootstrap import bootstrap
from lojasync.db.metadata import objects_of
from lojasync.db.migrate import alembic_config, current_revision
from lojasync.db.tables import metadata
from lojasync.db.trigram import INDEXED, trigram_schema
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.sales.order_filter import OrderFilter
from lojasync.sales.views import find_orders
from lojasync.settings import Settings
from tests.conftest import PG_URL
from tests.factories import cpf, make_store, order_payload

pytestmark = pytest.mark.postgresql


@contextmanager
def fresh_database():
    """A new database (without pg_trgm) and a role of its own that owns a schema there but may not create
    extensions (no CREATE on the database): what a hosted PostgreSQL often gives an application."""
    suffix = uuid.uuid4().hex[:10]
    name, role = f"lojasync_trgm_{suffix}", f"lojasync_trgm_{suffix}"
    server = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    admin = create_engine(make_url(PG_URL).set(database=name), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA app AUTHORIZATION "{role}"'))
    app_url = make_url(PG_URL).set(database=name, username=role).update_query_dict({"options": "-csearch_path=app"})
    try:
        yield admin, app_url.render_as_string(hide_password=False)
    finally:
        admin.dispose()
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        server.dispose()


def trigram_indexes(engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'app' "
                                 "AND indexname LIKE '%trgm%'"))
        return dict(rows.all())


def differences(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False,
                                                         "include_object": objects_of(conn.dialect.name)})
        return compare_metadata(context, metadata)


def test_a_role_that_cannot_create_pg_trgm_migrates_searches_and_says_so_once(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="lojasync.db.trigram")
    with fresh_database() as (_admin, url):
        container = bootstrap(Settings(database_url=url, data_dir=tmp_path))
        try:
            head = ScriptDirectory.from_config(alembic_config(container.engine)).get_current_head()
            assert current_revision(container.engine) == head
            assert trigram_indexes(container.engine) == {}
            # The only difference from the tables' definitions: the two indexes it could not create.
            assert sorted(d[1].name for d in differences(container.engine)) == sorted(INDEXED.values())
            store = make_store(container)
            payload = order_payload(contact_name="Ana Júlia Souza", customer={
                **order_payload()["customer"], "name": "Ana Júlia Souza", "identification": cpf("529982247")})
            number = import_order(container.uow(), store, payload, ImportPolicy()).order_number
            for words in ("ana julia", "529.982", "júlia sou"):
                found = find_orders(container.read_uow(), OrderFilter(text=words), 1, 50)
                assert [o["number"] for o in found.items] == [number], words
        finally:
            container.close()
        bootstrap(Settings(database_url=url, data_dir=tmp_path)).close()    # already migrated: nothing to say
    warnings = [r for r in caplog.records if r.name == "lojasync.db.trigram"]
    assert len(warnings) == 1
    assert warnings[0].error_class == "InsufficientPrivilege"
    assert "CREATE EXTENSION pg_trgm WITH SCHEMA public" in warnings[0].resolution
    assert "ix_orders_search_name_trgm" in warnings[0].resolution


def test_an_extension_installed_in_another_schema_is_used_where_it_is(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="lojasync.db.trigram")
    with fresh_database() as (admin, url):
        with admin.connect() as conn:
            conn.execute(text("CREATE SCHEMA extensions"))
            conn.execute(text("CREATE EXTENSION pg_trgm WITH SCHEMA extensions"))
            conn.execute(text(f"GRANT USAGE ON SCHEMA extensions TO \"{make_url(url).username}\""))
        container = bootstrap(Settings(database_url=url, data_dir=tmp_path))
        try:
            indexes = trigram_indexes(container.engine)
            assert differences(container.engine) == []
        finally:
            container.close()
    assert sorted(indexes) == sorted(INDEXED.values())
    assert all("USING gin" in d and "extensions.gin_trgm_ops" in d for d in indexes.values())
    assert [r for r in caplog.records if r.name == "lojasync.db.trigram"] == []


def test_two_migrations_creating_the_extension_at_once_both_get_it(caplog):
    """IF NOT EXISTS does not stop the second: it waits for the first to commit, then fails on the catalog's
    unique key, inside its savepoint; it finds the extension there and goes on."""
    caplog.set_level(logging.WARNING, logger="lojasync.db.trigram")
    with fresh_database() as (admin, _url):
        engine = create_engine(admin.url)
        found: dict[str, str | None] = {}
        try:
            with engine.connect() as first, engine.connect() as second:
                second_pid = second.execute(text("SELECT pg_backend_pid()")).scalar()
                found["first"] = trigram_schema(first)      # created, not committed yet

                def migrate_second() -> None:
                    found["second"] = trigram_schema(second)
                    second.execute(text("SELECT 1"))         # its transaction is still usable
                    second.commit()

                racer = threading.Thread(target=migrate_second)
                racer.start()
                _wait_until_blocked(first, second_pid)
                first.commit()
                racer.join(timeout=30)
                assert not racer.is_alive()
        finally:
            engine.dispose()
    assert found == {"first": "public", "second": "public"}
    assert [r for r in caplog.records if r.name == "lojasync.db.trigram"] == []


def _wait_until_blocked(observer, pid: int) -> None:
    query = text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid")
    for _ in range(600):   # up to 30 s: a busy machine's CREATE EXTENSION reaches the lock late
        if observer.execute(query, {"pid": pid}).scalar() == "Lock":
            return
        time.sleep(0.05)
    raise AssertionError("the second CREATE EXTENSION never waited for the first")


def test_processes_started_together_on_a_new_database_migrate_one_at_a_time():
    """Hostile-environment review: three `db upgrade` (or serve and two workers) at once on a new database; one
    ended in "Erro inesperado (IntegrityError)" on what another had just created."""
    from lojasync.db.migrate import upgrade
    from lojasync.db.opening import open_engine

    with fresh_database() as (_admin, url):
        engines = [open_engine(url) for _ in range(3)]
        outcomes: list[object] = []

        def migrate(engine) -> None:
            try:
                outcomes.append(upgrade(engine))
            except Exception as exc:  # noqa: BLE001 - what a failed process would have shown
                outcomes.append(exc)

        threads = [threading.Thread(target=migrate, args=(engine,)) for engine in engines]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert sorted(outcomes, key=str) == [False, False, True], outcomes   # one migrated, the others found it done
        assert upgrade(engines[0]) is False   # at the head
        for engine in engines:
            engine.dispose()
