"""Run an ASGI app in a background thread on a loopback port (the demo, the simulator and tests;
production uses `lojasync serve`)."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn


def bind_socket(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP makes asyncio set TCP_NODELAY on accepted connections; without it small
    # responses (headers and body written apart) wait ~40 ms on delayed ACKs.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(256)
    sock.set_inheritable(True)
    return sock


def uvicorn_server(app, log_level: str = "warning") -> uvicorn.Server:
    return uvicorn.Server(uvicorn.Config(app, log_level=log_level, access_log=False, timeout_graceful_shutdown=2,
                                         lifespan="off"))


class BackgroundServer:
    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning",
                 name: str = "lojasync-web") -> None:
        self._socket = bind_socket(host, port)
        self.host, self.port = host, self._socket.getsockname()[1]
        self._server = uvicorn_server(app, log_level)
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
