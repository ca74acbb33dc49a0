"""A whole real-time installation in one test process: the store simulator delivering signed
webhooks over HTTP to `lojasync serve` (uvicorn) with its embedded worker (huey) on the test database."""

from __future__ import annotations

import os
import time
import uuid
from datetime import datetime, timezone

from lojasync.entrypoints.tasks import TaskQueue
from lojasync.entrypoints.web.app import create_app
from lojasync.nuvemshop.services.install_store import store_webhooks, webhook_url_for
from lojasync.nuvemshop.services.stores import add_store
from lojasync.serving import BackgroundServer
from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.server import SimulatorServer

SECRET = "9f2c6d0e4b8a7c1f3e5d7b9a0c2e4f6a8b0d1c3e"


def wait_until(condition, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


class LiveInstallation:
    def __init__(self, app, tmp_path, monkeypatch, orders: int = 10, **sim) -> None:
        settings = app.settings
        monkeypatch.setattr(settings, "nuvemshop_client_secret", SECRET)
        monkeypatch.setattr(settings, "coalesce_seconds", 0.3)
        monkeypatch.setattr(settings, "data_dir", tmp_path)
        monkeypatch.setattr(settings, "queue_name", f"lojasync-test-{uuid.uuid4().hex[:8]}")
        monkeypatch.setattr(settings, "redis_url", os.environ.get("LOJASYNC_TEST_REDIS_URL"))
        self.app = app
        config = SimulatorConfig(orders=orders, seed=31, leak_per_second=50.0, client_secret=SECRET,
                                 webhook_time_scale=0.001, **sim)
        self.simulator_server = SimulatorServer(config=config)
        self.queue = TaskQueue(app)
        self.web = BackgroundServer(create_app(app, self.queue))
        self.port = self.web.port
        self.consumer = self.queue.consumer(2, embedded=True)

    @property
    def simulator(self):
        return self.simulator_server.simulator

    def __enter__(self) -> LiveInstallation:
        self.simulator_server.start()
        self.web.start()
        srv = self.simulator_server
        view, _ = add_store(self.app.uow(), self.app.cipher, srv.store_id, srv.access_token, srv.api_url)
        self.store_id = view.id
        with self.app.uow() as uow:
            # Synced just now, before the worker starts: its periodic reconciliation is not due, so
            # whatever arrives does so through webhooks (tests that want a reconciliation ask for it).
            store = uow.stores.get(self.store_id)
            store.last_sync_at = store.sync_cursor = datetime.now(timezone.utc)
            uow.commit()
        self.consumer.start()
        report = store_webhooks(self.app.uow(), self.app.client_for, srv.store_id,
                                webhook_url_for(f"http://127.0.0.1:{self.port}"))
        assert report.complete, report
        return self

    def __exit__(self, *exc) -> None:
        self.consumer.stop(graceful=False)
        self.web.stop()
        self.simulator_server.stop()
        self.queue.huey.flush()
