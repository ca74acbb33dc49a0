"""The nfeProc kept after an authorisation: joined as bytes when both documents are as lxml wrote them, the same
bytes lxml writes when it builds it, and a valid procNFe either way."""

from __future__ import annotations

import copy
from importlib.resources import files

import pytest
from lxml import etree

from lojasync.fiscal.certificate import TEST_CERTIFICATE_PASSWORD, Certificate, make_test_certificate
from lojasync.fiscal.nfe_proc import _inside_proc, built_nfe_proc, nfe_proc
from lojasync.fiscal.nfe_xml import build_nfe_xml
from lojasync.fiscal.signing import sign
from tests.unit.nfe_drafts import ALPHANUMERIC_CNPJ, ISSUED_AT, draft, shirts

NS = "http://www.portalfiscal.inf.br/nfe"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
_PROC_SCHEMA = etree.XMLSchema(etree.parse(str(files("nfelib").joinpath("nfe/schemas/v4_0/procNFe_v4.00.xsd"))))


@pytest.fixture(scope="module")
def signed() -> bytes:
    pfx = make_test_certificate(ALPHANUMERIC_CNPJ, "Loja Exemplo Comércio Ltda", now=ISSUED_AT)
    certificate = Certificate.load(pfx, TEST_CERTIFICATE_PASSWORD)
    item = shirts(1)[0]
    nfe = draft(items=(item.__class__(**{**item.__dict__, "description": 'Caneca "Café" & <cia> > 1'}),))
    return sign(build_nfe_xml(nfe), certificate, now=ISSUED_AT)


def _answer(signature: bool = False) -> bytes:
    """A protNFe as `sefaz.answers` keeps it: taken out of SEFAZ's message and written alone."""
    message = etree.Element(f"{{{NS}}}retEnviNFe", nsmap={None: NS}, versao="4.00")
    prot = etree.SubElement(message, f"{{{NS}}}protNFe", versao="4.00")
    info = etree.SubElement(prot, f"{{{NS}}}infProt", Id="ID135260000000001")
    for name, text in (("tpAmb", "2"), ("verAplic", "SP_NFE_PL009_V4"), ("chNFe", "3" * 44),
                       ("dhRecbto", "2026-10-05T14:30:06-03:00"), ("nProt", "135260000000001"),
                       ("digVal", "k4TMabc="), ("cStat", "100"), ("xMotivo", "Autorizado o uso da NF-e & <ok>")):
        etree.SubElement(info, f"{{{NS}}}{name}").text = text
    if signature:   # some authorisers sign the protocol
        etree.SubElement(etree.SubElement(prot, f"{{{DSIG}}}Signature", nsmap={None: DSIG}),
                         f"{{{DSIG}}}SignatureValue").text = "c2lnbmF0dXJl"
    return etree.tostring(copy.deepcopy(prot), encoding="utf-8")


def test_the_nfe_and_protocol_as_lxml_wrote_them_are_joined_into_what_lxml_writes(signed):
    for protocol in (_answer(), _answer(signature=True)):
        assert _inside_proc(signed, "NFe") is not None and _inside_proc(protocol, "protNFe") is not None
        joined = nfe_proc(signed, protocol)
        assert joined == built_nfe_proc(signed, protocol)
        proc = etree.fromstring(joined)
        if b"Signature" not in protocol:   # the signed one's signature is a stand-in, not a valid one
            assert _PROC_SCHEMA.validate(proc), _PROC_SCHEMA.error_log
        # The NF-e inside is the one signed, to the byte of its infNFe as the signature reads it.
        assert etree.tostring(proc.find(f"{{{NS}}}NFe/{{{NS}}}infNFe"), method="c14n") == \
            etree.tostring(etree.fromstring(signed).find(f"{{{NS}}}infNFe"), method="c14n")


def test_any_other_shape_is_built_by_lxml(signed):
    other_declarations = _answer().replace(b'versao="4.00"', b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                                                                 b'versao="4.00"', 1)
    wrapped = b"<retEnviNFe xmlns=\"" + NS.encode() + b"\">" + _answer() + b"</retEnviNFe>"
    declared = b"<?xml version='1.0' encoding='UTF-8'?>\n" + signed
    trailing = signed + b"\n"
    # The namespace declared again below protNFe (lxml keeps it in the answer, drops it inside nfeProc), by default
    # or by a prefix; a CDATA section, a comment; a character written as a reference.
    nested = _answer().replace(b"<infProt ", b'<infProt xmlns="' + NS.encode() + b'" ', 1)
    prefixed = _answer().replace(b"<infProt ", b'<n:infProt xmlns:n="' + NS.encode() + b'" ', 1) \
        .replace(b"</infProt>", b"</n:infProt>", 1)
    cdata = _answer().replace(b"<cStat>100</cStat>", b"<cStat><![CDATA[100]]></cStat>", 1)
    comment = _answer().replace(b"<cStat>", b"<!-- SEFAZ --><cStat>", 1)
    reference = _answer().replace(b"<cStat>100", b"<cStat>&#49;00", 1)
    for document, protocol in ((signed, other_declarations), (signed, wrapped), (declared, _answer()),
                               (trailing, _answer()), (signed, nested), (signed, prefixed), (signed, cdata),
                               (signed, comment), (signed, reference)):
        assert _inside_proc(document, "NFe") is None or _inside_proc(protocol, "protNFe") is None
        made = nfe_proc(document, protocol)
        assert made == built_nfe_proc(document, protocol)
        assert _PROC_SCHEMA.validate(etree.fromstring(made))


def test_an_entity_left_unresolved_is_not_joined_into_a_document_no_parser_reads(signed):
    """The SOAP answer's parser resolves no entity: one declared in a DOCTYPE stays a reference in the protocol.
    Joined, it made an nfeProc no parser reads; built by lxml, it is refused at once."""
    protocol = _answer().replace(b"<xMotivo>", b"<xMotivo>&ok;", 1)
    assert _inside_proc(protocol, "protNFe") is None
    with pytest.raises(etree.XMLSyntaxError):
        nfe_proc(signed, protocol)
