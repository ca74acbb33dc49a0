"""The webhook receiver against hostile input: endless bodies, deep nesting, non-JSON numbers, text
PostgreSQL refuses, and one bad row in a group commit."""

from __future__ import annotations

import json
import socket
import time
from contextlib import contextmanager

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from lojasync.db.engine import WRITER_OPTION
from lojasync.entrypoints.web.app import create_app
from lojasync.entrypoints.web.webhooks import MAX_BODY
from lojasync.nuvemshop.services.events_admin import list_events
from lojasync.nuvemshop.services.receive_webhook import accept_webhook
from lojasync.nuvemshop.signature import sign
from lojasync.serving import BackgroundServer
from tests.factories import make_store
from tests.integration.test_webhook_receiver import SECRET, RecordingQueue, post

CHUNK = 64 * 1024


@pytest.fixture()
def web(app, monkeypatch):
    monkeypatch.setattr(app.settings, "nuvemshop_client_secret", SECRET)
    client = TestClient(create_app(app, RecordingQueue()))
    yield client
    client.close()


def signed(raw: bytes) -> dict:
    return {"Content-Type": "application/json", "X-Linkedstore-HMAC-SHA256": sign(raw, SECRET)}


# 1. memory ------------------------------------------------------------------------------------------

def test_chunked_body_past_the_limit_is_refused_without_reading_it_all(app, monkeypatch):
    """No Content-Length to check first: the receiver must stop reading at the limit, not at the end."""
    monkeypatch.setattr(app.settings, "nuvemshop_client_secret", SECRET)
    make_store(app)
    total = 64 * 1024 * 1024
    sent = 0

    def endless():
        nonlocal sent
        while sent < total:
            sent += CHUNK
            yield b" " * CHUNK

    # A small send buffer keeps what the kernel absorbs after the server stops reading small and steady.
    transport = httpx.HTTPTransport(socket_options=[(socket.SOL_SOCKET, socket.SO_SNDBUF, 256 * 1024)])
    with BackgroundServer(create_app(app, RecordingQueue())) as server, httpx.Client(transport=transport) as client:
        response = client.post(f"{server.url}/webhooks/nuvemshop", content=endless(), timeout=30,
                               headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers  # chunked, as a hostile client sends it
    assert response.status_code == 413
    # The limit plus what the sockets' buffers absorbed before the server closed the connection.
    assert sent < 16 * 1024 * 1024, f"the server read {sent / 2**20:.0f} MiB of a {MAX_BODY // 1024} KiB limit"
    assert list_events(app.read_uow()) == []


def test_chunked_body_within_the_limit_is_accepted(app, monkeypatch):
    monkeypatch.setattr(app.settings, "nuvemshop_client_secret", SECRET)
    make_store(app)
    raw = json.dumps({"store_id": 1234567, "event": "order/paid", "id": 1}).encode()
    with BackgroundServer(create_app(app, RecordingQueue())) as server:
        response = httpx.post(f"{server.url}/webhooks/nuvemshop", content=iter([raw[:10], raw[10:]]), headers=signed(raw))
    assert response.status_code == 200
    assert len(list_events(app.read_uow())) == 1


# 3. nesting, 4. numbers JSON does not have -----------------------------------------------------------

def test_deeply_nested_signed_body_is_a_400_not_a_crash(app, web):
    make_store(app)
    raw = b'{"store_id": 1234567, "event": "order/paid", "id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert len(raw) < MAX_BODY
    response = web.post("/webhooks/nuvemshop", content=raw, headers=signed(raw))
    assert response.status_code == 400 and "aninhado" in response.json()["erro"]
    assert list_events(app.read_uow()) == []


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
def test_nan_and_infinity_are_refused_on_every_backend(app, web, number):
    """SQLite would store them, PostgreSQL's JSON refuses them: both answer 400."""
    make_store(app)
    raw = b'{"store_id": 1234567, "event": "order/paid", "id": 1, "total": ' + number + b"}"
    response = web.post("/webhooks/nuvemshop", content=raw, headers=signed(raw))
    assert response.status_code == 400 and "JSON" in response.json()["erro"]
    assert list_events(app.read_uow()) == []


# 4. text a database refuses ---------------------------------------------------------------------------

@pytest.mark.parametrize(("event", "stored"), [
    ("order/paid\u0000", "order/paid"),          # PostgreSQL refuses NUL in text
    ("order/paid\ud800", "order/paid\ufffd"),    # a lone surrogate cannot be encoded by either backend
])
def test_text_a_database_refuses_is_cleaned_and_recorded(app, web, event, stored):
    make_store(app)
    raw = json.dumps({"store_id": "1234567", "event": event, "id": "17\u0000", "note": "a\u0000b\udc00"}).encode()
    response = web.post("/webhooks/nuvemshop", content=raw, headers=signed(raw))
    assert response.status_code == 200, response.text
    (recorded,) = list_events(app.read_uow())
    assert recorded.event == stored and recorded.resource_id == "17"
    assert recorded.status == ("pendente" if stored == "order/paid" else "ignorado")


@contextmanager
def inbox_writes_blocked(app):
    """Hold the webhook table's write lock, so the inbox's writer waits and the next rows pile up."""
    # SQLite: the engine's writer option makes BEGIN take the database's write lock.
    with app.engine.execution_options(**{WRITER_OPTION: True}).connect() as conn:
        conn.begin()
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE nuvemshop_webhook_events IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            conn.rollback()


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.01)


def test_one_bad_row_fails_alone_and_its_batch_neighbours_commit(app):
    store_id = make_store(app)
    inbox = app.webhook_inbox()

    def row(n: int) -> dict:
        raw = json.dumps({"store_id": "1234567", "event": "order/paid", "id": n}).encode()
        return accept_webhook(inbox, raw, sign(raw, SECRET), SECRET)[1]

    bad = {**row(99), "store_id": store_id + 1000}  # no such store: the foreign key refuses this row
    with inbox_writes_blocked(app):
        first = inbox.submit(row(0))
        wait_until(inbox._queue.empty)  # the writer holds `first` and waits for the lock
        batch = [inbox.submit(row(n)) for n in (1, 2, 3)] + [inbox.submit(bad)] + \
            [inbox.submit(row(n)) for n in (4, 5, 6)]
    assert first.result(timeout=30) is None
    outcomes = [future.exception(timeout=30) for future in batch]
    assert [exc is None for exc in outcomes] == [True, True, True, False, True, True, True]
    assert sorted(int(e.resource_id) for e in list_events(app.read_uow())) == [0, 1, 2, 3, 4, 5, 6]


def test_a_batch_the_database_refuses_entirely_fails_every_request(app):
    store_id = make_store(app)
    inbox = app.webhook_inbox()
    raw = json.dumps({"store_id": "1234567", "event": "order/paid", "id": 1}).encode()
    bad = {**accept_webhook(inbox, raw, sign(raw, SECRET), SECRET)[1], "store_id": store_id + 1000}
    with inbox_writes_blocked(app):
        first = inbox.submit(dict(bad))
        wait_until(inbox._queue.empty)
        batch = [inbox.submit(dict(bad)) for _ in range(3)]
    assert first.exception(timeout=30) is not None
    assert all(future.exception(timeout=30) is not None for future in batch)
    assert list_events(app.read_uow()) == []


def test_oversized_declared_body_is_counted_as_too_large(app, web):
    from lojasync.observability.metrics import webhooks_rejected

    before = webhooks_rejected.labels("too_large")._value.get()
    response = post(web, b"{" + b" " * (MAX_BODY + 1) + b"}")
    assert response.status_code == 413
    assert webhooks_rejected.labels("too_large")._value.get() == before + 1
