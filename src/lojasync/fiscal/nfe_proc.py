"""The documents kept after SEFAZ answers: nfeProc (the NF-e with its protNFe), procEventoNFe (the
cancellation event with SEFAZ's retEvento) and procInutNFe (a request to void numbers with SEFAZ's retInutNFe).
What the DANFE is printed from and what the merchant archives."""

from __future__ import annotations

from lxml import etree

NFE_NS = "http://www.portalfiscal.inf.br/nfe"


def _element(xml: bytes, local_name: str) -> etree._Element:
    root = etree.fromstring(xml)
    if etree.QName(root).localname == local_name:
        return root
    found = root.find(f".//{{{NFE_NS}}}{local_name}")
    if found is None:
        raise ValueError(f"{local_name} não encontrado no XML")
    return found


def nfe_proc(signed_nfe: bytes, protocol: bytes) -> bytes:
    """<nfeProc versao="4.00"> with the NF-e as signed and SEFAZ's protNFe, byte for byte where it matters
    (the signature covers infNFe: the NF-e element is copied, never rebuilt)."""
    proc = etree.Element(f"{{{NFE_NS}}}nfeProc", nsmap={None: NFE_NS}, versao="4.00")
    proc.append(_element(signed_nfe, "NFe"))
    proc.append(_element(protocol, "protNFe"))
    return etree.tostring(proc, xml_declaration=True, encoding="UTF-8")


def event_proc(signed_event: bytes, answer: bytes) -> bytes:
    """<procEventoNFe versao="1.00"> with the signed evento and SEFAZ's retEvento."""
    proc = etree.Element(f"{{{NFE_NS}}}procEventoNFe", nsmap={None: NFE_NS}, versao="1.00")
    proc.append(_element(signed_event, "evento"))
    proc.append(_element(answer, "retEvento"))
    return etree.tostring(proc, xml_declaration=True, encoding="UTF-8")


def void_proc(signed_request: bytes, answer: bytes) -> bytes:
    """<procInutNFe versao="4.00"> with the signed inutNFe and SEFAZ's retInutNFe."""
    proc = etree.Element(f"{{{NFE_NS}}}procInutNFe", nsmap={None: NFE_NS}, versao="4.00")
    proc.append(_element(signed_request, "inutNFe"))
    proc.append(_element(answer, "retInutNFe"))
    return etree.tostring(proc, xml_declaration=True, encoding="UTF-8")
