"""The web server against clients that stall or flood, through real sockets: uvicorn with the guarded
HTTP protocol (httptools and h11), and `lojasync serve` itself in its own process (its warnings, limits
and the metrics port)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from fastapi import FastAPI

from lojasync.entrypoints.web.app import create_app
from lojasync.serving import BackgroundServer, ConnectionLimits
from tests.e2e.processes import stop
from tests.integration.test_webhook_receiver import RecordingQueue

TIMEOUT = 1.0
LIMIT = 4
SERVE_TIMEOUT = 3.0  # `lojasync serve`: its stalled connections must outlive the check of the next one
HALF_HEADER = b"POST /webhooks/nuvemshop HTTP/1.1\r\nHost: lojasync\r\nContent-Le"


def seconds_until_closed(sock: socket.socket, limit: float = 10.0) -> float:
    """How long until the server closes `sock` (fails if it stays open past `limit`)."""
    started = time.monotonic()
    sock.settimeout(limit)
    try:
        while sock.recv(4096):
            pass
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the server kept a stalled connection open for {limit:.0f} s")
    return time.monotonic() - started


def held(host: str, port: int, limit: float = 10.0) -> socket.socket:
    """A stalled connection the server has accepted and keeps (not one refused because connections
    closed just before were not yet released by a busy server)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        sock = socket.create_connection((host, port))
        sock.sendall(HALF_HEADER)
        sock.settimeout(0.3)
        try:
            sock.recv(1)  # the 503 of a refusal, or its end
        except TimeoutError:
            return sock
        except ConnectionResetError:
            pass
        sock.close()
        time.sleep(0.1)
    pytest.fail("the server refused every connection")


def stalled(server, payload: bytes = HALF_HEADER) -> socket.socket:
    sock = socket.create_connection((server.host, server.port))
    if payload:
        sock.sendall(payload)
    return sock


@pytest.fixture(params=["httptools", "h11"])
def server(request, app):
    limits = ConnectionLimits(request_timeout=TIMEOUT, max_connections=LIMIT)
    with BackgroundServer(create_app(app, RecordingQueue()), limits=limits, http=request.param) as srv:
        yield srv


@pytest.mark.parametrize("payload", [
    HALF_HEADER,                                                                  # headers never end
    b"",                                                                          # nothing at all
    b"POST /webhooks/nuvemshop HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"store_id\":",  # body stalls
], ids=["half-header", "silent", "half-body"])
def test_a_client_that_stalls_is_cut_within_the_timeout(server, payload):
    with stalled(server, payload) as sock:
        assert seconds_until_closed(sock) < TIMEOUT + 2


def refused_quickly(url: str) -> None:
    started = time.monotonic()
    try:
        outcome = httpx.get(f"{url}/healthz", timeout=5).status_code
    except httpx.TransportError:  # closed before the client could read the 503: refused all the same
        outcome = "closed"
    assert outcome in (503, "closed") and time.monotonic() - started < 1.0


def test_connections_beyond_the_limit_are_refused_at_once_and_service_resumes(app):
    # A longer deadline here: the held connections must outlive the check of the next one.
    limits = ConnectionLimits(request_timeout=3.0, max_connections=LIMIT)
    for http in ("httptools", "h11"):
        with BackgroundServer(create_app(app, RecordingQueue()), limits=limits, http=http) as server:
            sockets = [held(server.host, server.port) for _ in range(LIMIT)]
            try:
                refused_quickly(server.url)
                for sock in sockets:
                    assert seconds_until_closed(sock) < 3.0 + 2
            finally:
                for sock in sockets:
                    sock.close()
            assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200


def test_kept_alive_requests_each_get_their_own_deadline(server):
    with httpx.Client(base_url=server.url, timeout=5) as client:
        for _ in range(3):  # 3 requests spread over longer than one deadline, on one connection
            assert client.get("/healthz").status_code == 200
            time.sleep(TIMEOUT * 0.6)


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_a_slow_answer_is_not_cut(http):
    """The deadline is the client's, for sending its request: a handler that takes long is not cut."""
    slow = FastAPI()

    @slow.get("/slow")
    async def answer() -> dict:
        await asyncio.sleep(TIMEOUT * 2)
        return {"ok": True}

    with BackgroundServer(slow, limits=ConnectionLimits(request_timeout=TIMEOUT), http=http) as srv:
        assert httpx.get(f"{srv.url}/slow", timeout=10).json() == {"ok": True}


# `lojasync serve` ----------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def lojasync_serve(tmp_path):
    port, metrics_port = free_port(), free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("LOJASYNC_")}
    # A fresh data folder: `lojasync serve` alone must start the embedded setup from nothing.
    env.update(LOJASYNC_DATA_DIR=str(tmp_path / "dados"), LOJASYNC_HTTP_HEADER_TIMEOUT=str(SERVE_TIMEOUT),
               LOJASYNC_MAX_CONNECTIONS=str(LIMIT), LOJASYNC_METRICS_PORT=str(metrics_port),
               LOJASYNC_METRICS_TOKEN="token-de-metricas", FORCE_COLOR="1")
    printed = tmp_path / "out.txt"
    # Append mode: the child's writes land at the end whatever the reader does with its own offset.
    out = printed.open("ab")
    process = subprocess.Popen([sys.executable, "-m", "lojasync", "serve", "--port", str(port), "--no-worker"],
                               env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{url}/healthz", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            assert process.poll() is None, f"lojasync serve did not start: {printed.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "lojasync serve did not start within 60 s"
            time.sleep(0.2)
    try:
        yield process, url, f"http://127.0.0.1:{metrics_port}", printed
    finally:
        stop(process, timeout=20)
        out.close()


def test_lojasync_serve_warns_guards_and_keeps_metrics_private(lojasync_serve):
    process, url, metrics_url, output = lojasync_serve

    printed = output.read_text()
    warnings = [line for line in printed.splitlines() if "Atenção:" in line]
    assert len(warnings) == 2, printed  # no app id/secret; a loopback public URL
    assert all("\x1b[33m" in line for line in warnings)  # yellow
    assert "LOJASYNC_NUVEMSHOP_CLIENT_ID e LOJASYNC_NUVEMSHOP_CLIENT_SECRET" in warnings[0]
    assert "LOJASYNC_PUBLIC_URL aponta para 127.0.0.1" in warnings[1]
    # The back office's address, and how to create its first user (a fresh data folder has none).
    assert f"Back office: {url}/login" in printed
    assert "crie o primeiro com 'lojasync users add EMAIL'" in printed

    # Metrics and readiness: hidden on the public port without the token, open on their own port.
    assert httpx.get(f"{url}/metrics").status_code == 404
    assert httpx.get(f"{url}/readyz").status_code == 404
    bearer = {"Authorization": "Bearer token-de-metricas"}
    assert httpx.get(f"{url}/metrics", headers=bearer).status_code == 200
    scraped = httpx.get(f"{metrics_url}/metrics")
    assert scraped.status_code == 200 and "lojasync_webhook_events" in scraped.text
    assert httpx.get(f"{metrics_url}/readyz").json()["ok"] is True

    # The embedded default cuts a stalled client and refuses connections beyond LOJASYNC_MAX_CONNECTIONS.
    host, port = url.removeprefix("http://").split(":")
    sockets = [held(host, int(port)) for _ in range(LIMIT)]
    try:
        refused_quickly(url)
        for sock in sockets:
            assert seconds_until_closed(sock) < SERVE_TIMEOUT + 2
    finally:
        for sock in sockets:
            sock.close()
    assert httpx.get(f"{url}/healthz").status_code == 200

    # systemd stops with SIGTERM: the process stops its parts and exits cleanly, not killed by the signal.
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
