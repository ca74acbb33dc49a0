"""Run an ASGI app with uvicorn, guarded against clients that stall or flood: `lojasync serve` in the
foreground, and a background thread on a loopback port for the demo, the simulator and tests.

uvicorn alone never closes a connection that sent half a request (it has no header-read timeout), and
its `limit_concurrency` only answers 503 once a request's headers are complete: 3,000 sockets that each
sent half a header stayed open for good. `GuardedProtocol` gives every request a deadline and refuses
connections beyond the limit the moment they are accepted, so file descriptors stay bounded.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn

log = logging.getLogger("lojasync.web.connections")


@dataclass(frozen=True)
class ConnectionLimits:
    """How long a client may take to send one request, and how many connections may be open at once."""

    # From the connection (or the first byte of the next request on a kept-alive one) to the whole
    # request, body included. A webhook is a few hundred bytes: 10 s is generous even on a bad link.
    request_timeout: float = 10.0
    max_connections: int = 1000
    # An idle kept-alive connection between two requests (uvicorn's own timer).
    keep_alive: int = 5


# Written before the request is read: the client learns at once, and the descriptor is freed at once.
_REFUSED = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: 19\r\nconnection: close\r\n\r\nService Unavailable")
_REPORT_EVERY = 60.0
# A deadline that fires later than this means the event loop was held up, not (only) the client.
_STALL = 1.0


class _CutReport:
    """Counts the connections cut or refused and logs a summary at most once a minute: under attack a
    line per connection would flood the log."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = {"stalled": 0, "refused": 0}
        self._last = 0.0

    def add(self, kind: str) -> None:
        with self._lock:
            self._counts[kind] += 1
            now = time.monotonic()
            if now - self._last < _REPORT_EVERY:
                return
            counts, self._counts, self._last = self._counts, {"stalled": 0, "refused": 0}, now
        log.warning("connections cut", extra={"stalled_closed": counts["stalled"],
                                              "refused_over_limit": counts["refused"]})


_cuts = _CutReport()


class _Guard:
    """Mixed into uvicorn's HTTP protocol: a request deadline and a connection limit enforced at accept."""

    limits: ConnectionLimits = ConnectionLimits()
    _deadline: asyncio.TimerHandle | None = None
    _deadline_due = 0.0

    def connection_made(self, transport) -> None:
        super().connection_made(transport)  # registers the connection: connection_lost expects it
        if len(self.connections) > self.limits.max_connections:
            _cuts.add("refused")
            transport.write(_REFUSED)
            transport.close()
            return
        self._arm()

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline_due = self.loop.time() + self.limits.request_timeout
            self._deadline = self.loop.call_later(self.limits.request_timeout, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        late = self.loop.time() - self._deadline_due
        if late > _STALL:
            # The event loop itself was stalled, and uvloop runs due timers before reading sockets: the
            # request may be waiting unread. One short grace lets the read happen first.
            self._deadline_due = self.loop.time() + _STALL
            self._deadline = self.loop.call_later(_STALL, self._expire)
            return
        if not self.transport.is_closing():
            _cuts.add("stalled")
            # abort, not close: close would wait for a write buffer a stalled client may never read.
            self.transport.abort()


def guarded_protocol(limits: ConnectionLimits, http: str = "auto") -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (`auto`: httptools when installed, else h11) with `limits` enforced."""
    if http == "auto":
        try:
            import httptools  # noqa: F401 - the same choice uvicorn's "auto" makes
            http = "httptools"
        except ImportError:  # pragma: no cover - httptools is a dependency
            http = "h11"
    base = _httptools_guard() if http == "httptools" else _h11_guard()
    return type(base.__name__, (base,), {"limits": limits})


def _httptools_guard() -> type[asyncio.Protocol]:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class GuardedHttpToolsProtocol(_Guard, HttpToolsProtocol):
        # The parser reports where each request starts and ends, pipelined ones included.
        def on_message_begin(self) -> None:
            self._arm()
            super().on_message_begin()

        def on_message_complete(self) -> None:
            self._disarm()
            super().on_message_complete()

    return GuardedHttpToolsProtocol


def _h11_guard() -> type[asyncio.Protocol]:
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(_Guard, H11Protocol):
        # h11 has no per-message callback: after each read, the client's state says whether a request
        # is still incomplete (a partial header buffered, or a body being sent).
        def data_received(self, data: bytes) -> None:
            self._arm()
            super().data_received(data)
            state = self.conn.their_state
            if state is h11.SEND_BODY or (state is h11.IDLE and self.conn.trailing_data[0]):
                return
            self._disarm()

    return GuardedH11Protocol


def bind_socket(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP makes asyncio set TCP_NODELAY on accepted connections; without it small
    # responses (headers and body written apart) wait ~40 ms on delayed ACKs.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # "::" or "::1" asked for IPv6
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(256)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def settle_startup_heap() -> None:
    """Take what the process built to start (modules, tables, templates, the app) out of the garbage
    collector's sight: it lives as long as the process, and each full collection walked all of it while a
    request waited, 110-130 ms once a second under steady traffic (`benchmarks/web_orders.py`, on SQLite and
    PostgreSQL alike: most of the order list's p99). Objects created later are collected as before."""
    gc.collect()
    gc.freeze()


def uvicorn_server(app, log_level: str = "warning", *, host: str = "127.0.0.1", port: int = 8000,
                   limits: ConnectionLimits | None = None, http: str = "auto", own_logging: bool = False,
                   graceful_shutdown: int = 2) -> uvicorn.Server:
    """A uvicorn server for `app` with `limits` (host and port count when `run` gets no sockets);
    `own_logging` leaves uvicorn's records to the handlers we configured."""
    limits = limits or ConnectionLimits()
    extra = {"log_config": None} if own_logging else {}
    return uvicorn.Server(uvicorn.Config(
        app, host=host, port=port, log_level=log_level, access_log=False, timeout_graceful_shutdown=graceful_shutdown,
        lifespan="off",
        ws="none", http=guarded_protocol(limits, http), limit_concurrency=limits.max_connections,
        timeout_keep_alive=limits.keep_alive, **extra))


def descriptor_budget(wanted: int, reserve: int = 128) -> tuple[int, int | None]:
    """How many connections fit under this process's open-file limit, raising the soft limit toward the
    hard one first; returns (connections, the limit when it forced fewer than `wanted`)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return wanted, None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # The database pool, the queue, log files and listening sockets need descriptors too: `reserve`.
    needed = wanted + reserve
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return wanted, None
    return max(1, soft - reserve), soft


class BackgroundServer:
    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning",
                 name: str = "lojasync-web", *, limits: ConnectionLimits | None = None, http: str = "auto") -> None:
        self._socket = bind_socket(host, port)
        self.host, self.port = host, self._socket.getsockname()[1]
        # own_logging: uvicorn's default configuration, applied by any server made after lojasync configured its
        # logs (the metrics port's, an embedded simulator's), replaced the handlers of every uvicorn logger in the
        # process, the main server's too: their lines left the JSON and the CPF/token masking (review).
        self._server = uvicorn_server(app, log_level, limits=limits, http=http, own_logging=True)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True,
                                        name=f"{name}-{self.port}")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise RuntimeError("o servidor web não iniciou")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
