"""How this process reaches SEFAZ: the real web services, a `lojasync sefaz-simulator` by URL, or (the
default) a simulator embedded in the process, started on 127.0.0.1 the first time an NF-e is sent.

The embedded simulator keeps what it authorised in the data folder, shared by every lojasync command on
this machine, so `invoices cancel` in one command finds what `invoices approve` authorised in another.
Only entrypoints may start a simulator (architecture contract); the services receive a `Sefaz`.
"""

from __future__ import annotations

import atexit
import threading

from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.sefaz import SefazSoapClient
from lojasync.fiscal.sefaz.connections import SefazConnections
from lojasync.fiscal.services.invoices import Sefaz
from lojasync.settings import Settings

_embedded: dict = {}   # state file -> the simulator serving it in this process
# The data folder's state file as earlier versions named it (JSON, then SQLite under the same name).
EARLIER_STATE_NAME = "sefaz-simulador.json"
_lock = threading.Lock()
# Every transmission of the process goes through these kept connections (one TLS context per certificate).
_connections = SefazConnections()
atexit.register(_connections.close)


def sefaz_for(settings: Settings) -> Sefaz:
    timeout = settings.sefaz_timeout
    if settings.sefaz == "real":
        def connect_real(uf: str, environment: str, certificate, *, deadline: float | None = None) -> SefazSoapClient:
            return SefazSoapClient(uf, Environment(environment), certificate=certificate, timeout=timeout,
                                   ca_bundle=settings.sefaz_ca_bundle, connections=_connections, deadline=deadline)
        return Sefaz(connect_real, simulated=False)

    def connect_simulator(uf: str, environment: str, certificate, *,
                          deadline: float | None = None) -> SefazSoapClient:
        url = settings.sefaz_url or embedded_simulator_url(settings)
        # The CA bundle too: a simulator served over https:// with a private CA could never be trusted (TLS review).
        return SefazSoapClient(uf, Environment(environment), certificate=certificate, base_url=url, timeout=timeout,
                               ca_bundle=settings.sefaz_ca_bundle, connections=_connections, deadline=deadline)
    return Sefaz(connect_simulator, simulated=True)


def embedded_simulator_url(settings: Settings) -> str:
    """Start the process's simulator once (thread on 127.0.0.1, OS-chosen port) and return its URL."""
    path = settings.sefaz_state_path
    with _lock:
        if path not in _embedded:
            from lojasync.simulators.sefaz.config import SefazConfig
            from lojasync.simulators.sefaz.server import BackgroundSefaz
            from lojasync.simulators.sefaz.state_file import adopt_state_file

            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            state_file = adopt_state_file(path, path.with_name(EARLIER_STATE_NAME))
            _embedded[path] = BackgroundSefaz(config=SefazConfig(state_file=state_file)).start()
            atexit.register(_embedded[path].stop)
        return _embedded[path].url
