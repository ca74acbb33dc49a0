"""POST /webhooks/nuvemshop: signatures, malformed bodies, unknown stores, recording and enqueueing."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from lojasync.entrypoints.web.app import create_app
from lojasync.nuvemshop.services.events_admin import list_events
from lojasync.nuvemshop.signature import sign
from tests.factories import make_store

SECRET = "segredo-do-app-de-teste"


class RecordingQueue:
    """Stands in for the task queue: the receiver must only enqueue, never import."""

    def __init__(self) -> None:
        self.drains: list[int] = []
        self.huey = self

    def claim_drain(self, store_id: int) -> bool:
        return True

    def schedule_drain(self, store_id: int) -> None:
        self.drains.append(store_id)

    def pending_count(self) -> int:
        return len(self.drains)


@pytest.fixture()
def web(app, monkeypatch):
    monkeypatch.setattr(app.settings, "nuvemshop_client_secret", SECRET)
    queue = RecordingQueue()
    client = TestClient(create_app(app, queue))
    client.queue = queue
    return client


def post(client, body: dict | bytes, secret: str | None = SECRET, signature: str | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Linkedstore-HMAC-SHA256"] = signature
    elif secret is not None:
        headers["X-Linkedstore-HMAC-SHA256"] = sign(raw, secret)
    return client.post("/webhooks/nuvemshop", content=raw, headers=headers)


def test_valid_webhook_is_recorded_and_enqueued(app, web):
    store_id = make_store(app)
    response = post(web, {"store_id": 1234567, "event": "order/paid", "id": 1700000001})
    assert response.status_code == 200
    (event,) = list_events(app.read_uow())
    assert (event.event, event.resource_id, event.status, event.store) == (
        "order/paid", "1700000001", "pendente", "1234567")
    assert web.queue.drains == [store_id]



def test_a_queue_down_still_answers_200_once_the_event_is_recorded(app, web, monkeypatch):
    """Redis down: the notification is kept (pending) and drained by a later round, not refused with a 500."""
    make_store(app)

    def queue_down(store_id: int) -> None:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(web.queue, "schedule_drain", queue_down)
    response = post(web, {"store_id": 1234567, "event": "order/paid", "id": 1700000002})
    assert response.status_code == 200
    (event,) = list_events(app.read_uow())
    assert (event.resource_id, event.status) == ("1700000002", "pendente")

def test_the_database_down_at_the_store_lookup_is_a_503_the_platform_resends(app, web, monkeypatch):
    """review: the lookup's database error was no WebhookRejected: a 500, logged as a bug (the platform resends
    on any non-2xx, so nothing was lost, but it said "bug" where the database was down)."""
    from sqlalchemy.exc import OperationalError

    make_store(app)
    inbox = web.app.state.inbox

    def gone():
        raise OperationalError("SELECT 1", {}, Exception("could not connect to server"))

    monkeypatch.setattr(inbox.engine, "connect", gone)
    response = post(web, {"store_id": 1234567, "event": "order/paid", "id": 1700000003})
    assert response.status_code == 503 and "a Nuvemshop a reenviará" in response.json()["erro"]


@pytest.mark.parametrize("signature", [None, "", "00" * 32, "not-hex"])
def test_missing_or_forged_signature_is_rejected_and_nothing_stored(app, web, signature):
    make_store(app)
    body = {"store_id": 1234567, "event": "order/paid", "id": 1}
    response = post(web, body, secret=None, signature=signature) if signature is not None else post(web, body, secret=None)
    assert response.status_code == 401
    assert "Assinatura" in response.json()["erro"]
    assert list_events(app.read_uow()) == []
    assert web.queue.drains == []


def test_signature_of_another_body_is_rejected(app, web):
    """A replayed signature with a changed body (say, another order id) must not pass."""
    make_store(app)
    original = json.dumps({"store_id": 1234567, "event": "order/paid", "id": 1}).encode()
    tampered = json.dumps({"store_id": 1234567, "event": "order/paid", "id": 2}).encode()
    response = post(web, tampered, signature=sign(original, SECRET))
    assert response.status_code == 401
    assert list_events(app.read_uow()) == []


def test_signature_with_another_secret_is_rejected(app, web):
    make_store(app)
    assert post(web, {"store_id": 1234567, "event": "order/paid", "id": 1}, secret="outro").status_code == 401


def test_malformed_json_gets_400_with_a_clear_message(app, web):
    make_store(app)
    response = post(web, b"{not json")
    assert response.status_code == 400 and "JSON" in response.json()["erro"]
    response = post(web, {"event": "order/paid"})
    assert response.status_code == 400 and "store_id" in response.json()["erro"]
    assert list_events(app.read_uow()) == []


def test_unknown_store_gets_404_and_is_not_stored(app, web):
    response = post(web, {"store_id": 999, "event": "order/paid", "id": 1})
    assert response.status_code == 404 and "999" in response.json()["erro"]
    assert list_events(app.read_uow()) == []


def test_unknown_event_is_acknowledged_and_kept_as_ignored(app, web):
    make_store(app)
    response = post(web, {"store_id": 1234567, "event": "product/created", "id": 5})
    assert response.status_code == 200
    (event,) = list_events(app.read_uow())
    assert event.status == "ignorado" and "product/created" in event.error
    assert web.queue.drains == []


def test_duplicates_are_all_recorded(app, web):
    make_store(app)
    for _ in range(5):
        assert post(web, {"store_id": 1234567, "event": "order/created", "id": 77}).status_code == 200
    assert len(list_events(app.read_uow())) == 5


def test_webhooks_disabled_without_client_secret(app, web, monkeypatch):
    monkeypatch.setattr(app.settings, "nuvemshop_client_secret", None)
    make_store(app)
    response = post(web, {"store_id": 1234567, "event": "order/paid", "id": 1})
    assert response.status_code == 503 and "LOJASYNC_NUVEMSHOP_CLIENT_SECRET" in response.json()["erro"]


def test_health_and_readiness(app, web, monkeypatch):
    assert web.get("/healthz").json() == {"ok": True}
    assert web.get("/readyz").status_code == 404  # public port, no token: as if it did not exist
    monkeypatch.setattr(app.settings, "metrics_token", "token-de-metricas")
    ready = web.get("/readyz", headers={"Authorization": "Bearer token-de-metricas"})
    assert ready.status_code == 200 and ready.json()["ok"] is True
    # Its webhooks' writer stopped: not ready (the platform's notifications would wait 30 s each for a 503).
    monkeypatch.setattr(type(web.app.state.inbox), "writing", property(lambda inbox: False))
    stopped = web.get("/readyz", headers={"Authorization": "Bearer token-de-metricas"})
    assert stopped.status_code == 503 and "webhooks não são registrados" in stopped.json()["problemas"][0]


def test_non_ascii_signature_is_a_401_not_a_crash(app, web):
    make_store(app)
    raw = json.dumps({"store_id": 1234567, "event": "order/paid", "id": 1}).encode()
    response = web.post("/webhooks/nuvemshop", content=raw,
                        headers={"X-Linkedstore-HMAC-SHA256": "assinatura-çã".encode()})
    assert response.status_code == 401


def test_oversized_body_is_refused_before_reading_it_all(app, web):
    make_store(app)
    response = post(web, b"{" + b" " * (300 * 1024) + b"}")
    assert response.status_code == 413
    assert list_events(app.read_uow()) == []


def test_a_webhook_that_stopped_waiting_for_a_stalled_database_does_not_stop_the_inbox(app, web, monkeypatch):
    """Review: a request whose wait for its row ran out (the database locked for its 30 s: it answered 503) had
    cancelled the writer's future; settling it raised InvalidStateError in the writer thread, which died, and no
    webhook was recorded again until a restart (each one waited 30 s for a 503) while /readyz said ready."""
    import threading
    import time

    from lojasync.entrypoints.web import webhooks

    make_store(app)
    inbox = web.app.state.inbox
    real = inbox.engine
    stalled_once, answered = threading.Event(), threading.Event()

    class StallingEngine:
        """The database, whose first transaction waits for a lock until the request has stopped waiting (its
        503 given: released on that, not after a fixed time a busy machine may not keep to)."""

        def connect(self):
            return real.connect()

        def begin(self):
            if not stalled_once.is_set():
                stalled_once.set()
                answered.wait(30)
            return real.begin()

    monkeypatch.setattr(inbox, "engine", StallingEngine())
    monkeypatch.setattr(webhooks, "INBOX_TIMEOUT", 0.2)
    assert post(web, {"store_id": 1234567, "event": "order/paid", "id": 1700000051}).status_code == 503
    answered.set()
    deadline = time.monotonic() + 30
    while not list_events(app.read_uow()) and time.monotonic() < deadline:
        time.sleep(0.05)   # the database answers: the row is written all the same (the platform resends it)
    monkeypatch.setattr(webhooks, "INBOX_TIMEOUT", 5)

    assert post(web, {"store_id": 1234567, "event": "order/paid", "id": 1700000052}).status_code == 200
    assert inbox.writing   # what /readyz reports
    assert sorted(e.resource_id for e in list_events(app.read_uow())) == ["1700000051", "1700000052"]


def test_lgpd_notifications_at_their_own_addresses_need_no_event_in_the_body(app, web):
    """LGPD review: the platform sends them to the address set for each in the partner portal, without "event"."""
    make_store(app)
    body = {"store_id": 1234567, "customer": {"id": 80001}, "orders_to_redact": [1700000001]}
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "X-Linkedstore-HMAC-SHA256": sign(raw, SECRET)}
    assert web.post("/webhooks/nuvemshop/customers/redact", content=raw, headers=headers).status_code == 200
    (event,) = list_events(app.read_uow())
    assert (event.event, event.status) == ("customers/redact", "pendente")
    # Sent to another event's address, or to one that is none: refused, nothing recorded.
    other = json.dumps({**body, "event": "store/redact"}).encode()
    mixed = web.post("/webhooks/nuvemshop/customers/redact", content=other,
                     headers={**headers, "X-Linkedstore-HMAC-SHA256": sign(other, SECRET)})
    assert mixed.status_code == 400 and "enviada ao endereço de customers/redact" in mixed.json()["erro"]
    unknown = web.post("/webhooks/nuvemshop/order/paid", content=raw, headers=headers)
    assert unknown.status_code == 404 and "/webhooks/nuvemshop/customers/redact" in unknown.json()["erro"]
    no_store = json.dumps({"customer": {"id": 1}}).encode()
    refused = web.post("/webhooks/nuvemshop/customers/data_request", content=no_store,
                       headers={**headers, "X-Linkedstore-HMAC-SHA256": sign(no_store, SECRET)})
    assert refused.status_code == 400 and "sem o campo 'store_id'" in refused.json()["erro"]
    unsigned = web.post("/webhooks/nuvemshop/store/redact", content=raw, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401
    assert len(list_events(app.read_uow())) == 1
