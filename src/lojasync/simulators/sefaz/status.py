"""NFeStatusServico4 (consStatServ -> retConsStatServ): 107 in operation, 108/109 when switched off, 289 when
asked about a UF the authoriser does not serve (rule K02)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from lojasync.simulators.sefaz import answers
from lojasync.simulators.sefaz.authorisers import serves
from lojasync.simulators.sefaz.schemas import schema_errors
from lojasync.simulators.sefaz.soap import NFE, prefixed_elements

if TYPE_CHECKING:
    from lojasync.simulators.sefaz.simulator import SefazSimulator


def service_status(sim: SefazSimulator, content: etree._Element, authoriser: str | None = None) -> etree._Element:
    now = sim.clock()
    env = sim.config.environment
    uf = (content.findtext(f"{{{NFE}}}cUF") or "").strip()
    uf = uf if len(uf) == 2 and uf.isdigit() else "35"
    switches = sim.switches_now()
    if switches.out_of_service:
        return answers.ret_cons_stat_serv(env, uf, now, switches.out_of_service)
    if prefixed_elements(content):
        return answers.ret_cons_stat_serv(env, uf, now, "404")
    if schema_errors("consStatServ", content) is not None:
        return answers.ret_cons_stat_serv(env, uf, now, "215")
    if content.findtext(f"{{{NFE}}}tpAmb") != env:
        return answers.ret_cons_stat_serv(env, uf, now, "252")
    if not serves(authoriser, uf):
        return answers.ret_cons_stat_serv(env, uf, now, "289")
    return answers.ret_cons_stat_serv(env, uf, now, "107")
