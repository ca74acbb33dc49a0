"""SOAP 1.2 as SEFAZ's NF-e 4.00 web services speak it: one body element, nfeDadosMsg in, nfeResultMsg out.

Each service has its WSDL namespace (http://www.portalfiscal.inf.br/nfe/wsdl/<Service>) and one operation;
the 4.00 WSDLs dropped the nfeCabecMsg header. A request that is not such an envelope gets a SOAP Fault
with HTTP 500, as the real (.NET and Java) services answer; one that is not SOAP 1.2 gets HTTP 415.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSDL = "http://www.portalfiscal.inf.br/nfe/wsdl/"
NFE = "http://www.portalfiscal.inf.br/nfe"
MAX_BODY = 2 * 1024 * 1024  # far above SEFAZ's 500 KB per message (rejection 214 is answered, not cut)


@dataclass(frozen=True)
class Service:
    name: str          # path and WSDL name: NFeAutorizacao4
    operation: str     # nfeAutorizacaoLote
    request: str       # the nfeDadosMsg content's element: enviNFe

    @property
    def namespace(self) -> str:
        return WSDL + self.name

    @property
    def action(self) -> str:
        return f"{self.namespace}/{self.operation}"


SERVICES = {s.name: s for s in (
    Service("NFeAutorizacao4", "nfeAutorizacaoLote", "enviNFe"),
    Service("NFeRetAutorizacao4", "nfeRetAutorizacaoLote", "consReciNFe"),
    Service("NFeConsultaProtocolo4", "nfeConsultaNF", "consSitNFe"),
    Service("NFeRecepcaoEvento4", "nfeRecepcaoEvento", "envEvento"),
    Service("NFeInutilizacao4", "nfeInutilizacaoNF", "inutNFe"),
    Service("NFeStatusServico4", "nfeStatusServicoNF", "consStatServ"),
)}



def _parser() -> etree.XMLParser:
    # One per call: lxml parsers must not be shared between threads. No entities, no network.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


class SoapFault(Exception):
    """The request is not a SOAP 1.2 call of this service: HTTP `status` with a Fault body."""

    def __init__(self, text: str, status: int = 500, sender: bool = True) -> None:
        super().__init__(text)
        self.text = text
        self.status = status
        self.sender = sender


def request_content(service: Service, content_type: str | None, body: bytes) -> etree._Element:
    """The element inside nfeDadosMsg (enviNFe, consSitNFe, ...), still inside its parsed envelope."""
    if not (content_type or "").lower().startswith("application/soap+xml"):
        raise SoapFault("Content-Type deve ser application/soap+xml (SOAP 1.2)", status=415)
    if len(body) > MAX_BODY:
        raise SoapFault("Mensagem muito grande")
    try:
        envelope = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise SoapFault(f"XML mal formado: {exc}") from None
    if envelope.tag != f"{{{SOAP12}}}Envelope":
        raise SoapFault("Envelope SOAP 1.2 esperado", status=415 if envelope.tag.endswith("Envelope") else 500)
    body_element = envelope.find(f"{{{SOAP12}}}Body")
    message = body_element.find(f"{{{service.namespace}}}nfeDadosMsg") if body_element is not None else None
    if message is None:
        raise SoapFault(f"nfeDadosMsg de {service.namespace} nao encontrado no Body")
    children = [child for child in message if isinstance(child.tag, str)]
    if len(children) != 1:
        raise SoapFault("nfeDadosMsg deve conter um unico elemento")
    return children[0]


_ENVELOPE_START = (b"<?xml version='1.0' encoding='utf-8'?>\n"
                   b'<soap:Envelope xmlns:soap="' + SOAP12.encode() + b'"><soap:Body>')
_ENVELOPE_END = b"</nfeResultMsg></soap:Body></soap:Envelope>"


def response(service: Service, content: etree._Element) -> bytes:
    """nfeResultMsg around the answer element, in a SOAP 1.2 envelope."""
    # The envelope is the same text on every answer: written around the answer's bytes rather than built
    # as elements and serialised with it (the bytes are the same either way).
    return (_ENVELOPE_START + b'<nfeResultMsg xmlns="' + service.namespace.encode() + b'">'
            + etree.tostring(content, encoding="utf-8", with_tail=False) + _ENVELOPE_END)


def fault(fault_error: SoapFault) -> bytes:
    envelope = etree.Element(f"{{{SOAP12}}}Envelope", nsmap={"soap": SOAP12})
    body = etree.SubElement(envelope, f"{{{SOAP12}}}Body")
    element = etree.SubElement(body, f"{{{SOAP12}}}Fault")
    code = etree.SubElement(element, f"{{{SOAP12}}}Code")
    etree.SubElement(code, f"{{{SOAP12}}}Value").text = "soap:Sender" if fault_error.sender else "soap:Receiver"
    reason = etree.SubElement(element, f"{{{SOAP12}}}Reason")
    text = etree.SubElement(reason, f"{{{SOAP12}}}Text")
    text.set("{http://www.w3.org/XML/1998/namespace}lang", "pt-BR")
    text.text = fault_error.text
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


# A text node of nothing but spacing, with a line break or a tab in it, anywhere inside the message. Compiled once:
# walking the elements in Python cost more than the rest of the message's reading.
_EDITING = etree.XPath("boolean(.//text()[normalize-space(.) = '' and "
                       "(contains(., $lf) or contains(., $cr) or contains(., $tab))])")


def has_editing_characters(content: etree._Element) -> bool:
    """Whether line breaks or tabs stand between the message's tags (rejection 588: a pretty-printed NF-e)."""
    return bool(_EDITING(content, lf="\n", cr="\r", tab="\t"))


def prefixed_elements(content: etree._Element) -> bool:
    """Whether any element of the message uses a namespace prefix (rejection 404)."""
    # iter(etree.Element) skips comments, PIs and entities in C, and `prefix` builds no tag string:
    # a third of the cost of reading every `tag` (an XPath on name() is no faster: it builds one per node).
    return any(el.prefix is not None for el in content.iter(etree.Element))
