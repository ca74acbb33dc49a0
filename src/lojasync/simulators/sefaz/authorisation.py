"""NFeAutorizacao4 (enviNFe -> retEnviNFe): a batch is checked as a whole, then each NF-e on its own.

Batch problems (size 214, namespace prefix 404, schema 225, indSinc 1 with several NF-e 452) are answered
in retEnviNFe itself. Otherwise every NF-e gets a protNFe: with indSinc 1 inside the answer (cStat 104
"Lote processado" outside, the NF-e's own code inside), with indSinc 0 behind a receipt (103) that
NFeRetAutorizacao4 answers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from lxml import etree

from lojasync.simulators.sefaz import answers
from lojasync.simulators.sefaz.authorisers import receipt_uf
from lojasync.simulators.sefaz.clock import sefaz_time
from lojasync.simulators.sefaz.codes import DENIALS, Rejection, plain, reason
from lojasync.simulators.sefaz.event_checks import already_cancelled
from lojasync.simulators.sefaz.nfe_checks import CheckedNFe, check_nfe, ibs_cbs_missing, nfe_key
from lojasync.simulators.sefaz.records import AUTHORISED, Receipt, StoredNFe
from lojasync.simulators.sefaz.schemas import schema_errors
from lojasync.simulators.sefaz.soap import NFE, has_editing_characters, prefixed_elements

if TYPE_CHECKING:
    from lojasync.simulators.sefaz.simulator import SefazSimulator


def authorise(sim: SefazSimulator, content: etree._Element, size: int, authoriser: str | None = None) -> etree._Element:
    """`authoriser`: the one called (its NF-e of other UFs are 226), None for the simulator of every UF."""
    now = sim.clock()
    env = sim.config.environment
    nfes = content.findall(f"{{{NFE}}}NFe")
    uf = (content.findtext(f"{{{NFE}}}NFe/{{{NFE}}}infNFe/{{{NFE}}}ide/{{{NFE}}}cUF") or "").strip()
    uf = uf if len(uf) == 2 and uf.isdigit() else "35"
    switches = sim.switches_now()
    if switches.out_of_service:
        return answers.ret_envi_nfe(env, uf, now, switches.out_of_service)
    batch_problem = _batch_problem(content, size, sim.config.max_message_bytes)
    if batch_problem is not None:
        return answers.ret_envi_nfe(env, uf, now, batch_problem.status, batch_problem.reason)
    synchronous = content.findtext(f"{{{NFE}}}indSinc") == "1"
    if synchronous and len(nfes) > 1:
        return answers.ret_envi_nfe(env, uf, now, "452")
    # Each NF-e is checked as the document its sender signed: taken out of the batch (nothing reads the
    # batch after its own checks), it needs no copy for its signature to be checked (signature.py).
    for nfe in nfes:
        content.remove(nfe)
    protocols = [_process(sim, nfe, now, authoriser) for nfe in nfes]
    if synchronous and switches.sync:
        return answers.ret_envi_nfe(env, uf, now, "104", protocol=protocols[0])
    receipt = sim.state.next_receipt(receipt_uf(authoriser, uf))
    # The keys this batch puts in the base (authorised or denied: a protocol number): only they are unknown to a
    # query by key while it is processed. One it rejected (204, 218: already in the base) is answered as it stands
    # (review: an authorised NF-e sent again to a busy authoriser answered 217, "not in the base").
    added = tuple(p.findtext(f"{{{NFE}}}infProt/{{{NFE}}}chNFe") for p in protocols
                  if p.findtext(f"{{{NFE}}}infProt/{{{NFE}}}nProt"))
    sim.state.add_receipt(Receipt(receipt, uf, now, [etree.tostring(p) for p in protocols],
                                  switches.processing_polls, added))
    return answers.ret_envi_nfe(env, uf, now, "103", receipt=receipt)


def _batch_problem(content: etree._Element, size: int, limit: int) -> Rejection | None:
    if size > limit:
        return Rejection("214")
    if prefixed_elements(content):
        return Rejection("404")
    if has_editing_characters(content):
        return Rejection("588")
    problem = schema_errors("enviNFe", content)
    if problem is not None:
        return Rejection("225", f"[{problem}]")
    return None


def _process(sim: SefazSimulator, nfe: etree._Element, now, authoriser: str | None) -> etree._Element:
    """One NF-e: its protNFe (authorised, denied or rejected), the state changed accordingly."""
    env = sim.config.environment
    key = nfe_key(nfe)
    try:
        checked = check_nfe(nfe, env, now, timedelta(days=sim.config.emission_max_age_days), authoriser)
    except Rejection as rejection:
        sim.count(rejection.status)
        return answers.prot_nfe(env, key, now, rejection.status, rejection.reason)
    with sim.state.shared():
        existing = sim.state.key_for_number(checked.issuer, checked.model, checked.series, checked.number)
        voided = existing is None and sim.state.voided_overlapping(
            checked.issuer, checked.model, checked.series, int(checked.number), int(checked.number))
        if voided:
            rejection = Rejection("206")
        elif existing == key:
            stored = sim.state.get_nfe(key)
            if stored.status in DENIALS:   # SEFAZ keeps a denied NF-e: sent again, it says so (not "duplicidade")
                rejection = Rejection("205", f"[nProt:{stored.protocol}][dhDeneg:{sefaz_time(stored.received_at)}]")
            elif stored.cancelled:   # and a cancelled one: 204 is for one "não Cancelada/Denegada" (MOC)
                rejection = already_cancelled(stored)
            else:
                rejection = Rejection("204", f"[nProt:{stored.protocol}][dhAut:{sefaz_time(stored.received_at)}]")
        elif existing is not None:
            rejection = Rejection("539", f"[chNFe:{existing}]")
        else:
            rejection = None
        switches = sim.switches_now()
        if rejection is None and switches.simples_requires_ibs_cbs and ibs_cbs_missing(nfe):
            rejection = Rejection("1115")
        if rejection is None and switches.reject_with and switches.reject_with not in DENIALS:
            rejection = Rejection(switches.reject_with, words=switches.reject_reason)
        if rejection is not None:
            sim.count(rejection.status)
            return answers.prot_nfe(env, key, now, rejection.status, rejection.reason)
        status = switches.reject_with or AUTHORISED
        prot = _stored(sim, checked, status, plain(switches.reject_reason or reason(status)), now)
    sim.count(status)
    return prot


def _stored(sim: SefazSimulator, checked: CheckedNFe, status: str, motive: str, now) -> etree._Element:
    """Authorised (or denied: SEFAZ keeps a denied NF-e too, its number is spent)."""
    protocol = sim.state.next_protocol(checked.key[:2], now)
    prot = answers.prot_nfe(sim.config.environment, checked.key, now, status, motive, protocol, checked.digest)
    record = StoredNFe(checked.key, status, protocol, checked.digest, now, etree.tostring(prot), checked.recipient)
    sim.state.add_nfe(record, checked.issuer, checked.model, checked.series, checked.number)
    return prot
