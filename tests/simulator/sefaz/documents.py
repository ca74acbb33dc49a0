"""Signed NF-e and cancellation events for the SEFAZ simulator's tests, each one crafted to hit one rule.

The NF-e starts from nfelib's published sample (schema-valid for PL_010f), with the emitter, number, dates
and key replaced; it is signed by lojasync's own signer with a test certificate. `change` edits the
document before the key is computed (so the key still agrees with it), `after_key` after it (to break
that agreement on purpose).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from importlib.resources import files

from lxml import etree

from lojasync.fiscal.certificate import TEST_CERTIFICATE_PASSWORD, Certificate, make_test_certificate
from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.nfe_events import build_cancellation_event_xml
from lojasync.fiscal.nfe_voids import build_void_request_xml
from lojasync.fiscal.signing import sign
from lojasync.shared.tax_id import cnpj_check_digits

NFE = "http://www.portalfiscal.inf.br/nfe"
DS = "http://www.w3.org/2000/09/xmldsig#"
BRASILIA = timezone(timedelta(hours=-3))
HOMOLOGATION_NAME = "NF-E EMITIDA EM AMBIENTE DE HOMOLOGACAO - SEM VALOR FISCAL"
COMPANY = "11222333000181"
OTHER_COMPANY = "44555666" + "0001" + cnpj_check_digits("445556660001")
ALPHANUMERIC_COMPANY = "12ABC34501DE35"
UF = "41"  # the sample's (Paraná)
REASON = "Pedido cancelado pelo cliente na loja"

_SAMPLE = files("nfelib").joinpath("nfe/samples/v4_0/procNFe.xml")


def q(name: str) -> str:
    return f"{{{NFE}}}{name}"


def now() -> datetime:
    return datetime.now(BRASILIA).replace(microsecond=0)


@functools.cache
def certificate(cnpj: str = COMPANY) -> Certificate:
    return Certificate.load(make_test_certificate(cnpj, "LOJA DE TESTE LTDA"), TEST_CERTIFICATE_PASSWORD)


@functools.cache
def _sample_nfe() -> etree._Element:
    parser = etree.XMLParser(remove_blank_text=True)
    with _SAMPLE.open("rb") as source:
        nfe = etree.parse(source, parser).getroot().find(q("NFe"))
    nfe = copy.deepcopy(nfe)
    nfe.remove(nfe.find(f"{{{DS}}}Signature"))
    return nfe


def key_digit(first43: str) -> str:
    total = sum((ord(c) - 48) * (2 + i % 8) for i, c in enumerate(reversed(first43)))
    return "0" if total % 11 < 2 else str(11 - total % 11)


def _set(info: etree._Element, path: str, value: str) -> None:
    info.find("/".join(q(step) for step in path.split("/"))).text = value


def unsigned_nfe(*, cnpj: str = COMPANY, number: int = 1, series: int = 1, issued_at: datetime | None = None,
                 environment: str = "2", dest_name: str = HOMOLOGATION_NAME, code: str = "10203040",
                 change: Callable[[etree._Element], None] | None = None,
                 after_key: Callable[[etree._Element], None] | None = None) -> bytes:
    nfe = copy.deepcopy(_sample_nfe())
    info = nfe.find(q("infNFe"))
    issued_at = issued_at or now()
    for path, value in (("ide/cNF", code), ("ide/serie", str(series)), ("ide/nNF", str(number)),
                        ("ide/dhEmi", issued_at.isoformat()), ("ide/dhSaiEnt", issued_at.isoformat()),
                        ("ide/tpAmb", environment), ("emit/CNPJ", cnpj), ("dest/xNome", dest_name)):
        _set(info, path, value)
    if change:
        change(info)
    text = lambda path: info.findtext("/".join(q(s) for s in path.split("/")))  # noqa: E731
    first43 = (text("ide/cUF") + f"{issued_at:%y%m}" + cnpj + text("ide/mod") + text("ide/serie").zfill(3)
               + text("ide/nNF").zfill(9) + text("ide/tpEmis") + text("ide/cNF").zfill(8))
    digit = key_digit(first43)
    _set(info, "ide/cDV", digit)
    info.set("Id", f"NFe{first43}{digit}")
    if after_key:
        after_key(info)
    return etree.tostring(nfe, encoding="utf-8")


def signed_nfe(*, signer: str | None = None, **fields) -> bytes:
    """An NF-e signed by `signer`'s certificate (the emitter's by default)."""
    return sign(unsigned_nfe(**fields), certificate(signer or fields.get("cnpj", COMPANY)), element="infNFe")


def key_of(nfe: bytes) -> str:
    return etree.fromstring(nfe).find(q("infNFe")).get("Id")[3:]


def digest_of(signed: bytes) -> str:
    return etree.fromstring(signed).findtext(f"{{{DS}}}Signature/{{{DS}}}SignedInfo/{{{DS}}}Reference/{{{DS}}}DigestValue")


def cancellation(key: str, protocol: str, *, cnpj: str = COMPANY, reason: str = REASON, when: datetime | None = None,
                 sequence: int = 1, signer: str | None = None,
                 change: Callable[[etree._Element], None] | None = None) -> bytes:
    """The signed envEvento cancelling NF-e `key`; `change` edits infEvento before signing."""
    event = build_cancellation_event_xml(key, cnpj, protocol, reason, when=when or now(),
                                         environment=Environment.HOMOLOGATION, uf_code=key[:2], sequence=sequence)
    if change:
        root = etree.fromstring(event)
        change(root.find(f"{q('evento')}/{q('infEvento')}"))
        event = etree.tostring(root, encoding="utf-8")
    return sign(event, certificate(signer or cnpj), element="infEvento")


def void_request(first: int, last: int | None = None, *, cnpj: str = COMPANY, series: int = 1, year: int | None = None,
                 uf: str = UF, signer: str | None = None, reason: str = "Numeracao pulada por falha no sistema",
                 change: Callable[[etree._Element], None] | None = None) -> bytes:
    """The signed inutNFe voiding `first`..`last`; `change` edits infInut before signing."""
    request = build_void_request_xml(cnpj, uf, year or now().year, series, first, last or first, reason,
                                     environment=Environment.HOMOLOGATION)
    if change:
        root = etree.fromstring(request)
        change(root.find(q("infInut")))
        request = etree.tostring(root, encoding="utf-8")
    return sign(request, certificate(signer or cnpj), element="infInut")
