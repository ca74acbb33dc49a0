"""NFeRetAutorizacao4 (consReciNFe -> retConsReciNFe): the outcome of an asynchronous batch, by receipt.

A receipt begins with the cUF of its batch (state.next_receipt): an authoriser asked for a receipt of a UF it
does not serve answers 248 (rule E02), before looking for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from lojasync.simulators.sefaz import answers
from lojasync.simulators.sefaz.authorisers import serves
from lojasync.simulators.sefaz.codes import reason
from lojasync.simulators.sefaz.schemas import schema_errors
from lojasync.simulators.sefaz.soap import NFE, prefixed_elements

if TYPE_CHECKING:
    from lojasync.simulators.sefaz.simulator import SefazSimulator

_NO_RECEIPT = "0" * 15


def query_receipt(sim: SefazSimulator, content: etree._Element, authoriser: str | None = None) -> etree._Element:
    """`authoriser`: the one asked (another UF's receipt is 248), None for the simulator of every UF."""
    now = sim.clock()
    env = sim.config.environment
    number = (content.findtext(f"{{{NFE}}}nRec") or "").strip()
    shown = number if len(number) == 15 and number.isdigit() else _NO_RECEIPT
    uf = shown[:2] if shown != _NO_RECEIPT else "35"
    switches = sim.switches_now()
    if switches.out_of_service:
        return answers.ret_cons_reci_nfe(env, shown, uf, now, switches.out_of_service)
    if prefixed_elements(content):
        return answers.ret_cons_reci_nfe(env, shown, uf, now, "404")
    problem = schema_errors("consReciNFe", content)
    if problem is not None:
        return answers.ret_cons_reci_nfe(env, shown, uf, now, "215", motive=reason("215", f"[{problem}]"))
    if content.findtext(f"{{{NFE}}}tpAmb") != env:
        return answers.ret_cons_reci_nfe(env, shown, uf, now, "252")
    if not serves(authoriser, uf):
        return answers.ret_cons_reci_nfe(env, shown, uf, now, "248")
    with sim.state.lock:
        receipt = sim.state.receipts.get(number)
        if receipt is None:
            return answers.ret_cons_reci_nfe(env, shown, uf, now, "106")
        if receipt.polls_left > 0:
            receipt.polls_left -= 1
            return answers.ret_cons_reci_nfe(env, shown, receipt.uf, now, "105")
        protocols = [etree.fromstring(p) for p in receipt.protocols]
    return answers.ret_cons_reci_nfe(env, shown, receipt.uf, now, "104", protocols)
