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


_PROC_OPENING = f"<?xml version='1.0' encoding='UTF-8'?>\n<nfeProc xmlns=\"{NFE_NS}\" versao=\"4.00\">".encode()


# The references lxml writes (text: &amp; &lt; &gt; &#13;; attributes also &quot; &#9; &#10;): any other is not
# lxml's writing (a character written as a reference, which lxml writes as itself), or an entity left unresolved.
_LXML_REFERENCES = (b"&amp;", b"&lt;", b"&gt;", b"&quot;", b"&#9;", b"&#10;", b"&#13;")


def _inside_proc(document: bytes, name: str) -> bytes | None:
    """`document`, an element `name` as lxml writes it alone (the NF-e signed by `signing`, a protNFe kept by
    `sefaz.answers`: both always are), as lxml writes it inside nfeProc: the same bytes without its own declaration
    of the NF-e namespace, which nfeProc's makes redundant. None, and lxml then writes the nfeProc, for what lxml's
    own output may hold that the join would write otherwise: another declaration on it, the namespace declared
    again inside it (lxml drops or rewrites that one too), an XML declaration, a DOCTYPE, CDATA, a comment or
    processing instruction, a reference lxml does not write (an entity left unresolved), bytes after it. A check
    of lxml's output, not a parser: bytes from elsewhere (a reference where lxml writes the character, other
    quotes, a malformed tag) could pass it."""
    opening, closing = f'<{name} xmlns="{NFE_NS}"'.encode(), f"</{name}>".encode()
    if not (document.startswith(opening) and document.endswith(closing)):
        return None
    start_tag = document[:document.find(b">") + 1]
    if start_tag.count(b"xmlns") != 1 or start_tag.endswith(b"/>") or document.count(NFE_NS.encode()) != 1:
        return None
    if b"<!" in document or b"<?" in document:
        return None
    references = document.count(b"&")
    if references and references != sum(document.count(reference) for reference in _LXML_REFERENCES):
        return None
    return b"<" + name.encode() + document[len(opening):]


def nfe_proc(signed_nfe: bytes, protocol: bytes) -> bytes:
    """<nfeProc versao="4.00"> with the NF-e as signed and SEFAZ's protNFe, byte for byte where it matters
    (the signature covers infNFe: the NF-e element is copied, never rebuilt).

    Both as lxml wrote them (the usual case) are joined as bytes: parsing ~10 kB to write the same bytes again
    cost about a tenth of a millisecond of each authorisation in its flow (benchmarks/invoice_throughput.py),
    the join with its checks some 15 us."""
    nfe, prot = _inside_proc(signed_nfe, "NFe"), _inside_proc(protocol, "protNFe")
    if nfe is not None and prot is not None:
        return _PROC_OPENING + nfe + prot + b"</nfeProc>"
    return built_nfe_proc(signed_nfe, protocol)


def built_nfe_proc(signed_nfe: bytes, protocol: bytes) -> bytes:
    """`nfe_proc` by lxml: both documents parsed, their elements put in a new nfeProc, written."""
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
    """<ProcInutNFe versao="4.00"> with the signed inutNFe and SEFAZ's retInutNFe. The capital P is the layout's
    (procInutNFe_v4.00.xsd declares `ProcInutNFe`): with a small one, a tool validating the archive refused it."""
    proc = etree.Element(f"{{{NFE_NS}}}ProcInutNFe", nsmap={None: NFE_NS}, versao="4.00")
    proc.append(_element(signed_request, "inutNFe"))
    proc.append(_element(answer, "retInutNFe"))
    return etree.tostring(proc, xml_declaration=True, encoding="UTF-8")
