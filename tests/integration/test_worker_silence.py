"""No worker working (`serve --no-worker` with the worker stopped, or killed): the webhooks are recorded and the
pages answer, and nothing imports, settles or sends. The time a worker last ran the minute's round (housekeeping)
is the heartbeat every process reads: pages, /readyz, /metrics and `store list` say when it goes quiet."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, update
from typer.testing import CliRunner

from lojasync.entrypoints.cli.app import app as cli
from lojasync.entrypoints.cli.context import reset_container
from lojasync.entrypoints.tasks import TaskQueue
from lojasync.entrypoints.web.app import create_metrics_app
from lojasync.nuvemshop.db.tables import periodic_runs, stores
from lojasync.nuvemshop.services.maintenance import HOUSEKEEPING, elapsed_words, worker_silence
from tests.factories import make_store
from tests.integration.test_metrics import FakeQueue, value

NOW = datetime(2026, 12, 6, 15, 0, tzinfo=timezone.utc)


def last_round(app, at: datetime) -> None:
    """As if a worker had last run the minute's round at `at`."""
    with app.engine.begin() as conn:
        if conn.execute(update(periodic_runs).where(periodic_runs.c.name == HOUSEKEEPING)
                        .values(last_run_at=at)).rowcount == 0:
            conn.execute(insert(periodic_runs).values(name=HOUSEKEEPING, last_run_at=at))


def connected_at(app, at: datetime) -> None:
    with app.engine.begin() as conn:
        conn.execute(update(stores).values(created_at=at))


def test_a_round_run_lately_is_a_working_worker_and_three_minutes_without_one_is_silence(app):
    make_store(app)
    last_round(app, NOW - timedelta(minutes=2, seconds=50))
    assert worker_silence(app.read_uow(), NOW) is None
    last_round(app, NOW - timedelta(minutes=12))
    silence = worker_silence(app.read_uow(), NOW)
    assert silence is not None and silence.last_round_at == NOW - timedelta(minutes=12)
    text = silence.text(NOW)
    assert text.startswith("Nenhum worker do lojasync dá sinal há 12 minutos (parado, ou sem folga para a rotina de "
                           "cada minuto): os webhooks da loja seguem guardados")
    assert "nenhum pedido é importado" in text and "reinicie-o" in text and "lojasync worker" not in text


def test_no_round_ever_is_silence_only_once_a_store_was_connected_long_enough_ago(app):
    # A fresh install: nothing for a worker to do yet, nothing to say.
    assert worker_silence(app.read_uow(), NOW) is None
    make_store(app)
    connected_at(app, NOW - timedelta(minutes=1))
    assert worker_silence(app.read_uow(), NOW) is None   # the embedded worker's first round is a minute away
    connected_at(app, NOW - timedelta(hours=2, minutes=5))
    silence = worker_silence(app.read_uow(), NOW)
    assert silence is not None and silence.last_round_at is None
    assert "desde que a primeira loja foi conectada, há 2 h 5 min" in silence.text(NOW)


def test_the_housekeeping_round_is_the_heartbeat(app, monkeypatch):
    """The round the consumers schedule every minute, run by a worker, records the time the silence is read from."""
    make_store(app)
    connected_at(app, datetime.now(timezone.utc) - timedelta(hours=1))
    assert worker_silence(app.read_uow(), datetime.now(timezone.utc)) is not None
    queue = TaskQueue(app)
    monkeypatch.setattr(queue, "housekeeping", lambda: None)   # the round's work is tested elsewhere
    # The periodic task as the consumer's scheduler enqueues it, run as a worker thread runs it.
    round_task = next(task for task in queue.huey._registry._periodic_tasks if task.__name__ == HOUSEKEEPING)
    queue.huey.execute(round_task())
    assert worker_silence(app.read_uow(), datetime.now(timezone.utc)) is None


@pytest.mark.parametrize(("minutes", "words"), [(0, "0 minutos"), (1, "1 minuto"), (59, "59 minutos"),
                                                (60, "1 h"), (61, "1 h 1 min"), (47 * 60 + 59, "47 h 59 min"),
                                                (3 * 24 * 60 + 5, "3 dias")])
def test_elapsed_words(minutes, words):
    assert elapsed_words(timedelta(minutes=minutes, seconds=30)) == words


def test_readyz_warns_without_failing_and_metrics_give_the_rounds_age(app):
    """A 503 would take the receiver out of a load balancer: the webhooks it still records would be refused."""
    make_store(app)
    last_round(app, datetime.now(timezone.utc) - timedelta(minutes=30))
    private = TestClient(create_metrics_app(app, FakeQueue()))
    ready = private.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ok"] is True
    assert ready.json()["avisos"][0].startswith("Nenhum worker do lojasync dá sinal há 30 minutos")
    age = value(private.get("/metrics").text, "lojasync_worker_round_age_seconds")
    assert age is not None and 30 * 60 <= age < 31 * 60
    last_round(app, datetime.now(timezone.utc))
    assert private.get("/readyz").json()["avisos"] == []


def test_store_list_says_so_with_the_terminals_commands(app, monkeypatch):
    monkeypatch.setenv("LOJASYNC_DATABASE_URL", app.settings.resolved_database_url)
    monkeypatch.setenv("LOJASYNC_DATA_DIR", str(app.settings.data_dir))
    reset_container()
    try:
        make_store(app)
        last_round(app, datetime.now(timezone.utc) - timedelta(hours=3))
        result = CliRunner().invoke(cli, ["store", "list"])
        assert result.exit_code == 0, result.output
        said = " ".join(result.output.split())
        assert "Nenhum worker do lojasync dá sinal há 3 h" in said and "No terminal: lojasync worker" in said
        last_round(app, datetime.now(timezone.utc))
        result = CliRunner().invoke(cli, ["store", "list"])
        assert result.exit_code == 0 and "Nenhum worker" not in result.output
    finally:
        reset_container()
