"""The simulator on the wire, without the client's reading: SOAP 1.2 envelopes in the WSDLs' namespaces,
answers valid against SEFAZ's return schemas, batch rules, and what a request that is not SOAP gets."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files

import httpx
import pytest
from lxml import etree

from lojasync.fiscal.sefaz import SefazInvalidAnswer, SefazSoapClient, Service, messages
from lojasync.fiscal.sefaz import envelope as soap
from lojasync.simulators.sefaz import BackgroundSefaz
from lojasync.simulators.sefaz.soap import MAX_BODY

from .documents import NFE, cancellation, key_of, q, signed_nfe

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"


def _schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(files("nfelib").joinpath(path))))


RETURN_SCHEMAS = {
    "retEnviNFe": _schema("nfe/schemas/v4_0/retEnviNFe_v4.00.xsd"),
    "retConsReciNFe": _schema("nfe/schemas/v4_0/retConsReciNFe_v4.00.xsd"),
    "retConsSitNFe": _schema("nfe/schemas/v4_0/retConsSitNFe_v4.00.xsd"),
    "retConsStatServ": _schema("nfe/schemas/v4_0/retConsStatServ_v4.00.xsd"),
    "retEnvEvento": _schema("nfe_evento_cancel/schemas/v1_0/retEnvEventoCancNFe_v1.00.xsd"),
}


@pytest.fixture()
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


def call(http: httpx.Client, sefaz: BackgroundSefaz, service: Service, content: bytes) -> etree._Element:
    """POST one message as SOAP 1.2; the answer's content element, after checking the envelope."""
    response = http.post(f"{sefaz.url}/{service.value}", content=soap.request(service, content),
                         headers={"Content-Type": soap.content_type(service)})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/soap+xml")
    envelope = etree.fromstring(response.content)
    assert envelope.tag == f"{{{SOAP12}}}Envelope"
    result = envelope.find(f"{{{SOAP12}}}Body/{{{service.namespace}}}nfeResultMsg")
    assert result is not None, response.text
    (answer,) = list(result)
    return answer


def test_every_answer_is_valid_against_sefaz_return_schemas(http: httpx.Client, sefaz: BackgroundSefaz) -> None:
    document = signed_nfe()
    key = key_of(document)
    answers = [call(http, sefaz, Service.STATUS, messages.cons_stat_serv("2", "41")),
               call(http, sefaz, Service.AUTHORISATION, messages.envi_nfe(document, "1")),
               call(http, sefaz, Service.AUTHORISATION, messages.envi_nfe(document, "2"))]  # 204
    protocol = answers[1].findtext(f"{q('protNFe')}/{q('infProt')}/{q('nProt')}")
    answers.append(call(http, sefaz, Service.EVENTS, cancellation(key, protocol)))
    answers.append(call(http, sefaz, Service.QUERY, messages.cons_sit_nfe("2", key)))  # 101 + procEventoNFe
    answers.append(call(http, sefaz, Service.QUERY, messages.cons_sit_nfe("2", key_of(signed_nfe(number=9)))))
    sefaz.simulator.set_switches(sync=False)
    receipt = call(http, sefaz, Service.AUTHORISATION, messages.envi_nfe(signed_nfe(number=2), "3"))
    answers += [receipt, call(http, sefaz, Service.RECEIPT,
                              messages.cons_reci_nfe("2", receipt.findtext(f"{q('infRec')}/{q('nRec')}")))]
    statuses = []
    for answer in answers:
        schema = RETURN_SCHEMAS[etree.QName(answer).localname]
        assert schema.validate(answer), (etree.tostring(answer), schema.error_log)
        statuses.append(answer.findtext(q("cStat")))
    assert statuses == ["107", "104", "104", "128", "101", "217", "103", "104"]
    assert answers[1].findtext(f"{q('protNFe')}/{q('infProt')}/{q('cStat')}") == "100"
    assert answers[2].findtext(f"{q('protNFe')}/{q('infProt')}/{q('cStat')}") == "204"


def test_one_nfe_per_synchronous_batch_452_and_several_asynchronously(http: httpx.Client,
                                                                       sefaz: BackgroundSefaz) -> None:
    first, second = signed_nfe(number=1), signed_nfe(number=2)
    two = messages.envi_nfe(first, "1").replace(b"</enviNFe>", soap.without_declaration(second) + b"</enviNFe>")
    refused = call(http, sefaz, Service.AUTHORISATION, two)
    assert (refused.findtext(q("cStat")), refused.find(q("protNFe"))) == ("452", None)
    received = call(http, sefaz, Service.AUTHORISATION, two.replace(b"<indSinc>1</indSinc>", b"<indSinc>0</indSinc>"))
    assert received.findtext(q("cStat")) == "103"
    processed = call(http, sefaz, Service.RECEIPT,
                     messages.cons_reci_nfe("2", received.findtext(f"{q('infRec')}/{q('nRec')}")))
    assert processed.findtext(q("cStat")) == "104"
    protocols = processed.findall(q("protNFe"))
    assert [p.findtext(f"{q('infProt')}/{q('chNFe')}") for p in protocols] == [key_of(first), key_of(second)]
    assert {p.findtext(f"{q('infProt')}/{q('cStat')}") for p in protocols} == {"100"}


def test_a_query_of_a_key_with_a_wrong_check_digit_is_236(http: httpx.Client, sefaz: BackgroundSefaz) -> None:
    key = key_of(signed_nfe())
    wrong = key[:-1] + str((int(key[-1]) + 1) % 10)
    answer = call(http, sefaz, Service.QUERY, messages.cons_sit_nfe("2", wrong))
    assert answer.findtext(q("cStat")) == "236"


def test_a_request_that_is_not_soap_12_gets_a_fault(http: httpx.Client, sefaz: BackgroundSefaz) -> None:
    url = f"{sefaz.url}/{Service.STATUS.value}"
    body = soap.request(Service.STATUS, messages.cons_stat_serv("2", "41"))
    soap11 = http.post(url, content=body, headers={"Content-Type": "text/xml; charset=utf-8"})
    assert soap11.status_code == 415
    broken = http.post(url, content=b"<soap12:Envelope", headers={"Content-Type": soap.content_type(Service.STATUS)})
    assert broken.status_code == 500
    fault = etree.fromstring(broken.content).find(f"{{{SOAP12}}}Body/{{{SOAP12}}}Fault")
    assert fault.findtext(f"{{{SOAP12}}}Code/{{{SOAP12}}}Value") == "soap:Sender"
    # The message of another service at this address: its nfeDadosMsg is in the wrong namespace.
    crossed = http.post(url, content=soap.request(Service.QUERY, messages.cons_sit_nfe("2", "4" * 44)),
                        headers={"Content-Type": soap.content_type(Service.STATUS)})
    assert crossed.status_code == 500 and b"nfeDadosMsg" in crossed.content
    assert http.post(f"{sefaz.url}/CadConsultaCadastro4", content=body,
                     headers={"Content-Type": soap.content_type(Service.STATUS)}).status_code == 404


def test_an_answer_says_its_length_and_soap_12_type(http: httpx.Client, sefaz: BackgroundSefaz) -> None:
    response = http.post(f"{sefaz.url}/{Service.STATUS.value}",
                         content=soap.request(Service.STATUS, messages.cons_stat_serv("2", "41")),
                         headers={"Content-Type": soap.content_type(Service.STATUS)})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/soap+xml; charset=utf-8"
    assert int(response.headers["content-length"]) == len(response.content)
    assert "transfer-encoding" not in response.headers


def test_a_body_over_the_limit_is_cut_with_413_and_a_fault(http: httpx.Client, sefaz: BackgroundSefaz) -> None:
    """The server stops reading at 2 MB (SEFAZ's own limit, 500 KB, is answered 214 in the message)."""
    response = http.post(f"{sefaz.url}/{Service.AUTHORISATION.value}", content=b"<" * (MAX_BODY + 1),
                         headers={"Content-Type": soap.content_type(Service.AUTHORISATION)})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/soap+xml; charset=utf-8"
    fault = etree.fromstring(response.content).find(f"{{{SOAP12}}}Body/{{{SOAP12}}}Fault")
    assert fault.findtext(f"{{{SOAP12}}}Reason/{{{SOAP12}}}Text") == "Mensagem muito grande"


def test_the_client_reports_what_is_not_a_sefaz_answer(sefaz: BackgroundSefaz) -> None:
    with SefazSoapClient("PR", base_url=f"{sefaz.url}/nowhere", timeout=5) as lost, \
            pytest.raises(SefazInvalidAnswer) as caught:
        lost.service_status()
    assert caught.value.retryable
    assert str(caught.value).startswith("SEFAZ respondeu algo que não é uma resposta do serviço "
                                        "(NFeStatusServico4: HTTP 404")


def test_messages_keep_the_signed_bytes_and_the_nfe_namespace() -> None:
    document = signed_nfe()
    batch = messages.envi_nfe(b'<?xml version="1.0" encoding="UTF-8"?>' + document, "123")
    assert soap.without_declaration(document) in batch
    root = etree.fromstring(batch)
    assert (root.tag, root.get("versao"), root.findtext(q("indSinc"))) == (f"{{{NFE}}}enviNFe", "4.00", "1")
    with pytest.raises(ValueError):
        messages.envi_nfe(b"<nfeProc/>", "1")
    assert len(messages.batch_id()) == 15 and messages.batch_id() != messages.batch_id()
