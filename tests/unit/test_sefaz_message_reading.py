"""How the SOAP client reads documents and answers without more parsing than needed: the root of a signed
document from its tags, the answer inside any nfeResultMsg, and each field of an answer by its name."""

from __future__ import annotations

import pytest
from lxml import etree

from lojasync.fiscal.sefaz import Service, answers, envelope, messages

NFE = "http://www.portalfiscal.inf.br/nfe"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
KEY = "35200159594315000157550010000000012062777161"
NFE_DOCUMENT = f'<NFe xmlns="{NFE}"><infNFe Id="NFe{KEY}" versao="4.00"><ide><cUF>35</cUF></ide></infNFe></NFe>'


@pytest.mark.parametrize(("document", "name"), [
    (NFE_DOCUMENT, "NFe"),
    (f'<?xml version="1.0" encoding="UTF-8"?>\n<!-- gerado -->\n<?pi x?>\n{NFE_DOCUMENT}\n', "NFe"),
    (NFE_DOCUMENT.replace("<NFe xmlns=", "<n:NFe xmlns:n=").replace("</NFe>", "</n:NFe>"), "NFe"),
    (f'<envEvento xmlns="{NFE}" versao="1.00"><idLote>1</idLote></envEvento>', "envEvento"),
    # shapes the tags alone do not settle are parsed whole
    (f"<!DOCTYPE NFe>{NFE_DOCUMENT}", "NFe"),
    (f"\ufeff{NFE_DOCUMENT}", "NFe"),
    (f'<NFe xmlns="{NFE}"/>', "NFe"),
])
def test_the_root_is_named_by_its_local_name(document: str, name: str) -> None:
    assert messages.root_name(document.encode()) == name
    assert etree.QName(etree.fromstring(document.encode())).localname == name


@pytest.mark.parametrize("document", [
    NFE_DOCUMENT[:-20],                          # cut short: no end tag of the root
    NFE_DOCUMENT.replace("</NFe>", "</NFex>"),   # another element's end tag
    "<not xml",
    "",
])
def test_a_document_that_is_not_whole_xml_is_refused(document: str) -> None:
    with pytest.raises(ValueError, match="XML inválido"):
        messages.root_name(document.encode())
    with pytest.raises(ValueError):
        messages.envi_nfe(document.encode(), "1")


def test_only_an_nfe_is_sent_for_authorisation() -> None:
    assert messages.envi_nfe(NFE_DOCUMENT.encode(), "1").endswith(NFE_DOCUMENT.encode() + b"</enviNFe>")
    with pytest.raises(ValueError, match="NF-e assinada"):
        messages.envi_nfe(NFE_DOCUMENT.replace("NFe", "nfeProc").encode(), "1")


def _soap(result: str) -> bytes:
    return f'<soap:Envelope xmlns:soap="{SOAP12}"><soap:Body>{result}</soap:Body></soap:Envelope>'.encode()


STATUS = f'<retConsStatServ xmlns="{NFE}" versao="4.00"><tpAmb>2</tpAmb><cStat>107</cStat></retConsStatServ>'


@pytest.mark.parametrize("result", [
    f'<nfeResultMsg xmlns="{Service.STATUS.namespace}">{STATUS}</nfeResultMsg>',
    f'<r:nfeResultMsg xmlns:r="{Service.STATUS.namespace}"><!-- x -->{STATUS}</r:nfeResultMsg>',
    f"<nfeResultMsg>\n  {STATUS}\n</nfeResultMsg>",
], ids=["default-namespace", "prefixed-with-a-comment", "no-namespace"])
def test_the_answer_is_the_element_inside_any_nfe_result_msg(result: str) -> None:
    content = envelope.answer(Service.STATUS, _soap(result))
    assert content.tag == f"{{{NFE}}}retConsStatServ"
    assert content.getparent() is None  # detached: serialised without the envelope's namespaces
    assert etree.tostring(content, with_tail=False) == STATUS.encode()


def test_an_envelope_without_an_answer_is_not_one() -> None:
    with pytest.raises(envelope.NotAnAnswer, match="sem nfeResultMsg"):
        envelope.answer(Service.STATUS, _soap(f'<nfeResultMsg xmlns="{Service.STATUS.namespace}"/>'))


def test_fields_are_read_stripped_the_first_of_a_name_and_empty_as_absent() -> None:
    message = etree.fromstring(
        f'<retEnviNFe xmlns="{NFE}" versao="4.00"><cStat> 225 </cStat><cStat>999</cStat><xMotivo>  </xMotivo>'
        f'<x:dhRecbto xmlns:x="urn:other">2026-12-01T10:00:00-03:00</x:dhRecbto>'
        "<infRec><nRec>351000000000001</nRec></infRec></retEnviNFe>")
    answer = answers.from_authorisation(message)
    assert (answer.status, answer.reason, answer.receipt) == ("225", "", "351000000000001")
    assert answer.received_at is None  # a dhRecbto outside the NF-e namespace is not SEFAZ's field


def test_a_protocol_is_read_from_its_inf_prot_and_kept_whole() -> None:
    prot = (f'<protNFe xmlns="{NFE}" versao="4.00"><infProt Id="ID135200000000001"><tpAmb>2</tpAmb>'
            f"<chNFe>{KEY}</chNFe><dhRecbto>2026-12-01T10:00:00-03:00</dhRecbto><nProt>135200000000001</nProt>"
            "<digVal>AAAA</digVal><cStat>100</cStat><xMotivo>Autorizado o uso da NF-e</xMotivo></infProt></protNFe>")
    message = etree.fromstring(f'<retConsSitNFe xmlns="{NFE}" versao="4.00"><cStat>100</cStat><xMotivo>x</xMotivo>'
                               f"<chNFe>{KEY}</chNFe>{prot}</retConsSitNFe>")
    answer = answers.from_query(message)
    assert (answer.status, answer.protocol, answer.access_key, answer.digest) == ("100", "135200000000001", KEY, "AAAA")
    assert answer.received_at.isoformat() == "2026-12-01T10:00:00-03:00"
    assert answer.xml == prot.encode()
