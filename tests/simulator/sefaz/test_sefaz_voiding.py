"""Voiding NF-e numbers (NFeInutilizacao4) through the SOAP client: voided (102), then every refusal SEFAZ has
for it, each produced by a crafted request; and a voided number refused when an NF-e later takes it (206)."""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import load_der_x509_certificate
from lxml import etree

from lojasync.fiscal.sefaz import SefazSoapClient
from lojasync.simulators.sefaz import BackgroundSefaz

from .documents import ALPHANUMERIC_COMPANY, DS, OTHER_COMPANY, now, q, signed_nfe, void_request

_RET_SCHEMA = etree.XMLSchema(etree.parse(str(files("nfelib").joinpath("nfe/schemas/v4_0/retInutNFe_v4.00.xsd"))))


def _c14n(element: etree._Element) -> bytes:
    copied = etree.fromstring(etree.tostring(element))
    return etree.tostring(copied, method="c14n", exclusive=False, with_comments=False)


def test_a_range_is_voided_with_a_protocol_and_its_answer_follows_the_schema(client: SefazSoapClient) -> None:
    request = void_request(5, 7)
    answer = client.void_numbers(request)
    assert (answer.status, answer.reason) == ("102", "Inutilizacao de numero homologado")
    assert re.fullmatch(r"141[0-9]{12}", answer.protocol)
    ret = etree.fromstring(answer.xml)
    assert _RET_SCHEMA.validate(ret), _RET_SCHEMA.error_log
    info = ret.find(q("infInut"))
    assert [info.findtext(q(n)) for n in ("nNFIni", "nNFFin", "serie", "mod", "verAplic")] == \
        ["5", "7", "1", "55", "SIMULADOR-LOJASYNC"]


def test_the_request_is_signed_as_sefaz_checks_it_independently_of_the_signer() -> None:
    root = etree.fromstring(void_request(3))
    info = root.find(q("infInut"))
    signature = root.find(f"{{{DS}}}Signature")
    assert signature.getprevious() is info and root.find(".//{*}Signature").prefix is None
    reference = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    assert reference.get("URI") == "#" + info.get("Id")
    assert reference.findtext(f"{{{DS}}}DigestValue") == base64.b64encode(hashlib.sha1(_c14n(info)).digest()).decode()
    der = base64.b64decode(signature.findtext(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate"))
    load_der_x509_certificate(der).public_key().verify(
        base64.b64decode(signature.findtext(f"{{{DS}}}SignatureValue")),
        _c14n(signature.find(f"{{{DS}}}SignedInfo")), padding.PKCS1v15(), hashes.SHA1())


def test_the_same_range_again_is_563_and_a_range_sharing_a_number_256(client: SefazSoapClient) -> None:
    assert client.void_numbers(void_request(10, 12)).status == "102"
    assert client.void_numbers(void_request(10, 12)).status == "563"
    overlapping = client.void_numbers(void_request(12, 14))
    assert overlapping.status == "256" and "[nNF:12]" in overlapping.reason
    assert client.void_numbers(void_request(13, 14)).status == "102"   # the numbers left are still free
    assert client.void_numbers(void_request(10, 12, series=2)).status == "102"   # another series is its own


def test_a_number_an_nfe_took_cannot_be_voided_241_and_a_voided_one_cannot_be_authorised_206(
        client: SefazSoapClient) -> None:
    assert client.authorise(signed_nfe(number=20)).status == "100"
    used = client.void_numbers(void_request(19, 21))
    assert used.status == "241" and "chNFe:" in used.reason
    assert client.void_numbers(void_request(21, 22)).status == "102"
    refused = client.authorise(signed_nfe(number=22))
    assert (refused.status, refused.reason) == ("206", "Rejeicao: NF-e ja esta inutilizada na Base de dados da SEFAZ")
    assert client.authorise(signed_nfe(number=23)).status == "100"


def test_each_malformed_or_foreign_request_gets_its_code(client: SefazSoapClient) -> None:
    def set_text(name: str, value: str):
        return lambda info: setattr(info.find(q(name)), "text", value)

    cases = {
        "224": void_request(1, 1, change=lambda info: (set_text("nNFIni", "9")(info), info.set(
            "Id", info.get("Id")[:-18] + "000000009000000001"))),
        "453": void_request(1, year=now().year + 1),
        "454": void_request(1, year=2005),
        "213": void_request(1, signer=OTHER_COMPANY),
        "252": void_request(1, change=set_text("tpAmb", "1")),
        "226": void_request(1, uf="35"),
        "502": void_request(1, change=lambda info: info.set("Id", info.get("Id")[:-1] + "2")),
        "215": void_request(1, change=set_text("xJust", "curta")),
    }
    got = {code: client.void_numbers(request).status for code, request in cases.items()}
    assert got == {code: code for code in cases}


def test_a_broken_signature_is_297_and_a_prefixed_request_404(client: SefazSoapClient) -> None:
    signed = void_request(1)
    assert client.void_numbers(signed.replace(b"<nNFFin>1<", b"<nNFFin>2<")).status == "297"   # signed before
    tampered = signed.replace(b"Numeracao pulada", b"Numeracao perdida")
    assert client.void_numbers(tampered).status == "297"
    prefixed = signed.replace(b'<inutNFe xmlns="', b'<n:inutNFe xmlns:n="').replace(b"</inutNFe>", b"</n:inutNFe>")
    assert client.void_numbers(prefixed).status == "404"


def test_an_alphanumeric_cnpj_is_voided_as_the_2025_layouts_allow(client: SefazSoapClient) -> None:
    assert client.void_numbers(void_request(1, cnpj=ALPHANUMERIC_COMPANY)).status == "102"


def test_switches_make_voiding_fail_as_they_make_the_other_services(sefaz: BackgroundSefaz,
                                                                     client: SefazSoapClient) -> None:
    sefaz.simulator.set_switches(out_of_service="108")
    assert client.void_numbers(void_request(30)).status == "108"
    sefaz.simulator.set_switches(out_of_service=None, reject_with="240")
    assert client.void_numbers(void_request(30)).status == "240"
    sefaz.simulator.reset_switches()
    assert client.void_numbers(void_request(30)).status == "102"   # a rejection voided nothing
