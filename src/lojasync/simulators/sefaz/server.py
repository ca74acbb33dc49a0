"""Run the simulated SEFAZ over real HTTP: a background thread for tests and the demo, a blocking run for the CLI."""

from __future__ import annotations

from lojasync.serving import BackgroundServer, bind_socket, uvicorn_server
from lojasync.simulators.sefaz.app import create_app
from lojasync.simulators.sefaz.config import SefazConfig
from lojasync.simulators.sefaz.simulator import SefazSimulator
from lojasync.simulators.sefaz.soap import SERVICES


class BackgroundSefaz:
    """`with BackgroundSefaz() as sefaz:` serves on 127.0.0.1 at an OS-chosen port until exit.

    `sefaz.url` is the base URL the SOAP client takes (each service at `{url}/NFeAutorizacao4`, ...);
    `sefaz.simulator` is the same simulator in-process, for its switches and records.
    """

    def __init__(self, simulator: SefazSimulator | None = None, config: SefazConfig | None = None,
                 host: str = "127.0.0.1", port: int = 0, log_level: str = "warning") -> None:
        self.simulator = simulator or SefazSimulator(config)
        self.host = host
        self._requested_port = port
        self._log_level = log_level
        self._server: BackgroundServer | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> BackgroundSefaz:
        self._server = BackgroundServer(create_app(self.simulator), self.host, self._requested_port,
                                        self._log_level, name="sefaz-simulator")
        self.port = self._server.port
        self._server.start(timeout)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        self._server = None

    def __enter__(self) -> BackgroundSefaz:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def run(host: str = "127.0.0.1", port: int = 8790, config: SefazConfig | None = None,
        log_level: str = "warning") -> None:
    """Serve until interrupted (the `lojasync sefaz-simulator` command)."""
    simulator = SefazSimulator(config)
    sock = bind_socket(host, port)
    base = f"http://{host}:{sock.getsockname()[1]}"
    print(startup_text(simulator.config, base), flush=True)
    uvicorn_server(create_app(simulator), log_level).run(sockets=[sock])


ADMIN_ROUTES = (
    ("GET", "/switches", "como o simulador está respondendo"),
    ("POST", "/switches", 'rejeitar tudo: {"reject_with": "301"}; lento: {"delay": 5}; fora do ar: '
                          '{"out_of_service": "108"}'),
    ("", "", 'perder respostas: {"drop_answers": 1}; assíncrono: {"sync": false, "processing_polls": 2}; '
             'desligar tudo: {"reset": true}'),
    ("", "", 'exigir o grupo IBS/CBS do Simples Nacional (rejeição 1115): {"simples_requires_ibs_cbs": true}'),
    ("GET", "/nfe/{chave}", "o que o simulador sabe de uma NF-e (protocolo, eventos)"),
    ("GET", "/stats", "chamadas por serviço e respostas por cStat"),
    ("POST", "/clock", 'adianta o relógio: {"advance": 90000} (passa o prazo de cancelamento)'),
    ("POST", "/reset", "esquece todas as NF-e e eventos"),
)


def startup_text(config: SefazConfig, base: str) -> str:
    environment = "homologação (tpAmb 2)" if config.environment == "2" else "produção (tpAmb 1)"
    memory = (f"gravado em {config.state_file}" if config.state_file
              else "só na memória: ao reiniciar, o simulador esquece o que autorizou")
    lines = [
        f"Simulador da SEFAZ (NF-e 4.00, SOAP 1.2) no ar em {base}.",
        f"  Ambiente: {environment}. Tudo o que ele autoriza sai com verAplic SIMULADOR-LOJASYNC: não vale "
        "como documento fiscal.",
        f"  Estado: {memory}.",
        "  Serviços:",
        *(f"    POST {base}/{name}" for name in SERVICES),
        "",
        "Para o lojasync usar este simulador, informe a URL base:",
        f"  {base}",
        "",
        f"Administração (sem autenticação), em {base}/_simulator:",
    ]
    width = max(len(f"{method:<4} {path}") for method, path, _ in ADMIN_ROUTES)
    lines += [f"  {f'{method:<4} {path}' if method else '':<{width}}  {what}" for method, path, what in ADMIN_ROUTES]
    lines += ["", "Pressione Ctrl+C para parar."]
    return "\n".join(lines)
