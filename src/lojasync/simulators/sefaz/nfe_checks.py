"""The checks one NF-e of a batch goes through, each failing with the code SEFAZ answers.

Order as in the MOC: the signature (and whose certificate made it), then the business rules that need no
database (environment, the emitter's UF against the authoriser's, the access key against the fields it is
made of, the emitter's address UF, the homologação name, dates).
The rules that need the database (duplicates) run in `authorisation` inside the state's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from lxml import etree

from lojasync.simulators.sefaz.access_key import AccessKey
from lojasync.simulators.sefaz.authorisers import ibge_code, serves
from lojasync.simulators.sefaz.clock import parse_sefaz_time
from lojasync.simulators.sefaz.codes import Rejection
from lojasync.simulators.sefaz.document_ids import cnpj_ok, cpf_ok, gtin_ok
from lojasync.simulators.sefaz.signature import check_signature, check_signer
from lojasync.simulators.sefaz.soap import NFE
from lojasync.simulators.sefaz.total_checks import totals_problem

HOMOLOGATION_NAME = "NF-E EMITIDA EM AMBIENTE DE HOMOLOGACAO - SEM VALOR FISCAL"

# Rule 805 (NT 2015.003): the UFs that do not admit a recipient "contribuinte isento" (indIEDest 2), unless an
# item carries ICMS-ST (vICMSST, vICMSSTRet) or is exempt, immune or not taxed (CST 40/41, CSOSN 103/300/400).
EXEMPT_RECIPIENT_REFUSED = frozenset({"AM", "BA", "CE", "GO", "MG", "MS", "MT", "PA", "PE", "RN", "SE", "SP"})
_UNTAXED_CST = frozenset({"40", "41"})
_UNTAXED_CSOSN = frozenset({"103", "300", "400"})
# Rule 434 (NT 2020.006): a sale not made in person (internet, phone, delivery, other) must say whether a
# marketplace intermediated it (indIntermed), even though the schema leaves the field optional.
_NOT_IN_PERSON = frozenset({"2", "3", "4", "9"})


@dataclass(frozen=True)
class CheckedNFe:
    key: str
    issuer: str                       # emitter CNPJ (or CPF padded to 14 as in the key)
    model: str
    series: str
    number: str
    digest: str
    recipient: tuple[str, str] | None


def _q(name: str) -> str:
    return f"{{{NFE}}}{name}"


class _Fields:
    """The stripped text of an element's NF-e children by local name ("" when absent), as `findtext` would
    give it (the first child of a name), read in one pass: an NF-e asks for about twenty fields, and one
    `findtext` with a path costs more than reading every child of `ide` once."""

    __slots__ = ("_texts",)
    _NAME_START = len(NFE) + 2

    def __init__(self, parent: etree._Element | None) -> None:
        texts: dict[str, str] = {}
        if parent is not None:
            for child in parent.iterchildren(_q("*")):
                texts.setdefault(child.tag[self._NAME_START:], (child.text or "").strip())
        self._texts = texts

    def __getitem__(self, name: str) -> str:
        return self._texts.get(name, "")


def nfe_key(nfe: etree._Element) -> str:
    """The key in infNFe/@Id (without "NFe"), what every protNFe names."""
    info = nfe.find(_q("infNFe"))
    return (info.get("Id") or "")[3:] if info is not None else ""


def check_nfe(nfe: etree._Element, environment: str, now: datetime, max_age: timedelta,
              authoriser: str | None = None) -> CheckedNFe:
    """All the checks of one schema-valid NF-e; raises Rejection with the first that fails. `authoriser`: the
    one it was sent to (None: the simulator of every UF)."""
    info = nfe.find(_q("infNFe"))
    signature = check_signature(nfe, "infNFe", now)
    ide, emit = _Fields(info.find(_q("ide"))), _Fields(info.find(_q("emit")))
    dest_element = info.find(_q("dest"))
    dest = _Fields(dest_element)
    cnpj, cpf = emit["CNPJ"], emit["CPF"]
    if cnpj and not cnpj_ok(cnpj):
        raise Rejection("207")
    if cnpj:
        check_signer(signature, cnpj)
    if emit["IE"].upper() == "ISENTO":   # the word is a recipient's; an issuer has its registration (MOC: avulsa only)
        raise Rejection("209")
    if ide["tpAmb"] != environment:
        raise Rejection("252")
    if not serves(authoriser, ide["cUF"]):  # sent to another UF's web service (the key's UF is checked by 502)
        raise Rejection("226")
    if ide["tpEmis"] == "1" and ide["serie"].isdigit() and int(ide["serie"]) > 889:   # 890-999: avulsa, SCAN
        raise Rejection("266")
    key = AccessKey((info.get("Id") or "")[3:])
    issued_at = parse_sefaz_time(ide["dhEmi"], "dhEmi", "225")
    _check_key(key, ide, issued_at, cnpj or cpf.zfill(14))
    recipient = next(((kind, dest[kind]) for kind in ("CNPJ", "CPF") if dest[kind]), None)
    if dest["CNPJ"] and not cnpj_ok(dest["CNPJ"]):
        raise Rejection("208")
    if dest["CPF"] and not cpf_ok(dest["CPF"]):
        raise Rejection("237")
    if ide["cMunFG"][:2] != ide["cUF"]:
        raise Rejection("271")
    if ide["indPres"] in _NOT_IN_PERSON and not ide["indIntermed"]:
        raise Rejection("434")
    # Rule C12-10: the emitter's address UF (a sigla) must be the web service's UF. cUF already is one the
    # authoriser serves (226), and at SVRS the UF a document is received for is its cUF: so the sigla must
    # name cUF's UF (an SC company's NF-e with an RJ address is refused at SVRS too, though SVRS serves RJ).
    if ibge_code(_Fields(info.find(f"{_q('emit')}/{_q('enderEmit')}"))["UF"]) != ide["cUF"]:
        raise Rejection("247")
    if environment == "2" and dest_element is not None and dest["xNome"] != HOMOLOGATION_NAME:
        raise Rejection("598")
    if _exempt_recipient_refused(info, dest_element, dest):
        raise Rejection("805")
    if dest["indIEDest"] == "9" and ide["indFinal"] != "1":
        raise Rejection("696")   # no IE: the recipient can only be a final consumer
    gtin = _gtin_problem(info)
    if gtin is not None:
        raise Rejection(gtin)
    difal = _difal_group_problem(info, ide, emit, dest)
    if difal is not None:
        raise Rejection(difal)
    totals = totals_problem(info)
    if totals is not None:
        raise totals
    if issued_at > now:
        raise Rejection("703")
    if issued_at < now - max_age:
        raise Rejection("228")
    return CheckedNFe(key.value, key.issuer, key.model, key.series, key.number, signature.digest, recipient)


def _check_key(key: AccessKey, ide: _Fields, issued_at: datetime, issuer: str) -> None:
    if key.year_month != f"{issued_at:%y%m}":
        raise Rejection("561")
    if key.code != ide["cNF"].zfill(8):
        raise Rejection("562")
    fields = (ide["cUF"], f"{issued_at:%y%m}", issuer, ide["mod"], ide["serie"].zfill(3), ide["nNF"].zfill(9),
              ide["tpEmis"], ide["cNF"].zfill(8), ide["cDV"])
    if "".join(fields) != key.value:
        raise Rejection("502")
    if not key.digit_ok:
        raise Rejection("236")
    if _guessable_code(key.code, key.number):
        raise Rejection("897")


def _guessable_code(code: str, number: str) -> bool:
    """Rule 897 (NT 2019.001): a cNF that could be guessed: the NF-e's own number, one digit repeated, or a
    run up or down (12345678, 90123456, 87654321), which is what a careless emitter fills it with."""
    if not (code.isdigit() and number.isdigit()):
        return False  # not the layout's digits: the key checks above already refused it
    if int(code) == int(number):
        return True
    steps = {(int(after) - int(before)) % 10 for before, after in pairwise(code)}
    return steps in ({0}, {1}, {9})


def _difal_group_problem(info: etree._Element, ide: _Fields, emit: _Fields, dest: _Fields) -> str | None:
    """Rules 694 and 695 (NT 2015.003, EC 87/2015): each item of an interstate sale to a final consumer who is
    not an ICMS contributor (idDest 2, indFinal 1, indIEDest 9) carries the destination UF's ICMS (ICMSUFDest),
    unless the emitter is in the Simples Nacional (CRT 1), the goods are delivered in the emitter's own UF, or the
    item is exempt, immune or not taxed; any other sale carrying the group is refused (695), unless the goods are
    delivered in another UF than the emitter's."""
    to_non_contributor = ide["idDest"] == "2" and ide["indFinal"] == "1" and dest["indIEDest"] == "9"
    emitter_uf = _Fields(info.find(f"{_q('emit')}/{_q('enderEmit')}"))["UF"]
    delivered_in = _Fields(info.find(_q("entrega")))["UF"]
    for tax in info.iterfind(f"{_q('det')}/{_q('imposto')}"):
        carries = tax.find(_q("ICMSUFDest")) is not None
        if carries and not to_non_contributor and not (delivered_in and delivered_in != emitter_uf):
            return "695"
        if not carries and to_non_contributor and emit["CRT"] != "1" and delivered_in != emitter_uf \
                and not _untaxed(tax) and tax.find(_q("ISSQN")) is None:
            return "694"
    return None


def ibs_cbs_missing(nfe: etree._Element) -> bool:
    """A Simples Nacional (CRT 1) NF-e with an item without the IBSCBS group: rejection 1115, reported to start in
    production in 2027 (NFE.md), answered only when the switch asks for it (`Switches.simples_requires_ibs_cbs`)."""
    info = nfe.find(_q("infNFe"))
    if _Fields(info.find(_q("emit")))["CRT"] != "1":
        return False
    return any(tax.find(_q("IBSCBS")) is None for tax in info.iterfind(f"{_q('det')}/{_q('imposto')}"))


def _gtin_problem(info: etree._Element) -> str | None:
    """Rules 611 and 612: an item's GTIN (cEAN) or its taxable unit's (cEANTrib) with a wrong GS1 check digit.
    "SEM GTIN" (no barcode) and an empty field, which the schema admits, are not checked."""
    for product in info.iterfind(f"{_q('det')}/{_q('prod')}"):
        for name, code in (("cEAN", "611"), ("cEANTrib", "612")):
            value = (product.findtext(_q(name)) or "").strip()
            if value and value != "SEM GTIN" and not gtin_ok(value):
                return code
    return None


def _untaxed(tax: etree._Element) -> bool:
    """An item exempt, immune or not taxed by ICMS (CST 40/41, CSOSN 103/300/400)."""
    icms = tax.find(f"{_q('ICMS')}/*")
    return icms is not None and (icms.findtext(_q("CST")) in _UNTAXED_CST
                                 or icms.findtext(_q("CSOSN")) in _UNTAXED_CSOSN)


def _exempt_recipient_refused(info: etree._Element, dest_element: etree._Element | None, dest: _Fields) -> bool:
    if dest["indIEDest"] != "2" or dest_element is None \
            or _Fields(dest_element.find(_q("enderDest")))["UF"] not in EXEMPT_RECIPIENT_REFUSED:
        return False
    for tax in info.iterfind(f"{_q('det')}/{_q('imposto')}"):
        icms = tax.find(f"{_q('ICMS')}/*")
        st = icms.findtext(_q("vICMSST")) if icms is not None else None
        if (st and float(st) > 0) or (icms is not None and icms.find(_q("vICMSSTRet")) is not None):
            return False
        if _untaxed(tax):
            return False
    return True
