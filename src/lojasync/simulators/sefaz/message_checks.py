"""What every SEFAZ service answers before it reads a message's content: paralysed (the out-of-service switch,
108/109), a namespace prefix anywhere (404), the message's own schema (215, its first error in brackets)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from lojasync.simulators.sefaz.codes import reason
from lojasync.simulators.sefaz.schemas import schema_errors
from lojasync.simulators.sefaz.soap import prefixed_elements

if TYPE_CHECKING:
    from lojasync.simulators.sefaz.simulator import SefazSimulator


def message_refusal(sim: SefazSimulator, content: etree._Element, message: str) -> tuple[str, str] | None:
    """(cStat, xMotivo) of the first of those refusals, or None when the message may be read. `message`: the
    request element's name (consSitNFe, envEvento...), whose XSD is checked."""
    switches = sim.switches_now()
    if switches.out_of_service:
        return switches.out_of_service, reason(switches.out_of_service)
    if prefixed_elements(content):
        return "404", reason("404")
    problem = schema_errors(message, content)
    if problem is not None:
        return "215", reason("215", f"[{problem}]")
    return None
