"""NFeConsultaProtocolo4 (consSitNFe -> retConsSitNFe): the situation of one NF-e by its key.

This is what a sender asks after a timeout, before sending again: an NF-e authorised whose answer was lost
comes back here with its protNFe (100), a cancelled one with its cancellation event (101).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from lojasync.simulators.sefaz import answers
from lojasync.simulators.sefaz.access_key import AccessKey
from lojasync.simulators.sefaz.authorisers import serves
from lojasync.simulators.sefaz.message_checks import message_refusal
from lojasync.simulators.sefaz.soap import NFE

if TYPE_CHECKING:
    from lojasync.simulators.sefaz.simulator import SefazSimulator

_NO_KEY = "35" + "0" * 42


def query_nfe(sim: SefazSimulator, content: etree._Element, authoriser: str | None = None) -> etree._Element:
    """`authoriser`: the one asked (a key of another UF is 226), None for the simulator of every UF."""
    now = sim.clock()
    env = sim.config.environment
    key = (content.findtext(f"{{{NFE}}}chNFe") or "").strip()
    shown = key if len(key) == 44 and key.isalnum() else _NO_KEY
    uf = shown[:2]

    def answer(status: str, motive: str | None = None, **more) -> etree._Element:
        return answers.ret_cons_sit_nfe(env, uf, now, shown, status, motive, **more)

    refusal = message_refusal(sim, content, "consSitNFe")
    if refusal is not None:
        return answer(*refusal)
    if content.findtext(f"{{{NFE}}}tpAmb") != env:
        return answer("252")
    if not AccessKey(key).digit_ok:
        return answer("236")
    if not serves(authoriser, key[:2]):  # an NF-e of another UF: this authoriser cannot know it
        return answer("226")
    record = sim.state.get_nfe(key)
    if record is None or sim.state.in_processing(key, now):   # the latter: its batch is not processed yet
        return answer("217")
    protocol = etree.fromstring(record.prot_xml)
    events = [etree.fromstring(e.proc_xml) for e in record.events]
    status = record.status
    motive = protocol.findtext(f"{{{NFE}}}infProt/{{{NFE}}}xMotivo") if status != "101" else None
    return answer(status, motive, protocol=protocol, events=events)
