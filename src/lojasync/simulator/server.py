"""Run the simulator over real HTTP: a background-thread server for tests, a blocking one for the CLI."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import fields

import uvicorn

from lojasync.simulator.app import create_app
from lojasync.simulator.config import SimulatorConfig
from lojasync.simulator.state import Simulator

API_VERSION = "2025-03"


def _bind(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP makes asyncio set TCP_NODELAY on accepted connections; without it
    # small responses (headers and body written apart) wait ~40 ms on delayed ACKs.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(256)
    sock.set_inheritable(True)
    return sock


def _uvicorn(simulator: Simulator, log_level: str) -> uvicorn.Server:
    config = uvicorn.Config(create_app(simulator), log_level=log_level, access_log=False,
                            timeout_graceful_shutdown=2, lifespan="off")
    return uvicorn.Server(config)


class SimulatorServer:
    """`with SimulatorServer() as server:` serves on 127.0.0.1 at an OS-chosen port until exit."""

    def __init__(self, simulator: Simulator | None = None, config: SimulatorConfig | None = None,
                 host: str = "127.0.0.1", port: int = 0, log_level: str = "warning") -> None:
        self.simulator = simulator or Simulator(config)
        self.host = host
        self._requested_port = port
        self._log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The base a client appends `/{store_id}` to."""
        return f"{self.url}/{API_VERSION}"

    @property
    def store_id(self) -> str:
        return self.simulator.config.store_id

    @property
    def access_token(self) -> str:
        return self.simulator.config.access_token

    def start(self, timeout: float = 10.0) -> SimulatorServer:
        sock = _bind(self.host, self._requested_port)
        self.port = sock.getsockname()[1]
        self._server = _uvicorn(self.simulator, self._log_level)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"nuvemshop-simulator-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("simulator server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and the webhook workers (queued deliveries are dropped; the log stays)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None
        self.simulator.close()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def serve(host: str = "127.0.0.1", port: int = 8000, **config) -> None:
    """Run until interrupted (the `lojasync simulator` command); `config` are SimulatorConfig fields."""
    known = {f.name for f in fields(SimulatorConfig)}
    unknown = set(config) - known
    if unknown:
        raise TypeError(f"unknown simulator option(s): {', '.join(sorted(unknown))}")
    simulator = Simulator(SimulatorConfig(**config))
    sock = _bind(host, port)
    base = f"http://{host}:{sock.getsockname()[1]}"
    cfg = simulator.config
    print("Simulador da API Nuvemshop no ar.")
    print(f"  Loja (store_id): {cfg.store_id}")
    print(f"  Token de acesso: {cfg.access_token}")
    print(f"  URL da API:      {base}/{API_VERSION}  (também {base}/v1)")
    print(f"  Pedidos gerados: {cfg.orders} (semente {cfg.seed}, últimos {cfg.days:g} dias)")
    print(f"  App (OAuth):     app_id {cfg.app_id}, client_id {cfg.client_id}, client_secret {cfg.client_secret}")
    print(f"  Administração:   {base}/_simulator/stats")
    print("Pressione Ctrl+C para parar.", flush=True)
    _uvicorn(simulator, "warning").run(sockets=[sock])
