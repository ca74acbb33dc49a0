"""Worker processes (`lojasync worker`) on the test database and queue: killed, restarted, doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from datetime import datetime, timezone

import pytest

from lojasync.crypto import TokenCipher
from lojasync.nuvemshop.db.inbox import DirectInbox
from lojasync.nuvemshop.services.events_admin import list_events
from lojasync.nuvemshop.services.receive_webhook import receive_webhook
from lojasync.nuvemshop.services.stores import add_store
from lojasync.nuvemshop.signature import sign
from lojasync.sales.views import list_customers, list_orders
from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.server import SimulatorServer
from tests.e2e.live import wait_until
from tests.e2e.processes import stop

KEY = "chave-de-teste-dos-workers"
SECRET = "segredo-do-app"


@pytest.fixture()
def setup(app, tmp_path, monkeypatch):
    queue_name = f"lojasync-workers-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "LOJASYNC_DATABASE_URL": app.settings.resolved_database_url,
        "LOJASYNC_DATA_DIR": str(tmp_path),
        "LOJASYNC_SECRET_KEY": KEY,
        "LOJASYNC_QUEUE_NAME": queue_name,
        "LOJASYNC_COALESCE_SECONDS": "0.2",
    }
    if os.environ.get("LOJASYNC_TEST_REDIS_URL"):
        env["LOJASYNC_REDIS_URL"] = os.environ["LOJASYNC_TEST_REDIS_URL"]
    with SimulatorServer(config=SimulatorConfig(orders=5, seed=41, leak_per_second=100.0, bucket_size=80,
                                                deliver_webhooks=False)) as server:
        view, _ = add_store(app.uow(), TokenCipher(KEY), server.store_id, server.access_token, server.api_url)
        with app.uow() as uow:  # synced just now: the workers only have the notifications to handle
            store = uow.stores.get(view.id)
            store.last_sync_at = store.sync_cursor = datetime.now(timezone.utc)
            uow.commit()
        workers: list[subprocess.Popen] = []

        def start_worker() -> subprocess.Popen:
            log = open(tmp_path / f"worker-{len(workers)}.log", "wb")  # noqa: SIM115 - the worker's output, closed with it
            process = subprocess.Popen([sys.executable, "-m", "lojasync", "worker", "--workers", "2"], env=env,
                                       stdout=log, stderr=subprocess.STDOUT)
            workers.append(process)
            return process

        def notify(order_ids) -> None:
            for order_id in order_ids:
                body = json.dumps({"store_id": int(server.store_id), "event": "order/created", "id": order_id})
                receive_webhook(DirectInbox(app.engine), body.encode(), sign(body.encode(), SECRET), SECRET)

        yield server, start_worker, notify
        for process in workers:
            stop(process)


def pending(app) -> int:
    return sum(1 for e in list_events(app.read_uow(), limit=100_000) if e.status == "pendente")


def imported(app) -> list[str]:
    return [o["store_order_id"] for o in list_orders(app.read_uow())]


def test_worker_killed_mid_batch_and_restarted_imports_every_order_exactly_once(app, setup):
    server, start_worker, notify = setup
    ids = server.simulator.create_orders(1000)
    notify(ids)
    notify(ids[:200])  # duplicates, as the platform may send

    worker = start_worker()
    wait_until(lambda: len(imported(app)) > 0, timeout=60, interval=0.02)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    assert pending(app) > 0, "the worker must die with work still pending"

    start_worker()
    wait_until(lambda: pending(app) == 0, timeout=120, interval=0.5)
    orders = imported(app)
    assert len(orders) == len(set(orders))
    assert {str(i) for i in ids} <= set(orders)
    assert all(e.status == "processado" for e in list_events(app.read_uow(), limit=100_000))


def test_two_workers_on_one_storm_create_no_duplicate_order_or_customer(app, setup):
    server, start_worker, notify = setup
    start_worker()
    start_worker()
    ids = server.simulator.create_orders(500)
    notify(ids)
    notify(ids[::3])
    wait_until(lambda: pending(app) == 0 and len(imported(app)) >= 500, timeout=120, interval=0.5)
    orders = imported(app)
    assert len(orders) == len(set(orders))
    assert {str(i) for i in ids} <= set(orders)
    documents = [c["tax_id"] for c in list_customers(app.read_uow())]
    assert len(documents) == len(set(documents))
