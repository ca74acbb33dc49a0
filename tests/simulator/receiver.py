"""A tiny webhook receiver on 127.0.0.1 (http.server, keep-alive) that records requests and can fail."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    status: int

    def json(self):
        return json.loads(self.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


class Receiver:
    """`url(path)`; `fail(path, 500, 500)` makes the next requests to `path` answer those statuses."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self._plans: dict[str, deque[int]] = defaultdict(deque)
        self._always: dict[str, int] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()  # answers are written in two pieces: no Nagle delay between them
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver._record(self.path, dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def _record(self, path: str, headers: dict, body: bytes) -> int:
        with self._lock:
            plan = self._plans.get(path)
            status = plan.popleft() if plan else self._always.get(path, 200)
            self.hits.append(Hit(path, {k.lower(): v for k, v in headers.items()}, body, time.monotonic(), status))
            return status

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def fail(self, path: str, *statuses: int) -> None:
        with self._lock:
            self._plans[path].extend(statuses)

    def always(self, path: str, status: int) -> None:
        with self._lock:
            self._always[path] = status

    def at(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()


if __name__ == "__main__":  # in its own process (throughput): prints its URL; at stdin EOF, the request count
    import sys

    with Receiver() as standalone:
        print(standalone.url(""), flush=True)
        sys.stdin.read()
        print(len(standalone.hits), flush=True)
