"""No worker running (`serve --no-worker` with the worker stopped, or killed): the webhooks are recorded and the pages
answer, and nothing imports, settles or sends. Every running consumer writes a heartbeat every 30 s from a thread of
its own; pages, /readyz, /metrics and `store list` say when it goes quiet with a store connected."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from huey import MemoryHuey
from sqlalchemy import delete, insert, update
from typer.testing import CliRunner

from lojasync.entrypoints.cli.app import app as cli
from lojasync.entrypoints.cli.context import reset_container
from lojasync.entrypoints.tasks import TaskQueue
from lojasync.entrypoints.web.app import create_metrics_app
from lojasync.nuvemshop.db.tables import periodic_runs, stores
from lojasync.nuvemshop.services.maintenance import HEARTBEAT, elapsed_words, worker_silence
from tests.factories import make_store
from tests.integration.test_metrics import FakeQueue, value

NOW = datetime(2026, 12, 6, 15, 0, tzinfo=timezone.utc)


def last_beat(app, at: datetime | None) -> None:
    """As if a worker had last given a sign of life at `at` (None: never)."""
    with app.engine.begin() as conn:
        conn.execute(delete(periodic_runs).where(periodic_runs.c.name == HEARTBEAT))
        if at is not None:
            conn.execute(insert(periodic_runs).values(name=HEARTBEAT, last_run_at=at))


def connected_at(app, at: datetime) -> None:
    with app.engine.begin() as conn:
        conn.execute(update(stores).values(created_at=at))


def test_a_beat_lately_is_a_running_worker_and_three_minutes_without_one_is_silence(app):
    make_store(app)
    connected_at(app, NOW - timedelta(days=3))
    last_beat(app, NOW - timedelta(minutes=2, seconds=50))
    assert worker_silence(app.read_uow(), NOW) is None
    last_beat(app, NOW - timedelta(minutes=12))
    silence = worker_silence(app.read_uow(), NOW)
    assert silence is not None and silence.last_beat_at == NOW - timedelta(minutes=12)
    text = silence.text(NOW)
    assert text.startswith("Nenhum worker do lojasync está no ar há 12 minutos: os webhooks da loja seguem guardados")
    assert "nenhum pedido é importado" in text and "reinicie-o" in text and "lojasync worker" not in text


def test_no_beat_ever_is_silence_only_once_a_store_was_connected_long_enough_ago(app):
    # A fresh install: nothing for a worker to do yet, nothing to say.
    assert worker_silence(app.read_uow(), NOW) is None
    make_store(app)
    connected_at(app, NOW - timedelta(minutes=1))
    assert worker_silence(app.read_uow(), NOW) is None   # the embedded worker starts with serve
    connected_at(app, NOW - timedelta(hours=2, minutes=5))
    silence = worker_silence(app.read_uow(), NOW)
    assert silence is not None and silence.last_beat_at is None
    assert "desde que a loja foi conectada, há 2 h 5 min" in silence.text(NOW)


def test_with_no_store_active_a_stopped_worker_leaves_nothing_undone_and_nothing_is_said(app):
    """review: after the last store was disabled (or removed), the banner about "os webhooks da loja" stayed for ever."""
    store_id = make_store(app)
    connected_at(app, NOW - timedelta(days=3))
    last_beat(app, NOW - timedelta(hours=1))
    assert worker_silence(app.read_uow(), NOW) is not None
    with app.engine.begin() as conn:
        conn.execute(update(stores).where(stores.c.id == store_id).values(active=False))
    assert worker_silence(app.read_uow(), NOW) is None


def test_a_running_consumer_beats_while_every_worker_thread_is_busy(app):
    """review: the heartbeat was the minute's round, which waits in the queue behind the tasks: two long drains on
    Black Friday made a working worker read as a dead one, and the page asked to restart it. The beat comes from a
    thread of the consumer's own."""
    make_store(app)
    connected_at(app, datetime.now(timezone.utc) - timedelta(hours=1))
    last_beat(app, datetime.now(timezone.utc) - timedelta(hours=1))
    assert worker_silence(app.read_uow(), datetime.now(timezone.utc)) is not None
    queue = TaskQueue(app, MemoryHuey(utc=True))
    release = threading.Event()
    busy = queue.huey.task()(lambda: release.wait(60))
    consumer = queue.consumer(1, embedded=True)
    consumer.start()
    try:
        busy()   # the only worker thread, held
        deadline = time.monotonic() + 30   # a heartbeat's first beat, late on a busy machine
        while worker_silence(app.read_uow(), datetime.now(timezone.utc)) is not None:
            assert time.monotonic() < deadline, "no heartbeat while the worker thread was busy"
            time.sleep(0.1)
    finally:
        release.set()
        consumer.stop(graceful=True)


@pytest.mark.parametrize(("minutes", "words"), [(0, "0 minutos"), (1, "1 minuto"), (59, "59 minutos"),
                                                (60, "1 h"), (61, "1 h 1 min"), (47 * 60 + 59, "47 h 59 min"),
                                                (3 * 24 * 60 + 5, "3 dias")])
def test_elapsed_words(minutes, words):
    assert elapsed_words(timedelta(minutes=minutes, seconds=30)) == words


def test_readyz_warns_without_failing_and_metrics_say_it_even_of_a_worker_never_started(app):
    """A 503 would take the receiver out of a load balancer: the webhooks it still records would be refused."""
    make_store(app)
    connected_at(app, datetime.now(timezone.utc) - timedelta(hours=2))
    private = TestClient(create_metrics_app(app, FakeQueue()))
    # Never started (review: the age had no sample then, and an alert on it never fired).
    scraped = private.get("/metrics").text
    assert value(scraped, "lojasync_workers_silent") == 1
    assert value(scraped, "lojasync_worker_heartbeat_age_seconds") is None
    last_beat(app, datetime.now(timezone.utc) - timedelta(minutes=30))
    ready = private.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ok"] is True
    assert ready.json()["avisos"][0].startswith("Nenhum worker do lojasync está no ar há 30 minutos")
    scraped = private.get("/metrics").text
    age = value(scraped, "lojasync_worker_heartbeat_age_seconds")
    assert age is not None and 30 * 60 <= age < 31 * 60 and value(scraped, "lojasync_workers_silent") == 1
    last_beat(app, datetime.now(timezone.utc))
    assert private.get("/readyz").json()["avisos"] == []
    assert value(private.get("/metrics").text, "lojasync_workers_silent") == 0


def test_store_list_says_so_with_the_terminals_commands(app, monkeypatch):
    monkeypatch.setenv("LOJASYNC_DATABASE_URL", app.settings.resolved_database_url)
    monkeypatch.setenv("LOJASYNC_DATA_DIR", str(app.settings.data_dir))
    reset_container()
    try:
        make_store(app)
        connected_at(app, datetime.now(timezone.utc) - timedelta(days=1))
        last_beat(app, datetime.now(timezone.utc) - timedelta(hours=3))
        for fmt in ("table", "json"):   # json: on stderr, the list alone on stdout
            result = CliRunner().invoke(cli, ["store", "list", "--format", fmt])
            assert result.exit_code == 0, result.output
            said = " ".join(result.stderr.split())
            assert "Nenhum worker do lojasync está no ar há 3 h" in said and "No terminal: lojasync worker" in said
        last_beat(app, datetime.now(timezone.utc))
        result = CliRunner().invoke(cli, ["store", "list"])
        assert result.exit_code == 0 and "Nenhum worker" not in result.output
    finally:
        reset_container()


def test_a_consumer_whose_scheduler_died_stops_beating(app):
    """The integrator's review: `serve` starts its consumer without huey's health checks that restart dead threads,
    and a consumer whose scheduler had died (no round is ever enqueued again) went on beating."""
    queue = TaskQueue(app, MemoryHuey(utc=True))
    consumer = queue.consumer(1, embedded=True)
    consumer.start()
    try:
        assert consumer._working()
        alive = consumer.environment.is_alive
        consumer.environment.is_alive = lambda thread: thread is not consumer.scheduler and alive(thread)
        assert not consumer._working()
    finally:
        consumer.environment.is_alive = alive
        consumer.stop(graceful=True)
