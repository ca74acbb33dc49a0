"""The request to void ("inutilizar") a range of NF-e numbers never authorised, as SEFAZ's NFeInutilizacao4
receives it: one `inutNFe` (layout 4.00) whose `infInut` the signer signs by its Id.

A number the series skipped (an NF-e discarded before SEFAZ authorised it, a number lost to a crash) is a gap
the issuer must close at SEFAZ by the 10th of the following month; once voided, no NF-e can take it (206).
"""

from __future__ import annotations

import re

from nfelib.nfe.bindings.v4_0 import leiaute_inut_nfe_v4_00 as void
from nfelib.nfe.bindings.v4_0 import tipos_basico_v4_00 as basic
from nfelib.nfe.bindings.v4_0.inut_nfe_v4_00 import InutNfe

from lojasync.fiscal import nfe_format as fmt
from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.nfe_xml import to_xml
from lojasync.shared.errors import LojasyncError

MODEL = "55"
REASON_MIN, REASON_MAX = 15, 255
LAST_NUMBER = 999_999_999
_CNPJ = re.compile(r"[0-9A-Z]{12}[0-9]{2}")
_YEAR = re.compile(r"<ano>(\d{2})</ano>")
_ISSUER = re.compile(r"<cUF>(\d{2})</cUF>.*?<CNPJ>([0-9A-Z]{12}[0-9]{2})</CNPJ>", re.DOTALL)


class VoidReasonInvalid(LojasyncError):
    """SEFAZ takes a justification of 15 to 255 characters (xJust)."""

    code = "nfe.void_reason"
    message_template = "A justificativa da inutilização deve ter de 15 a 255 caracteres (tem {length}{note})."
    resolution_template = ("Escreva por que os números ficaram sem uso, entre 15 e 255 caracteres (por exemplo: "
                           "\"NF-e descartada antes da autorização\").")


def void_request_id(uf_code: str, year: int, cnpj: str, series: int, first: int, last: int) -> str:
    """infInut/@Id: "ID" + cUF + ano (2 digits) + CNPJ + mod + série (3) + nNFIni (9) + nNFFin (9)."""
    return f"ID{uf_code}{year % 100:02d}{cnpj}{MODEL}{series:03d}{first:09d}{last:09d}"


def check_void_reason(reason: str) -> str:
    """The justification as it will be sent; `VoidReasonInvalid` outside 15-255 characters (once cleaned)."""
    # Measured whole: cut at 256 first, a space there trimmed to 255 and passed, and the rest of what was typed
    # was dropped unsaid (review: 282 characters went as 255).
    length, note = fmt.justification_length(reason, REASON_MAX)
    if not REASON_MIN <= length <= REASON_MAX:
        raise VoidReasonInvalid(length=length, note=note)
    return fmt.text(reason, REASON_MAX)


def build_void_request_xml(cnpj: str, uf_code: str, year: int, series: int, first: int, last: int, reason: str,
                           *, environment: Environment) -> bytes:
    """The unsigned inutNFe of numbers `first`..`last` of `series` (model 55) of the issuer `cnpj`, in `year`.

    Raises `VoidReasonInvalid` for a justification outside 15-255 characters (after the text is cleaned for the
    XML), ValueError for a range or identification SEFAZ's schema would refuse.
    """
    justification = check_void_reason(reason)
    document = fmt.document(cnpj)
    if not _CNPJ.fullmatch(document):
        raise ValueError(f"CNPJ inválido: {cnpj!r}")
    if not 1 <= first <= last <= LAST_NUMBER:
        raise ValueError(f"faixa inválida: {first}..{last}")
    if not 0 <= series <= 999:
        raise ValueError(f"série inválida: {series}")
    info = void.TinutNfe.InfInut(
        tpAmb=basic.Tamb(environment.value), xServ=void.InfInutXServ.INUTILIZAR, cUF=basic.TcodUfIbge(uf_code),
        ano=f"{year % 100:02d}", CNPJ=document, mod=basic.Tmod(MODEL), serie=str(series), nNFIni=str(first),
        nNFFin=str(last), xJust=justification,
        Id=void_request_id(uf_code, year, document, series, first, last))
    return to_xml(InutNfe(infInut=info, versao="4.00"))


def issuer_of_request(request_xml: str | None) -> tuple[str, str] | None:
    """(cUF, CNPJ) an inutNFe was made for (`build_void_request_xml`); None when they cannot be read."""
    found = _ISSUER.search(request_xml or "")
    return (found.group(1), found.group(2)) if found else None


def year_of_request(request_xml: str | None) -> int | None:
    """The year (4 digits) an inutNFe was made in, from its `ano` (`build_void_request_xml`); None when it cannot
    be read."""
    found = _YEAR.search(request_xml or "")
    return 2000 + int(found.group(1)) if found else None
