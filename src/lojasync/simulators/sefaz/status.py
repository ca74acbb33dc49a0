"""NFeStatusServico4 (consStatServ -> retConsStatServ): 107 in operation, 108/109 when switched off, 289 when
asked about a UF the authoriser does not serve (rule K02)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from lojasync.simulators.sefaz import answers
from lojasync.simulators.sefaz.authorisers import serves
from lojasync.simulators.sefaz.message_checks import message_refusal
from lojasync.simulators.sefaz.soap import NFE

if TYPE_CHECKING:
    from lojasync.simulators.sefaz.simulator import SefazSimulator


def service_status(sim: SefazSimulator, content: etree._Element, authoriser: str | None = None) -> etree._Element:
    now = sim.clock()
    env = sim.config.environment
    uf = (content.findtext(f"{{{NFE}}}cUF") or "").strip()
    uf = uf if len(uf) == 2 and uf.isdigit() else "35"
    refusal = message_refusal(sim, content, "consStatServ")
    if refusal is not None:   # its answer has the code's own words (no room for the schema's detail)
        return answers.ret_cons_stat_serv(env, uf, now, refusal[0])
    if content.findtext(f"{{{NFE}}}tpAmb") != env:
        return answers.ret_cons_stat_serv(env, uf, now, "252")
    if not serves(authoriser, uf):
        return answers.ret_cons_stat_serv(env, uf, now, "289")
    return answers.ret_cons_stat_serv(env, uf, now, "107")
