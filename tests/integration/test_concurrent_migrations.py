"""Several processes started together on an SQLite database that needs migrating (after an update: a cron's command
beside the restarted services) migrate one at a time; the others wait and find it done."""

from __future__ import annotations

import multiprocessing

from alembic.script import ScriptDirectory

from lojasync.db.engine import build_engine
from lojasync.db.migrate import alembic_config, current_revision
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
