"""Run the simulator over real HTTP: a background-thread server for tests, a blocking one for the CLI."""

from __future__ import annotations

from dataclasses import fields

from lojasync.serving import BackgroundServer, bind_socket, uvicorn_server
from lojasync.simulators.nuvemshop.app import create_app
from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.state import Simulator

API_VERSION = "2025-03"


class SimulatorServer:
    """`with SimulatorServer() as server:` serves on 127.0.0.1 at an OS-chosen port until exit."""

    def __init__(self, simulator: Simulator | None = None, config: SimulatorConfig | None = None,
                 host: str = "127.0.0.1", port: int = 0, log_level: str = "warning") -> None:
        self.simulator = simulator or Simulator(config)
        self.host = host
        self._requested_port = port
        self._log_level = log_level
        self._server: BackgroundServer | None = None
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
        self._server = BackgroundServer(create_app(self.simulator), self.host, self._requested_port,
                                        self._log_level, name="nuvemshop-simulator")
        self.port = self._server.port
        self._server.start(timeout)
        return self

    def stop(self) -> None:
        """Stop serving and the webhook workers (queued deliveries are dropped; the log stays)."""
        if self._server is not None:
            self._server.stop()
        self._server = None
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
    sock = bind_socket(host, port)
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
    uvicorn_server(create_app(simulator)).run(sockets=[sock])
