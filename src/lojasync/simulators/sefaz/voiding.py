"""NFeInutilizacao4 (inutNFe -> retInutNFe): voiding a range of NF-e numbers the issuer will never use.

Checked as SEFAZ does (MOC 7.0, the web service's rule table), each failure answered with its code in the
retInutNFe itself: namespace prefix 404, schema 215, signature 297/298 (291 an expired certificate), the
certificate's CNPJ base against the issuer's 213, environment 252, a cUF of another authoriser 226, the Id
against its fields 502 (the NF-e's code for the same rule: the Id is made of the fields), the year after this
one 453 or before 2006 454, a first number above the last 224. Then against what this SEFAZ holds: the same
range voided before 563, a number of it voided in another range 256, a number an NF-e took (authorised, denied,
cancelled) 241. Otherwise 102 with a protocol, and no NF-e can be authorised with those numbers (206).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from lojasync.simulators.sefaz import answers
from lojasync.simulators.sefaz.authorisers import serves
from lojasync.simulators.sefaz.codes import Rejection, reason
from lojasync.simulators.sefaz.message_checks import message_refusal
from lojasync.simulators.sefaz.signature import check_signature, check_signer
from lojasync.simulators.sefaz.soap import NFE

if TYPE_CHECKING:
    from lojasync.simulators.sefaz.simulator import SefazSimulator

VOIDED = "102"
FIELDS = ("tpAmb", "cUF", "ano", "CNPJ", "mod", "serie", "nNFIni", "nNFFin")


def void_numbers(sim: SefazSimulator, content: etree._Element, authoriser: str | None = None) -> etree._Element:
    """`authoriser`: the one called (226 for another UF's request), None for the simulator of every UF."""
    now = sim.clock()
    env = sim.config.environment
    info = content.find(f"{{{NFE}}}infInut")
    fields = {name: ((info.findtext(f"{{{NFE}}}{name}") if info is not None else None) or "").strip()
              for name in FIELDS}
    uf = fields["cUF"] if len(fields["cUF"]) == 2 and fields["cUF"].isdigit() else "35"

    def answer(status: str, motive: str | None = None, protocol: str | None = None) -> etree._Element:
        sim.count(status)
        echoed = {name: fields[name] for name in FIELDS[2:]} if status not in ("404", "215") else None
        return answers.ret_inut_nfe(env, uf, status, motive or reason(status), now, request=echoed,
                                    protocol=protocol)

    refusal = message_refusal(sim, content, "inutNFe")
    if refusal is not None:
        return answer(*refusal)
    switches = sim.switches_now()
    try:
        first, last = _check(content, fields, env, now, authoriser)
    except Rejection as rejection:
        return answer(rejection.status, rejection.reason)
    issuer, model, series = fields["CNPJ"], fields["mod"], fields["serie"].zfill(3)
    with sim.state.shared():
        try:
            overlapping = sim.state.voided_overlapping(issuer, model, series, first, last)
            if (first, last) in overlapping:
                raise Rejection("563")
            if overlapping:
                raise Rejection("256", f"[nNF:{max(first, overlapping[0][0])}]")
            used = sim.state.used_number_in(issuer, model, series, first, last)
            if used is not None:
                raise Rejection("241", f"[chNFe:{used}]")
            if switches.reject_with:
                raise Rejection(switches.reject_with, words=switches.reject_reason)
        except Rejection as rejection:
            return answer(rejection.status, rejection.reason)
        protocol = sim.state.next_protocol(uf, now)
        sim.state.add_voided(issuer, model, series, first, last, protocol, now)
    return answer(VOIDED, protocol=protocol)


def _check(content: etree._Element, fields: dict[str, str], env: str, now, authoriser: str | None
           ) -> tuple[int, int]:
    """What the request says of itself; returns its range."""
    signature = check_signature(content, "infInut", now)
    check_signer(signature, fields["CNPJ"])
    if fields["tpAmb"] != env:
        raise Rejection("252")
    if not serves(authoriser, fields["cUF"]):
        raise Rejection("226")
    first, last = int(fields["nNFIni"]), int(fields["nNFFin"])
    expected = (f"ID{fields['cUF']}{fields['ano']}{fields['CNPJ']}{fields['mod']}{fields['serie'].zfill(3)}"
                f"{first:09d}{last:09d}")
    if content.find(f"{{{NFE}}}infInut").get("Id") != expected:
        raise Rejection("502")
    year = 2000 + int(fields["ano"])
    if year > now.year:
        raise Rejection("453")
    if year < 2006:
        raise Rejection("454")
    if first > last:
        raise Rejection("224")
    return first, last
