"""NFeRetAutorizacao4 (consReciNFe -> retConsReciNFe): the outcome of an asynchronous batch, by receipt.

A receipt begins with the cUF of its batch (state.next_receipt): an authoriser asked for a receipt of a UF it
does not serve answers 248 (rule E02), before looking for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from lojasync.simulators.sefaz import answers
from lojasync.simulators.sefaz.authorisers import serves
from lojasync.simulators.sefaz.message_checks import message_refusal
from lojasync.simulators.sefaz.soap import NFE

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
    refusal = message_refusal(sim, content, "consReciNFe")
    if refusal is not None:
        status, motive = refusal
        return answers.ret_cons_reci_nfe(env, shown, uf, now, status, motive=motive)
    if content.findtext(f"{{{NFE}}}tpAmb") != env:
        return answers.ret_cons_reci_nfe(env, shown, uf, now, "252")
    if not serves(authoriser, uf):
        return answers.ret_cons_reci_nfe(env, shown, uf, now, "248")
    with sim.state.lock:
        receipt = sim.state.receipts.get(number)
        if receipt is None:
            return answers.ret_cons_reci_nfe(env, shown, uf, now, "106")
        if receipt.in_processing(now):
            receipt.polls_left -= 1
            return answers.ret_cons_reci_nfe(env, shown, receipt.uf, now, "105")
        protocols = [etree.fromstring(p) for p in receipt.protocols]
    return answers.ret_cons_reci_nfe(env, shown, receipt.uf, now, "104", protocols)
