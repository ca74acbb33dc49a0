"""The request messages of each service, in the 4.00 layouts (the NF-e namespace as the default one)."""

from __future__ import annotations

import itertools
import re
import time

from lxml import etree

from lojasync.fiscal.sefaz.envelope import NFE, parser, without_declaration

_batches = itertools.count()


def batch_id() -> str:
    """idLote (up to 15 digits): only the sender uses it, to tell its batches apart."""
    return f"{time.time_ns() // 1_000_000 % 10**12:012d}{next(_batches) % 1000:03d}"


# The prolog (declaration, comments, processing instructions) and the root's start tag, ASCII names.
_ROOT_START = re.compile(rb"(?:\s|<\?.*?\?>|<!--.*?-->)*<(([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*))[\s/>]", re.DOTALL)


def root_name(document: bytes) -> str:
    """The root element's local name. Read from the start and end tags when the document has the usual shape
    (a signed document is lxml's output): parsing 6 KB only to name its root cost ~30 us of each transmission.
    Anything else (a DOCTYPE, a BOM, a root cut short) is parsed, and malformed XML raises ValueError."""
    start = _ROOT_START.match(document)
    if start is not None and document.rstrip().endswith(b"</" + start.group(1) + b">"):
        return start.group(3).decode("ascii")
    try:
        return etree.QName(etree.fromstring(document, parser())).localname
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"XML inválido: {exc}") from None


def envi_nfe(signed_nfe: bytes, batch: str, synchronous: bool = True) -> bytes:
    if root_name(signed_nfe) != "NFe":
        raise ValueError("authorise() recebe uma NF-e assinada (elemento NFe)")
    return (f'<enviNFe xmlns="{NFE}" versao="4.00"><idLote>{batch}</idLote>'
            f'<indSinc>{1 if synchronous else 0}</indSinc>').encode() + without_declaration(signed_nfe) + b"</enviNFe>"


def env_evento(signed_event: bytes, batch: str) -> bytes:
    """An envEvento as given, or one `evento` wrapped in a batch of its own."""
    name = root_name(signed_event)
    if name == "envEvento":
        return without_declaration(signed_event)
    if name != "evento":
        raise ValueError("cancel() recebe um evento assinado (envEvento ou evento)")
    return (f'<envEvento xmlns="{NFE}" versao="1.00"><idLote>{batch}</idLote>').encode() \
        + without_declaration(signed_event) + b"</envEvento>"


def cons_reci_nfe(environment: str, receipt: str) -> bytes:
    return (f'<consReciNFe xmlns="{NFE}" versao="4.00"><tpAmb>{environment}</tpAmb>'
            f"<nRec>{receipt}</nRec></consReciNFe>").encode()


def cons_sit_nfe(environment: str, access_key: str) -> bytes:
    return (f'<consSitNFe xmlns="{NFE}" versao="4.00"><tpAmb>{environment}</tpAmb><xServ>CONSULTAR</xServ>'
            f"<chNFe>{access_key}</chNFe></consSitNFe>").encode()


def cons_stat_serv(environment: str, uf_code: str) -> bytes:
    return (f'<consStatServ xmlns="{NFE}" versao="4.00"><tpAmb>{environment}</tpAmb><cUF>{uf_code}</cUF>'
            "<xServ>STATUS</xServ></consStatServ>").encode()
