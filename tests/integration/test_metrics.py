"""/metrics: the database's view of all processes, computed at scrape time, plus this process's counters."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert

from lojasync.db.tables import order_history, orders
from lojasync.entrypoints.web.app import create_app, create_metrics_app
from lojasync.nuvemshop.db.tables import store_log
from lojasync.nuvemshop.model.webhook_events import WebhookEvent
from lojasync.nuvemshop.signature import sign
from lojasync.observability import metrics
from lojasync.observability.metrics import observe_api, observe_rejected, observe_webhook, render
from tests.factories import make_store

SECRET = "segredo-do-app-de-teste"
TOKEN = "token-de-metricas-0123456789"


class FakeQueue:
    def __init__(self, pending: int = 0, broken: bool = False) -> None:
        self.pending = pending
        self.broken = broken
        self.huey = self
        self.drains: list[int] = []

    def pending_count(self) -> int:
        if self.broken:
            raise ConnectionError("redis down")
        return self.pending

    def claim_drain(self, store_id: int) -> bool:
        return True

    def schedule_drain(self, store_id: int) -> None:
        self.drains.append(store_id)


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} from the exposition text."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(text: str, name: str, **labels) -> float | None:
    return samples(text).get((name, tuple(sorted(labels.items()))))


def add_event(app, store_id: int, status: str, received: datetime, lag_seconds: float | None = None) -> None:
    with app.uow() as uow:
        event = WebhookEvent(store_id, "1234567", "order/paid", "1700000001", {"event": "order/paid"}, received)
        if status == "failed":
            event.mark_failed(received + timedelta(seconds=lag_seconds or 0), "erro", "Resolução: tente de novo")
        elif status != "pending":
            event.mark_done(received + timedelta(seconds=lag_seconds or 0), status)
        uow.webhook_events.add(event)
        uow.commit()


def add_log(app, store_id: int, *events: str) -> None:
    """History entries of one order; a failure goes to the store log (it may come before any order)."""
    now = datetime.now(timezone.utc)
    with app.engine.begin() as conn:
        order_id = conn.execute(insert(orders).values(status="open", subtotal=0, discount=0, freight=0, total=0,
                                                      needs_attention=False)).inserted_primary_key[0]
        rows = [{"order_id": order_id, "type": e, "actor": "sync", "params": {}, "created_at": now}
                for e in events if e != "failed"]
        conn.execute(insert(order_history), rows)
        failures = [{"store_id": store_id, "type": "import_failed", "actor": "sync", "params": {"external_id": "1"},
                     "created_at": now} for e in events if e == "failed"]
        if failures:
            conn.execute(insert(store_log), failures)


@pytest.fixture()
def store_id(app) -> int:
    return make_store(app)


def test_database_metrics_count_events_imports_queue_and_lag(app, store_id):
    now = datetime.now(timezone.utc)
    add_event(app, store_id, "pending", now)
    add_event(app, store_id, "pending", now)
    for lag in (1, 2, 10):
        add_event(app, store_id, "done", now - timedelta(minutes=1, seconds=lag), lag)
    add_event(app, store_id, "done", now - timedelta(hours=1, seconds=300), 300)  # outside the window
    add_event(app, store_id, "failed", now - timedelta(minutes=2), 50)  # failed: not an import, no lag
    add_log(app, store_id, "created", "created", "created", "updated", "failed", "attention", "attention",
            "customer_missing", "recovered")

    text = render(app, FakeQueue(pending=3))

    assert value(text, "lojasync_metrics_database_up") == 1
    events = {s: value(text, "lojasync_webhook_events", status=s) for s in ("pending", "done", "failed", "ignored")}
    assert events == {"pending": 2, "done": 4, "failed": 1, "ignored": 0}
    imports = {o: value(text, "lojasync_imports_total", outcome=o)
               for o in ("created", "updated", "failed", "attention")}
    assert imports == {"created": 3, "updated": 1, "failed": 1, "attention": 2}
    assert value(text, "lojasync_imports_total", outcome="recovered") is None
    assert value(text, "lojasync_queue_depth") == 3 + 2
    assert value(text, "lojasync_webhook_lag_window_events") == 3
    assert value(text, "lojasync_webhook_lag_seconds", quantile="0.5") == pytest.approx(2, abs=0.01)
    assert value(text, "lojasync_webhook_lag_seconds", quantile="0.95") == pytest.approx(10, abs=0.01)
    assert "# TYPE lojasync_imports_total counter" in text


def test_empty_database_gives_zero_series_and_no_made_up_lag(app):
    text = render(app, FakeQueue(pending=0))

    assert value(text, "lojasync_webhook_events", status="pending") == 0
    assert value(text, "lojasync_imports_total", outcome="created") == 0
    assert value(text, "lojasync_queue_depth") == 0
    assert value(text, "lojasync_webhook_lag_window_events") == 0
    assert value(text, "lojasync_webhook_lag_seconds", quantile="0.5") is None


def test_queue_unreachable_drops_only_the_depth(app, store_id):
    add_event(app, store_id, "pending", datetime.now(timezone.utc))

    text = render(app, FakeQueue(broken=True))

    assert value(text, "lojasync_queue_depth") is None
    assert value(text, "lojasync_webhook_events", status="pending") == 1
    assert value(text, "lojasync_metrics_database_up") == 1


def test_process_counters_by_event_reason_and_store(app):
    before = samples(render(app, FakeQueue()))
    observe_webhook("order/paid")
    observe_webhook("order/paid")
    observe_webhook("loja/evento-inventado")
    observe_rejected("signature")
    observe_api(1234567, calls=5, rate_limited=2)
    observe_api("1234567", calls=1)
    after = samples(render(app, FakeQueue()))

    def delta(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("lojasync_webhooks_received_total", event="order/paid") == 2
    assert delta("lojasync_webhooks_received_total", event="other") == 1
    assert ("lojasync_webhooks_received_total", (("event", "loja/evento-inventado"),)) not in after
    assert delta("lojasync_webhooks_rejected_total", reason="signature") == 1
    assert delta("lojasync_webhooks_rejected_total", reason="malformed") == 0
    assert ("lojasync_webhooks_rejected_total", (("reason", "unknown_store"),)) in after  # zero, but present
    assert delta("lojasync_api_calls_total", store="1234567") == 6
    assert delta("lojasync_api_rate_limited_total", store="1234567") == 2


def test_without_a_scrape_source_the_registry_holds_only_process_counters():
    # What a worker's own metrics server serves: no database numbers from a process that may not own them.
    text = generate_latest(metrics.registry).decode()
    assert "lojasync_webhooks_received_total" in text or "lojasync_webhooks_rejected_total" in text
    assert "lojasync_webhook_events" not in text and "lojasync_queue_depth" not in text


def test_worker_metrics_server_starts_only_with_a_port(monkeypatch):
    monkeypatch.delenv("LOJASYNC_METRICS_PORT", raising=False)
    assert metrics.maybe_start_worker_metrics_server() is False
    assert metrics.maybe_start_worker_metrics_server("") is False


def test_webhook_route_counts_received_and_rejected_and_serves_metrics(app, store_id, monkeypatch):
    monkeypatch.setattr(app.settings, "nuvemshop_client_secret", SECRET)
    monkeypatch.setattr(app.settings, "metrics_token", TOKEN)
    client = TestClient(create_app(app, FakeQueue(pending=1)), headers={"Authorization": f"Bearer {TOKEN}"})
    before = samples(client.get("/metrics").text)
    body = json.dumps({"store_id": 1234567, "event": "order/created", "id": 1700000009}).encode()

    def post(raw: bytes, signature: str | None):
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Linkedstore-HMAC-SHA256"] = signature
        return client.post("/webhooks/nuvemshop", content=raw, headers=headers)

    ok = post(body, sign(body, SECRET))
    forged = post(body, "x")
    malformed = post(b"{not json", sign(b"{not json", SECRET))
    other_store = json.dumps({"store_id": 999, "event": "order/created", "id": 1}).encode()
    unknown = post(other_store, sign(other_store, SECRET))
    monkeypatch.setattr(app.settings, "nuvemshop_client_secret", None)
    disabled = post(body, None)

    assert [r.status_code for r in (ok, forged, malformed, unknown, disabled)] == [200, 401, 400, 404, 503]
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    after = samples(response.text)

    def delta(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("lojasync_webhooks_received_total", event="order/created") == 1
    assert {r: delta("lojasync_webhooks_rejected_total", reason=r)
            for r in ("signature", "malformed", "unknown_store", "disabled", "other")} == {
        "signature": 1, "malformed": 1, "unknown_store": 1, "disabled": 1, "other": 0}
    assert after[("lojasync_webhook_events", (("status", "pending"),))] == 1
    assert after[("lojasync_queue_depth", ())] == 1 + 1


def test_a_webhook_refused_for_the_database_or_not_recorded_is_counted_as_that(app, store_id, monkeypatch):
    """review: a database outage was counted as "disabled" (the client secret missing), and a webhook whose inbox
    write failed (503 too) was not counted at all."""
    from lojasync.nuvemshop.errors import DATABASE_UNAVAILABLE, WebhookRejected
    from lojasync.observability.metrics import NOT_RECORDED, rejection_reason

    assert rejection_reason(503, WebhookRejected(503, "x", reason=DATABASE_UNAVAILABLE).reason) == DATABASE_UNAVAILABLE
    assert rejection_reason(503) == "disabled"
    monkeypatch.setattr(app.settings, "nuvemshop_client_secret", SECRET)
    monkeypatch.setattr(app.settings, "metrics_token", TOKEN)
    web = create_app(app, FakeQueue())
    client = TestClient(web, headers={"Authorization": f"Bearer {TOKEN}"})
    before = samples(client.get("/metrics").text)

    def broken(row):
        raise RuntimeError("o gravador da caixa de entrada parou")

    monkeypatch.setattr(web.state.inbox, "submit", broken)
    body = json.dumps({"store_id": 1234567, "event": "order/created", "id": 1700000010}).encode()
    refused = client.post("/webhooks/nuvemshop", content=body,
                          headers={"Content-Type": "application/json", "X-Linkedstore-HMAC-SHA256": sign(body, SECRET)})
    assert refused.status_code == 503
    after = samples(client.get("/metrics").text)
    key = ("lojasync_webhooks_rejected_total", (("reason", NOT_RECORDED),))
    assert after[key] - before.get(key, 0) == 1
    assert ("lojasync_webhooks_rejected_total", (("reason", DATABASE_UNAVAILABLE),)) in after


# who may read them ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/metrics", "/readyz"])
@pytest.mark.parametrize("authorization", [None, "Bearer errado", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer "])
def test_public_port_hides_metrics_and_readiness_without_the_token(app, monkeypatch, path, authorization):
    """They name stores and count their notifications: a stranger on the webhook port gets a plain 404."""
    monkeypatch.setattr(app.settings, "metrics_token", TOKEN)
    client = TestClient(create_app(app, FakeQueue()))
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 404
    assert response.text == client.get("/nada-aqui").text  # the same answer as a route that does not exist
    assert client.get("/healthz").json() == {"ok": True}  # liveness stays public


@pytest.mark.parametrize("path", ["/metrics", "/readyz"])
def test_no_token_configured_means_never_on_the_public_port(app, monkeypatch, path):
    monkeypatch.setattr(app.settings, "metrics_token", None)
    client = TestClient(create_app(app, FakeQueue()))
    assert client.get(path).status_code == 404
    assert client.get(path, headers={"Authorization": "Bearer "}).status_code == 404


def test_the_token_opens_metrics_and_readiness_on_the_public_port(app, store_id, monkeypatch):
    monkeypatch.setattr(app.settings, "metrics_token", TOKEN)
    client = TestClient(create_app(app, FakeQueue()), headers={"Authorization": f"bearer {TOKEN}"})
    metrics_text = client.get("/metrics")
    assert metrics_text.status_code == 200 and value(metrics_text.text, "lojasync_metrics_database_up") == 1
    assert client.get("/readyz").json()["ok"] is True


def test_the_metrics_port_app_serves_without_a_token(app, store_id, monkeypatch):
    monkeypatch.setattr(app.settings, "metrics_token", None)
    client = TestClient(create_metrics_app(app, FakeQueue(pending=2)))
    assert value(client.get("/metrics").text, "lojasync_queue_depth") == 2
    assert client.get("/readyz").json()["ok"] is True
    assert client.get("/healthz").json() == {"ok": True}
    assert client.post("/webhooks/nuvemshop", content=b"{}").status_code == 404  # only health and metrics there


def test_readiness_fails_in_bounded_time_when_the_queue_or_the_database_stops_answering(app, store_id, monkeypatch):
    """review: a PostgreSQL that accepted the connection and never answered held /readyz for as long as it stalled;
    it answers 503, within READY_WITHIN, saying what did not answer. The PostgreSQL engine also gives up connecting
    after CONNECT_TIMEOUT (libpq waits for ever by default), and its errors leave the statements' parameters out."""
    import threading

    from lojasync.db.engine import CONNECT_TIMEOUT, build_engine
    from lojasync.entrypoints.web import health

    stalled = threading.Event()

    class Stalled(FakeQueue):
        def pending_count(self) -> int:
            stalled.wait(60)   # released by the test once its five probes are answered, however long they took
            return 0

    monkeypatch.setattr(health, "READY_WITHIN", 0.2)
    with TestClient(create_metrics_app(app, Stalled())) as client:   # one event loop, as a server's
        before = threading.active_count()
        answers = [client.get("/readyz") for _ in range(5)]
        held = threading.active_count() - before
        stalled.set()
    assert {a.status_code for a in answers} == {503}
    assert answers[0].json()["problemas"] == ["o banco de dados ou a fila não responderam em 0.2 s"]
    assert held <= 2   # one check waits on the stalled queue; the other probes wait on it (own-commits review)
    assert CONNECT_TIMEOUT and build_engine("sqlite://").hide_parameters


def test_a_postgresql_that_accepts_and_never_answers_is_given_up_on_connecting(monkeypatch):
    """review: libpq waits for ever by default; `/readyz` and every request with it."""
    import socket
    import time

    import sqlalchemy

    from lojasync.db import engine as engines

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)   # accepted by the kernel, never answered
    monkeypatch.setattr(engines, "CONNECT_TIMEOUT", 1)
    stalled = engines.build_engine(f"postgresql+psycopg://ninguem@127.0.0.1:{listener.getsockname()[1]}/nada")
    started = time.monotonic()
    with pytest.raises(sqlalchemy.exc.OperationalError):
        stalled.connect()
    assert time.monotonic() - started < 5 and stalled.hide_parameters
    # A connect_timeout in the URL is the integrator's: kept, not overridden (own-commits review).
    monkeypatch.setattr(engines, "CONNECT_TIMEOUT", 60)
    chosen = engines.build_engine(
        f"postgresql+psycopg://ninguem@127.0.0.1:{listener.getsockname()[1]}/nada?connect_timeout=2")
    started = time.monotonic()
    with pytest.raises(sqlalchemy.exc.OperationalError):
        chosen.connect()
    assert time.monotonic() - started < 10
    listener.close()
