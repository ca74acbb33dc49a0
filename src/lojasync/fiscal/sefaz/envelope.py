"""SOAP 1.2 envelopes for SEFAZ's 4.00 services: nfeDadosMsg out, nfeResultMsg back.

The signed document is put into the envelope as the bytes it was signed as, never re-serialised: a
signature covers the canonical form, and any library that rewrites namespaces or whitespace on the way
would turn a good signature into rejection 297.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from lojasync.fiscal.sefaz.endpoints import Service

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
NFE = "http://www.portalfiscal.inf.br/nfe"
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>\s*")


def parser() -> etree.XMLParser:
    """A parser for one call (lxml parsers must not be shared between threads): no entities, no network."""
    return etree.XMLParser(resolve_entities=False, no_network=True)


class NotAnAnswer(Exception):
    """The body is not a SOAP answer of the service (the words say what it was instead)."""


def without_declaration(xml: bytes) -> bytes:
    return _DECLARATION.sub(b"", xml, count=1)


def request(service: Service, content: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="utf-8"?>'
            b'<soap12:Envelope xmlns:soap12="' + SOAP12.encode() + b'"><soap12:Body>'
            b'<nfeDadosMsg xmlns="' + service.namespace.encode() + b'">' + without_declaration(content)
            + b"</nfeDadosMsg></soap12:Body></soap12:Envelope>")


def content_type(service: Service) -> str:
    return f'application/soap+xml; charset=utf-8; action="{service.action}"'


def answer(service: Service, body: bytes) -> etree._Element:
    """The element inside nfeResultMsg (retEnviNFe, retConsSitNFe, ...), detached from the envelope."""
    try:
        # A line break before the XML declaration is not well-formed XML, and some servers' frameworks add one (after
        # a byte order mark, too).
        envelope = etree.fromstring(body.removeprefix(b"\xef\xbb\xbf").lstrip(), parser())
    except etree.XMLSyntaxError:
        snippet = body[:120].decode("utf-8", "replace").strip()
        raise NotAnAnswer(f"não é XML: {snippet!r}" if snippet else "resposta vazia") from None
    # A SOAP 1.1 Fault too: some servers' frameworks answer an error in 1.1 whatever the request's version (review:
    # its words were lost, "sem nfeResultMsg" said instead).
    fault = envelope.find(f"{{{SOAP12}}}Body/{{{SOAP12}}}Fault")
    if fault is None:
        fault = envelope.find(f"{{{SOAP11}}}Body/{{{SOAP11}}}Fault")
    if fault is not None:
        words = " ".join(piece.strip() for piece in fault.itertext() if piece.strip())
        raise NotAnAnswer(f"SOAP Fault: {words[:300]}")
    # Some authorisers answer nfeResultMsg in the service's namespace, a few in another prefix of it:
    # the element's local name is what counts.
    result = next(envelope.iter("{*}nfeResultMsg"), None)
    content = next(result.iterchildren(etree.Element), None) if result is not None else None
    if content is None:
        raise NotAnAnswer("sem nfeResultMsg no corpo SOAP")
    return copy.deepcopy(content)
