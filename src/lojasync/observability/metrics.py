"""Prometheus metrics of lojasync, on a registry of our own (never the global one).

Two kinds of numbers live here:

* **Shared truth, read from the database at scrape time** (`DatabaseCollector`): webhook events by
  status, imports by outcome (entries of the orders' history and of the store log), queue depth (huey's
  pending tasks plus pending webhook events) and the webhook-to-import lag of the last 15 minutes.
  Workers on other machines do the imports; the database sees them all, so the web process's
  `/metrics` is right whatever process did the work.
* **Per-process counters**: webhooks received and rejected (the web process counts those), API calls and
  429 answers per store (whichever process made the calls). They restart at zero with the process, as
  Prometheus counters may. A worker exposes its own on a port of its own when `LOJASYNC_METRICS_PORT` is
  set: see `maybe_start_worker_metrics_server`. Prometheus adds them up across instances.

The numbers name stores: `lojasync serve` answers `/metrics` on its public port only to a bearer of
`LOJASYNC_METRICS_TOKEN`, and serves it openly on `LOJASYNC_METRICS_PORT` (entrypoints/web/health.py).
"""

from __future__ import annotations

import logging
import math
import os
import threading
from datetime import datetime, timedelta, timezone

from prometheus_client import CollectorRegistry, Counter, generate_latest, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from lojasync.db.tables import order_history
from lojasync.nuvemshop.db.tables import periodic_runs, store_log, webhook_events
from lojasync.nuvemshop.errors import DATABASE_UNAVAILABLE
from lojasync.nuvemshop.model.store_log import StoreLogType
from lojasync.nuvemshop.model.webhook_events import WebhookEventStatus
from lojasync.nuvemshop.services.maintenance import HEARTBEAT, worker_silence
from lojasync.nuvemshop.webhook_topics import KNOWN_EVENTS
from lojasync.sales.history import HistoryType

log = logging.getLogger("lojasync.metrics")

registry = CollectorRegistry()

EVENT_STATUSES = (WebhookEventStatus.PENDING, WebhookEventStatus.DONE, WebhookEventStatus.FAILED,
                  WebhookEventStatus.IGNORED)
IMPORT_OUTCOMES = ("created", "updated", "failed", "attention")
# Where each outcome is counted: a failure may come before the order exists, so the store log has it.
_HISTORY_OUTCOMES = {HistoryType.CREATED: "created", HistoryType.UPDATED: "updated",
                     HistoryType.ATTENTION: "attention"}
REJECT_REASONS = {401: "signature", 400: "malformed", 404: "unknown_store", 413: "too_large", 503: "disabled"}
# A refusal the status does not tell apart from "disabled" (the inbox's write failing, 503 too): labelled by cause,
# as the database's (`WebhookRejected.reason`).
NOT_RECORDED = "not_recorded"
LAG_WINDOW = timedelta(minutes=15)
LAG_QUANTILES = (0.5, 0.95)

webhooks_received = Counter("lojasync_webhooks_received", "Webhooks accepted by this process, by event.",
                            ["event"], registry=registry)
webhooks_rejected = Counter("lojasync_webhooks_rejected", "Webhooks refused by this process, by reason.",
                            ["reason"], registry=registry)
api_calls = Counter("lojasync_api_calls", "Nuvemshop API requests made by this process, by store.",
                    ["store"], registry=registry)
api_rate_limited = Counter("lojasync_api_rate_limited", "Nuvemshop 429 answers seen by this process, by store.",
                           ["store"], registry=registry)
_REASONS = frozenset({*REJECT_REASONS.values(), DATABASE_UNAVAILABLE, NOT_RECORDED, "other"})
for _reason in sorted(_REASONS):
    webhooks_rejected.labels(_reason)  # every reason is a series from the start, at zero


def observe_webhook(event: str) -> None:
    """Count an accepted webhook; events we do not know share one label, so a sender cannot add series."""
    webhooks_received.labels(event if event in KNOWN_EVENTS else "other").inc()


def observe_rejected(reason: str) -> None:
    """Count a refused webhook (signature, malformed, unknown_store, too_large, disabled, database_unavailable,
    not_recorded)."""
    webhooks_rejected.labels(reason if reason in _REASONS else "other").inc()


def rejection_reason(status_code: int, reason: str | None = None) -> str:
    """The reason label of a webhook refused with this HTTP status (`reason`, when the refusal says it; review: a
    database outage was counted as "disabled", the client secret missing)."""
    return reason or REJECT_REASONS.get(status_code, "other")


def observe_api(external_store_id: str, calls: int, rate_limited: int = 0) -> None:
    """Add a client's request and 429 counts (e.g. `client.api_calls`, `client.rate_limited`) for a store."""
    store = str(external_store_id)
    if calls:
        api_calls.labels(store).inc(calls)
    if rate_limited:
        api_rate_limited.labels(store).inc(rate_limited)


class DatabaseCollector(Collector):
    """Reads the cross-process numbers when Prometheus scrapes; idle until `render` gives it a source."""

    def __init__(self) -> None:
        self._source: tuple[object, object] | None = None

    def describe(self):
        return [GaugeMetricFamily("lojasync_webhook_events", ""), CounterMetricFamily("lojasync_imports", ""),
                GaugeMetricFamily("lojasync_queue_depth", ""), GaugeMetricFamily("lojasync_webhook_lag_seconds", ""),
                GaugeMetricFamily("lojasync_webhook_lag_window_events", ""),
                GaugeMetricFamily("lojasync_worker_heartbeat_age_seconds", ""),
                GaugeMetricFamily("lojasync_workers_silent", ""),
                GaugeMetricFamily("lojasync_metrics_database_up", "")]

    def collect(self):
        if self._source is None:  # a worker's own server: only its per-process counters
            return
        container, queue = self._source
        up = GaugeMetricFamily("lojasync_metrics_database_up",
                               "1 when the database answered this scrape, 0 when it did not.")
        try:
            families = list(_database_families(container, queue))
        except Exception as exc:  # noqa: BLE001 - a scrape reports; the process counters still go out
            log.warning("metrics: database unreachable", extra={"error": exc.__class__.__name__})
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families


_database = DatabaseCollector()
registry.register(_database)
_scrape_lock = threading.Lock()


def render(container, queue) -> str:
    """The exposition text for `/metrics`: process counters plus the database's view of all processes."""
    with _scrape_lock:  # one scrape at a time: the collector's source is shared
        _database._source = (container, queue)
        try:
            return generate_latest(registry).decode("utf-8")
        finally:
            _database._source = None


def _database_families(container, queue, now: datetime | None = None):
    now = now or datetime.now(timezone.utc)
    with container.engine.connect() as conn:
        by_status = dict(conn.execute(
            select(webhook_events.c.status, func.count()).group_by(webhook_events.c.status)).all())
        by_type = dict(conn.execute(
            select(order_history.c.type, func.count()).where(order_history.c.type.in_(list(_HISTORY_OUTCOMES)))
            .group_by(order_history.c.type)).all())
        by_outcome = {_HISTORY_OUTCOMES[HistoryType(k)]: v for k, v in by_type.items()}
        by_outcome["failed"] = conn.scalar(
            select(func.count()).select_from(store_log).where(store_log.c.type == StoreLogType.IMPORT_FAILED))
        # Clocks of different machines may disagree by a little: a lag is never negative.
        lags = [max(0.0, (done - received).total_seconds()) for received, done in conn.execute(
            select(webhook_events.c.received_at, webhook_events.c.processed_at)
            .where(webhook_events.c.status == WebhookEventStatus.DONE,
                   webhook_events.c.processed_at >= now - LAG_WINDOW))]
        last_beat = conn.scalar(select(periodic_runs.c.last_run_at).where(periodic_runs.c.name == HEARTBEAT))

    events = GaugeMetricFamily("lojasync_webhook_events", "Webhook events recorded, by status (all processes).",
                               labels=["status"])
    for status in EVENT_STATUSES:
        events.add_metric([status], by_status.get(status, 0))
    yield events

    imports = CounterMetricFamily("lojasync_imports", "Order imports by outcome, from the histories (all processes).",
                                  labels=["outcome"])
    for outcome in IMPORT_OUTCOMES:
        imports.add_metric([outcome], by_outcome.get(outcome, 0))
    yield imports

    depth = GaugeMetricFamily("lojasync_queue_depth", "Tasks waiting in the queue plus pending webhook events.")
    queued = _queued_tasks(queue)
    if queued is not None:
        depth.add_metric([], queued + by_status.get(WebhookEventStatus.PENDING, 0))
    yield depth

    lag = GaugeMetricFamily("lojasync_webhook_lag_seconds",
                            "Seconds from receiving a webhook to importing it, events done in the last 15 min.",
                            labels=["quantile"])
    if lags:  # no sample rather than a made-up zero when nothing was imported lately
        lags.sort()
        for q in LAG_QUANTILES:
            lag.add_metric([str(q)], _nearest_rank(lags, q))
    yield lag
    window = GaugeMetricFamily("lojasync_webhook_lag_window_events",
                               "Webhook events done in the last 15 minutes (the lag quantiles' sample size).")
    window.add_metric([], len(lags))
    yield window

    # The workers' heartbeat (every 30 s from each running consumer, whatever its tasks are doing).
    age = GaugeMetricFamily("lojasync_worker_heartbeat_age_seconds",
                            "Seconds since a worker (any process) last gave a sign of life.")
    if last_beat is not None:  # never: no sample, rather than a made-up age (lojasync_workers_silent says it)
        age.add_metric([], max(0.0, (now - last_beat).total_seconds()))
    yield age
    # What to alert on: 1 when the pages and /readyz say no worker is running, the never-started one included.
    silent = GaugeMetricFamily("lojasync_workers_silent",
                               "1 when no worker has given a sign of life for 3 minutes with a store connected or "
                               "fiscal work waiting for one.")
    silent.add_metric([], 1 if worker_silence(container.read_uow(), now) is not None else 0)
    yield silent


def _queued_tasks(queue) -> int | None:
    if queue is None:
        return None
    try:
        return int(queue.huey.pending_count())
    except Exception as exc:  # noqa: BLE001 - Redis down: no depth sample, the database numbers still go out
        log.warning("metrics: queue unreachable", extra={"error": exc.__class__.__name__})
        return None


def _nearest_rank(ordered: list[float], q: float) -> float:
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


_worker_server_started = False


def maybe_start_worker_metrics_server(port: int | str | None = None, host: str = "127.0.0.1") -> bool:
    """Serve this process's counters on `host:port` (default `LOJASYNC_METRICS_PORT`); no port, no server.
    A port already taken raises OSError (the caller says so)."""
    global _worker_server_started
    port = port if port is not None else os.environ.get("LOJASYNC_METRICS_PORT")
    if port in (None, "", 0, "0") or _worker_server_started:
        return False
    start_http_server(int(port), addr=host, registry=registry)
    _worker_server_started = True
    log.info("worker metrics server started", extra={"port": int(port)})
    return True
