"""The worker's drain of a store's notifications while the store's API fails: one retry per store at a time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from huey import MemoryHuey
from sqlalchemy import update

from lojasync.entrypoints import tasks
from lojasync.entrypoints.tasks import TaskQueue
from lojasync.nuvemshop.client.errors import TemporaryError
from lojasync.nuvemshop.db.tables import periodic_runs
from lojasync.nuvemshop.services.drain_orders import DrainReport
from tests.factories import make_store


@pytest.fixture()
def queue(app, monkeypatch):
    queue = TaskQueue(app, huey=MemoryHuey("test", immediate=True))
    queue.scheduled = []
    monkeypatch.setattr(queue._drain, "schedule", lambda args, delay: queue.scheduled.append((args, delay)))
    return queue


def test_a_store_whose_api_is_down_has_one_drain_retry_at_a_time(app, queue, monkeypatch):
    """Review: each webhook and each housekeeping round began a drain of its own, which failed and began a retry
    chain of its own: an hour of outage left 60 chains asking a failing API, the worker threads full of them."""
    store_id = make_store(app)
    drains = []

    def down(*args, **kwargs):
        drains.append(store_id)
        raise TemporaryError("a API da loja não respondeu")

    monkeypatch.setattr(tasks, "drain_store_events", down)
    queue._drain_task(store_id)
    assert (queue.scheduled, len(drains)) == ([((store_id, 1), 5.0)], 1)   # its retry, in 5 s

    # Meanwhile webhooks and housekeeping rounds ask for drains: the retry already scheduled takes what is pending.
    for _ in range(3):
        queue._drain_task(store_id)
    assert (queue.scheduled, len(drains)) == ([((store_id, 1), 5.0)], 1)
    # A chain already running (begun before the first failure) fails too: it leaves the retry to the one pending.
    queue._drain_task(store_id, 2)
    assert (queue.scheduled, len(drains)) == ([((store_id, 1), 5.0)], 2)

    _retry_time_comes(app, store_id)
    queue._drain_task(store_id, 1)   # the retry, failing again: the next one waits longer
    assert queue.scheduled[1:] == [((store_id, 2), 10.0)]
    _retry_time_comes(app, store_id)
    monkeypatch.setattr(tasks, "drain_store_events", lambda *a, **k: DrainReport(store_id))
    queue._drain_task(store_id, 2)   # the API is back: drained, nothing more scheduled
    assert len(queue.scheduled) == 2
    queue._drain_task(store_id)      # and a later webhook drains at once
    assert len(queue.scheduled) == 2


def test_a_store_another_worker_drains_is_looked_at_again_once_less_often_the_longer_it_holds_it(app, queue,
                                                                                                 monkeypatch):
    """Review: every webhook while a long drain or a reconciliation held the store began a look of its own, each
    asking the database every second."""
    store_id = make_store(app)
    monkeypatch.setattr(app.settings, "coalesce_seconds", 1.0)
    monkeypatch.setattr(tasks, "drain_store_events", lambda *a, **k: DrainReport(store_id, busy=True))
    queue._drain_task(store_id)
    for _ in range(3):
        queue._drain_task(store_id)   # webhooks meanwhile: the look already scheduled is the store's
    assert queue.scheduled == [((store_id, 0, 1), 1.0)]
    for _ in range(4):
        _retry_time_comes(app, store_id)
        queue._drain_task(*queue.scheduled[-1][0])
    assert [delay for _, delay in queue.scheduled] == [1.0, 2.0, 4.0, 8.0, 10.0]   # at most BUSY_LOOK_MAX apart


def test_a_drain_that_fails_with_the_database_still_schedules_its_retry(app, queue, monkeypatch):
    """Review: the claim of the store's retry needs the database that may be what just failed: it raised, and no
    retry was scheduled at all (the events waited for the next housekeeping round)."""
    store_id = make_store(app)

    def database_down(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(tasks, "drain_store_events", database_down)
    monkeypatch.setattr(tasks, "claim_drain_retry", database_down)
    monkeypatch.setattr(tasks, "drain_retry_pending", lambda *a, **k: False)
    queue._drain_task(store_id)
    assert queue.scheduled == [((store_id, 1), 5.0)]


def _retry_time_comes(app, store_id: int) -> None:
    with app.engine.begin() as conn:
        conn.execute(update(periodic_runs).where(periodic_runs.c.name == f"drain-retry:{store_id}")
                     .values(last_run_at=datetime.now(timezone.utc) - timedelta(seconds=1)))


def test_a_push_with_more_to_send_lets_the_stores_webhooks_in_before_its_next_slice(app, queue, monkeypatch):
    """Black Friday review: a push with more left than its slice went on at once, holding the store; the orders
    arriving meanwhile were imported only after the last key was sent. The drain comes first, the rest after a
    pause."""
    from lojasync.nuvemshop.services.push_updates import PushReport

    store_id = make_store(app)
    drained, pushes = [], []
    report = PushReport(store_id, pushed=5, calls=10, more=True)
    monkeypatch.setattr(tasks, "push_store_updates", lambda *a, **k: report)
    monkeypatch.setattr(tasks, "drain_store_events", lambda uow, cf, policy, sid, **k: drained.append(sid)
                        or DrainReport(sid))
    monkeypatch.setattr(queue._push, "schedule", lambda args, delay: pushes.append((args, delay)))
    # A drain that found the store busy has its follow-up waiting (up to a minute): this one does not wait for it.
    assert queue._first_follow_up(store_id, 60.0)
    queue._push_task(store_id)
    assert drained == [store_id] and pushes == [((store_id,), tasks.PUSH_SLICE_PAUSE)]
    report.more = False
    queue._push_task(store_id)   # a push that held the store at all: its webhooks drained after it too
    assert drained == [store_id, store_id] and len(pushes) == 1
    report.calls = 0
    queue._push_task(store_id)   # nothing sent, nothing held
    assert drained == [store_id, store_id]
