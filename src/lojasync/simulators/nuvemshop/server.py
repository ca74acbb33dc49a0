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
    print(startup_text(simulator.config, base), flush=True)
    uvicorn_server(create_app(simulator)).run(sockets=[sock])


# (method, path, what it does): the admin routes of `admin.py`, for the startup text.
ADMIN_ROUTES = (
    ("GET", "/stats", "chamadas recebidas, por rota e loja"),
    ("POST", "/stats/reset", "zera as contagens"),
    ("POST", "/buckets/reset", "esvazia os baldes do limite de requisições"),
    ("GET", "/app", "configuração do app (URL de retorno do OAuth, URLs LGPD)"),
    ("POST", "/app", 'muda a configuração: {"redirect_url": ..., "lgpd_urls": {...}}'),
    ("GET", "/webhooks/behaviour", "como os webhooks estão sendo entregues"),
    ("POST", "/webhooks/behaviour", "duplicar, atrasar, reordenar ou perder webhooks ({\"reset\": true} desliga)"),
    ("GET", "/webhooks/log?since=N", "entregas de webhooks, com as respostas"),
    ("POST", "/webhooks/wait?timeout=10", "espera as entregas pendentes terminarem"),
    ("GET", "/{store}/variant-writes", "estoque de variantes gravado pela API (PUT e PATCH), em ordem"),
    ("GET", "/{store}/metafields", "metafields gravados (a chave da NF-e nos pedidos: nfe/key)"),
    ("GET", "/{store}/fulfillments", "pedidos marcados como enviados pela API (v1 fulfill: código e link de "
                                     "rastreio), em ordem"),
    ("POST", "/{store}/orders", 'a loja vende pedidos novos: {"count": 5}'),
    ("POST", "/{store}/orders/{id}/pay", "o comprador paga o pedido"),
    ("POST", "/{store}/orders/{id}/cancel", 'cancela: {"reason": "customer|fraud|inventory|other"}'),
    ("POST", "/{store}/orders/{id}/edit", "altera campos do pedido (corpo JSON com os campos)"),
    ("POST", "/{store}/suspend", "suspende o app na loja (webhook app/suspended)"),
    ("POST", "/{store}/resume", "reativa o app (webhook app/resumed)"),
    ("POST", "/{store}/uninstall", "desinstala o app (webhook app/uninstalled)"),
    ("POST", "/{store}/redact", "LGPD: a loja pede a exclusão dos dados (store/redact)"),
    ("POST", "/{store}/customers/{id}/redact", "LGPD: o cliente pede a exclusão (customers/redact)"),
    ("POST", "/{store}/customers/{id}/data_request", "LGPD: o cliente pede seus dados (customers/data_request)"),
)


def startup_text(cfg: SimulatorConfig, base: str) -> str:
    """What the `lojasync simulator` command prints: the store, the command that connects lojasync to it, and
    the admin routes that make the store act."""
    api_url = f"{base}/{API_VERSION}"
    admin = f"{base}/_simulator"
    lines = [
        f"Simulador da API Nuvemshop no ar em {base}.",
        f"  Loja (store_id): {cfg.store_id}",
        f"  Token de acesso: {cfg.access_token}",
        f"  URL da API:      {api_url}  (também {base}/v1)",
        f"  Pedidos gerados: {cfg.orders} (semente {cfg.seed}, últimos {cfg.days:g} dias)",
        f"  App (OAuth):     app_id {cfg.app_id}, client_id {cfg.client_id}, client_secret {cfg.client_secret}",
        "",
        "Para conectar o lojasync a esta loja, cole:",
        f"  lojasync store add --store {cfg.store_id} --access-token {cfg.access_token} --api-url {api_url}",
        "",
        f"Administração (sem autenticação e fora do limite de requisições), em {admin}:",
    ]
    routes = [(f"{method:<4} {path.replace('{store}', cfg.store_id)}", what) for method, path, what in ADMIN_ROUTES]
    width = max(len(route) for route, _ in routes)
    lines += [f"  {route:<{width}}  {what}" for route, what in routes]
    lines.append(f"Exemplo: curl -X POST {admin}/{cfg.store_id}/orders -H 'Content-Type: application/json' "
                 "-d '{\"count\": 5}'")
    lines += ["", "Pressione Ctrl+C para parar."]
    return "\n".join(lines)
