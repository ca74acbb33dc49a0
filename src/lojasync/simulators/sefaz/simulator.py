"""The simulated SEFAZ: one object that answers the five NF-e services, with its state, clock and switches.

`handle` takes one HTTP request's parts and returns the reply; the web app (app.py) only moves bytes and
waits when a switch says to. Thread safe: the state and the switches each have a lock.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from lojasync.simulators.sefaz.authorisation import authorise
from lojasync.simulators.sefaz.authorisers import split_path
from lojasync.simulators.sefaz.clock import SimulatorClock
from lojasync.simulators.sefaz.config import SefazConfig
from lojasync.simulators.sefaz.consultation import query_nfe
from lojasync.simulators.sefaz.events import register_events
from lojasync.simulators.sefaz.receipts import query_receipt
from lojasync.simulators.sefaz.soap import SERVICES, Service, SoapFault, fault, request_content, response
from lojasync.simulators.sefaz.state import SefazState
from lojasync.simulators.sefaz.status import service_status
from lojasync.simulators.sefaz.switches import Switches
from lojasync.simulators.sefaz.voiding import void_numbers

# (simulator, request content, its size, the authoriser called or None for every UF) -> the answer.
_HANDLERS: dict[str, Callable] = {
    "NFeAutorizacao4": lambda sim, content, size, authoriser: authorise(sim, content, size, authoriser),
    "NFeRetAutorizacao4": lambda sim, content, size, authoriser: query_receipt(sim, content, authoriser),
    "NFeConsultaProtocolo4": lambda sim, content, size, authoriser: query_nfe(sim, content, authoriser),
    "NFeRecepcaoEvento4": lambda sim, content, size, authoriser: register_events(sim, content, authoriser),
    "NFeInutilizacao4": lambda sim, content, size, authoriser: void_numbers(sim, content, authoriser),
    "NFeStatusServico4": lambda sim, content, size, authoriser: service_status(sim, content, authoriser),
}
# The calls whose answer the "drop" switch withholds: those that change SEFAZ's state.
_DROPPABLE = frozenset({"NFeAutorizacao4", "NFeRecepcaoEvento4", "NFeInutilizacao4"})
CONTENT_TYPE = "application/soap+xml; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    delay: float = 0.0       # wait this long before answering
    dropped: bool = False    # processed, but the answer must never reach the client


class SefazSimulator:
    def __init__(self, config: SefazConfig | None = None, clock: SimulatorClock | None = None) -> None:
        self.config = config or SefazConfig()
        self.clock = clock or SimulatorClock()
        self.state = SefazState(self.config.state_file)
        self._switches = Switches()
        self._switch_lock = threading.Lock()
        self._counts: Counter[str] = Counter()    # answers by cStat of each NF-e / event
        self._calls: Counter[str] = Counter()     # calls by service

    # the SOAP services
    def handle(self, path: str, content_type: str | None, body: bytes) -> Reply:
        """`path`: "NFeAutorizacao4" (a SEFAZ for every UF) or "SP/NFeAutorizacao4" (that authoriser's)."""
        authoriser, service_name = split_path(path)
        service = SERVICES.get(service_name)
        if service is None:
            return Reply(404, fault(SoapFault(f"Servico {service_name} desconhecido")))
        with self._switch_lock:
            self._calls[service.name] += 1
            delay = self._switches.delay
        try:
            content = request_content(service, content_type, body)
        except SoapFault as error:
            return Reply(error.status, fault(error), delay)
        with self.state.shared():
            answer = _HANDLERS[service.name](self, content, len(body), authoriser)
        return Reply(200, response(service, answer), delay, self._take_drop(service))

    def _take_drop(self, service: Service) -> bool:
        if service.name not in _DROPPABLE:
            return False
        with self._switch_lock:
            if self._switches.drop_answers <= 0:
                return False
            self._switches.drop_answers -= 1
            return True

    # switches
    def switches_now(self) -> Switches:
        with self._switch_lock:
            return replace(self._switches)

    def set_switches(self, **changes) -> dict:
        """Change some switches (see `Switches`); raises ValueError and changes nothing when one is wrong."""
        with self._switch_lock:
            self._switches.change(**changes)
            return self._switches.as_dict()

    def reset_switches(self) -> dict:
        with self._switch_lock:
            self._switches = Switches()
            return self._switches.as_dict()

    # what it knows
    def nfe(self, key: str) -> dict | None:
        """An NF-e's record as JSON-ready data (None when SEFAZ does not know the key)."""
        record = self.state.get_nfe(key)
        if record is None:
            return None
        return {
            "chave": record.key, "cStat": record.status, "nProt": record.protocol, "digVal": record.digest,
            "dhRecbto": record.received_at.isoformat(), "protNFe": record.prot_xml.decode("utf-8"),
            "eventos": [{"id": e.event_id, "tpEvento": e.event_type, "nSeqEvento": e.sequence,
                         "nProt": e.protocol, "dhRegEvento": e.registered_at.isoformat(),
                         "procEventoNFe": e.proc_xml.decode("utf-8")} for e in record.events],
        }

    def count(self, status: str) -> None:
        with self._switch_lock:
            self._counts[status] += 1

    def stats(self) -> dict:
        with self._switch_lock:
            calls, counts = dict(self._calls), dict(self._counts)
        known, cancelled = self.state.counts()
        return {"chamadas": calls, "respostas": counts, "nfe_conhecidas": known, "nfe_canceladas": cancelled,
                "relogio_adiantado_segundos": self.clock.offset_seconds}

    def reset(self) -> None:
        """Forget every NF-e, event, receipt and counter, and undo `advance_clock` (the switches stay)."""
        self.state.clear()
        self.clock.reset()
        with self._switch_lock:
            self._counts.clear()
            self._calls.clear()

    def advance_clock(self, seconds: float) -> str:
        """Move the simulator's time forward (to pass the cancellation deadline without waiting)."""
        return self.clock.advance(seconds).isoformat()

