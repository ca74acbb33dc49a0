"""The SOAP client against the simulated SEFAZ over real HTTP: authorisation, and each rejection a crafted
NF-e produces, with SEFAZ's code and words."""

from __future__ import annotations

import re
from datetime import timedelta
from importlib.resources import files

import pytest
from lxml import etree

from lojasync.fiscal.certificate import TEST_CERTIFICATE_PASSWORD, Certificate, make_test_certificate
from lojasync.fiscal.sefaz import SefazSoapClient
from lojasync.fiscal.signing import sign
from lojasync.simulators.sefaz import BackgroundSefaz

from .documents import (
    ALPHANUMERIC_COMPANY,
    COMPANY,
    DS,
    OTHER_COMPANY,
    digest_of,
    key_digit,
    key_of,
    now,
    q,
    signed_nfe,
    unsigned_nfe,
)

_PROC_SCHEMA = etree.XMLSchema(etree.parse(str(files("nfelib").joinpath("nfe/schemas/v4_0/procNFe_v4.00.xsd"))))


def nfe_proc(signed: bytes, protocol_xml: bytes) -> etree._Element:
    proc = etree.Element(q("nfeProc"), versao="4.00", nsmap={None: "http://www.portalfiscal.inf.br/nfe"})
    proc.append(etree.fromstring(signed))
    proc.append(etree.fromstring(protocol_xml))
    return proc


def test_authorises_a_valid_nfe_with_a_protocol_marked_simulator(client: SefazSoapClient) -> None:
    document = signed_nfe(number=1)
    answer = client.authorise(document)
    assert (answer.status, answer.reason) == ("100", "Autorizado o uso da NF-e")
    assert answer.authorised and not answer.in_processing
    assert answer.access_key == key_of(document)
    assert re.fullmatch(rf"141{now():%y}[0-9]{{10}}", answer.protocol)  # 1 + cUF + year + sequence
    assert answer.digest == digest_of(document)
    assert answer.received_at is not None and abs(answer.received_at - now()) < timedelta(seconds=5)
    info = etree.fromstring(answer.xml).find(q("infProt"))
    assert info.findtext(q("verAplic")) == "SIMULADOR-LOJASYNC"
    assert info.findtext(q("digVal")) == digest_of(document) and info.findtext(q("nProt")) == answer.protocol
    # NF-e + protNFe is a valid nfeProc: what lojasync keeps and the DANFE is printed from.
    proc = nfe_proc(document, answer.xml)
    assert _PROC_SCHEMA.validate(proc), _PROC_SCHEMA.error_log


def test_the_alphanumeric_cnpj_is_authorised(client: SefazSoapClient) -> None:
    document = signed_nfe(cnpj=ALPHANUMERIC_COMPANY, number=2)
    answer = client.authorise(document)
    assert answer.status == "100", answer.reason
    assert answer.access_key[6:20] == ALPHANUMERIC_COMPANY


def _remove(path: str):
    def change(info: etree._Element) -> None:
        element = info.find("/".join(q(step) for step in path.split("/")))
        element.getparent().remove(element)
    return change


def _set(path: str, value: str):
    def change(info: etree._Element) -> None:
        info.find("/".join(q(step) for step in path.split("/"))).text = value
    return change


def _wrong_check_digit(info: etree._Element) -> None:
    """cDV and the key's last character agree with each other, not with the mod-11 rule."""
    key = info.get("Id")[3:]
    wrong = str((int(key[-1]) + 1) % 10)
    info.set("Id", f"NFe{key[:-1]}{wrong}")
    info.find(f"{q('ide')}/{q('cDV')}").text = wrong


def _remove_ie_as_non_contributor(info: etree._Element) -> None:
    """The sample's recipient without IE (indIEDest 9), the sale still not to a final consumer (indFinal 0)."""
    _set("dest/indIEDest", "9")(info)
    _remove("dest/IE")(info)


@pytest.mark.parametrize("gtin", ["7891234567895", "SEM GTIN", "96385074", "00012345600012"])
def test_a_valid_gtin_or_none_is_authorised(client: SefazSoapClient, gtin: str) -> None:
    def change(info: etree._Element) -> None:
        _set("det/prod/cEAN", gtin)(info)
        _set("det/prod/cEANTrib", gtin)(info)
    assert client.authorise(signed_nfe(number=12, change=change)).status == "100"


@pytest.mark.parametrize(("fields", "status", "words"), [
    (dict(change=_remove("ide/natOp")), "225", "Rejeicao: Falha no Schema XML do lote de NFe"),
    (dict(environment="1"), "252", "Rejeicao: Ambiente informado diverge do Ambiente de recebimento"),
    (dict(dest_name="MARIA DA SILVA"), "598", "Rejeicao: NF-e emitida em ambiente de homologacao com Razao Social do destinatario diferente de NF-E EMITIDA EM AMBIENTE DE HOMOLOGACAO - SEM VALOR FISCAL"),
    (dict(issued_at=lambda: now() + timedelta(hours=1)), "703", "Rejeicao: Data-Hora de Emissao posterior ao horario de recebimento"),
    (dict(issued_at=now() - timedelta(days=31)), "228", "Rejeicao: Data de Emissao muito atrasada"),
    (dict(after_key=_set("ide/dhEmi", "2025-01-15T10:00:00-03:00")), "561", "Rejeicao: Mes de Emissao informado na Chave de Acesso difere do Mes de Emissao da NF-e"),
    (dict(after_key=_set("ide/cNF", "99999999")), "562", "Rejeicao: Codigo Numerico informado na Chave de Acesso difere do Codigo Numerico da NF-e"),
    (dict(after_key=_set("ide/nNF", "999")), "502", "Rejeicao: Erro na Chave de Acesso - Campo Id nao corresponde a concatenacao dos campos correspondentes"),
    (dict(after_key=_wrong_check_digit), "236", "Rejeicao: Chave de Acesso com digito verificador invalido"),
    (dict(signer=OTHER_COMPANY), "213", "Rejeicao: CNPJ-Base do Emitente difere do CNPJ-Base do Certificado Digital"),
    (dict(code="33333333"), "897", "Rejeicao: Codigo numerico em formato invalido"),
    (dict(code="90123456"), "897", "Rejeicao: Codigo numerico em formato invalido"),
    (dict(code="65432109"), "897", "Rejeicao: Codigo numerico em formato invalido"),
    (dict(code="00000010"), "897", "Rejeicao: Codigo numerico em formato invalido"),
    (dict(change=_set("ide/indPres", "2")), "434", "Rejeicao: Nao informado o Indicador de Intermediador/Marketplace"),
    (dict(change=_set("det/prod/cEAN", "7891234567891")), "611", "Rejeicao: GTIN do item (cEAN) invalido"),
    (dict(change=_set("det/prod/cEANTrib", "78912345")), "612", "Rejeicao: GTIN da unidade tributavel (cEANTrib) invalido"),
    (dict(change=_remove_ie_as_non_contributor), "696", "Rejeicao: Operacao com nao contribuinte deve indicar operacao com consumidor final"),
    (dict(change=_set("emit/IE", "ISENTO")), "209", "Rejeicao: IE do emitente invalida"),
], ids=["225-schema", "252-environment", "598-homologation-name", "703-future", "228-too-old", "561-key-month",
        "562-key-code", "502-key-fields", "236-key-digit", "213-certificate-cnpj", "897-repeated-code",
        "897-ascending-code", "897-descending-code", "897-code-is-the-number", "434-no-intermediary", "611-gtin",
        "612-taxable-unit-gtin", "696-non-contributor-not-final", "209-exempt-issuer"])
def test_each_crafted_document_gets_sefaz_rejection(client: SefazSoapClient, sefaz: BackgroundSefaz, fields: dict,
                                                    status: str, words: str) -> None:
    # A moment given as a function is taken when the test runs, not when pytest collected it (an hour ahead of
    # the collection is no longer ahead on a slow run).
    fields = {name: value() if name == "issued_at" and callable(value) else value for name, value in fields.items()}
    answer = client.authorise(signed_nfe(number=10, **fields))
    assert answer.status == status
    assert answer.reason.startswith(words)
    assert not answer.authorised and answer.protocol is None
    assert sefaz.simulator.stats()["nfe_conhecidas"] == 0  # a rejected NF-e is not kept


def _sold_online(intermediary: str):
    def change(info: etree._Element) -> None:
        ide = info.find(q("ide"))
        ide.find(q("indPres")).text = "2"
        indicator = etree.Element(q("indIntermed"))
        indicator.text = intermediary
        ide.find(q("indPres")).addnext(indicator)
    return change


def test_an_online_sale_that_says_it_had_no_marketplace_is_authorised(client: SefazSoapClient) -> None:
    assert client.authorise(signed_nfe(number=11, change=_sold_online("0"))).status == "100"


@pytest.mark.parametrize("code", ["12345679", "10000010", "00000100"])
def test_a_code_near_a_guessable_one_is_authorised(client: SefazSoapClient, code: str) -> None:
    assert client.authorise(signed_nfe(number=10, code=code)).status == "100"


def _exempt_recipient_in(uf: str):
    """The sample's recipient as "contribuinte isento" (indIEDest 2, no IE) in `uf`."""
    def change(info: etree._Element) -> None:
        _set("dest/enderDest/UF", uf)(info)
        _set("dest/indIEDest", "2")(info)
        _remove("dest/IE")(info)
    return change


@pytest.mark.parametrize(("uf", "status"), [("SP", "805"), ("MG", "805"), ("RJ", "100"), ("PR", "100")])
def test_an_exempt_recipient_is_refused_where_its_state_does_not_admit_one(client: SefazSoapClient, uf: str,
                                                                            status: str) -> None:
    answer = client.authorise(signed_nfe(number=60, change=_exempt_recipient_in(uf)))
    assert answer.status == status, answer.reason
    if status == "805":
        assert answer.reason == ("Rejeicao: A SEFAZ do destinatario nao permite Contribuinte Isento de Inscricao "
                                 "Estadual")


def _to_a_consumer_in_another_uf(crt: str = "3", difal: bool = False):
    """The sample (PR to SP) as a sale to a final consumer without IE (idDest 2, indFinal 1, indIEDest 9) by an
    emitter of `crt`, its item with the destination UF's ICMS (ICMSUFDest) when `difal`."""
    def change(info: etree._Element) -> None:
        _set("ide/indFinal", "1")(info)
        _set("dest/indIEDest", "9")(info)
        _remove("dest/IE")(info)
        _set("emit/CRT", crt)(info)
        if difal:
            _with_difal(info)
    return change


def _with_difal(info: etree._Element) -> None:
    group = etree.Element(q("ICMSUFDest"))
    for name, value in (("vBCUFDest", "10.00"), ("pICMSUFDest", "18.0000"), ("pICMSInter", "12.00"),
                        ("pICMSInterPart", "100.0000"), ("vICMSUFDest", "0.60"), ("vICMSUFRemet", "0.00")):
        etree.SubElement(group, q(name)).text = value
    info.find(f"{q('det')}/{q('imposto')}/{q('COFINS')}").addnext(group)


@pytest.mark.parametrize(("change", "status"), [
    (_to_a_consumer_in_another_uf("3"), "694"),              # regime normal, no DIFAL group
    (_to_a_consumer_in_another_uf("3", difal=True), "100"),
    (_to_a_consumer_in_another_uf("1"), "100"),              # Simples Nacional: not required
    (_with_difal, "695"),                                    # to a contributor (indIEDest 1): not for it
])
def test_the_destination_ufs_icms_goes_with_interstate_sales_to_consumers_only(client: SefazSoapClient, change,
                                                                                status: str) -> None:
    answer = client.authorise(signed_nfe(number=61, change=change))
    assert answer.status == status, answer.reason


def test_the_schema_rejection_names_what_failed(client: SefazSoapClient) -> None:
    answer = client.authorise(signed_nfe(change=_remove("ide/natOp")))
    assert answer.status == "225"
    assert answer.reason.startswith("Rejeicao: Falha no Schema XML do lote de NFe [Element ")
    assert "Expected is ( {http://www.portalfiscal.inf.br/nfe}natOp )" in answer.reason
    assert answer.access_key is None  # a batch rejection: no protNFe


def _tampered(document: bytes, old: bytes, new: bytes) -> bytes:
    assert old in document
    return document.replace(old, new, 1)


def test_content_changed_after_signing_is_297(client: SefazSoapClient) -> None:
    document = _tampered(signed_nfe(), b"<xNome>AKRETION LTDA</xNome>", b"<xNome>OUTRA LTDA</xNome>")
    answer = client.authorise(document)
    assert (answer.status, answer.reason) == ("297", "Rejeicao: Assinatura difere do calculado")


def test_a_signature_value_that_does_not_match_the_certificate_is_297(client: SefazSoapClient) -> None:
    document = signed_nfe()
    value = etree.fromstring(document).findtext(f"{{{DS}}}Signature/{{{DS}}}SignatureValue")
    forged = value[:10] + ("A" if value[10] != "A" else "B") + value[11:]
    answer = client.authorise(_tampered(document, value.encode(), forged.encode()))
    assert answer.status == "297"


def test_signed_by_another_key_with_the_same_cnpj_is_297(client: SefazSoapClient) -> None:
    """A second certificate of the same company: its key did not make this signature."""
    other = Certificate.load(make_test_certificate(COMPANY, "LOJA DE TESTE LTDA"), TEST_CERTIFICATE_PASSWORD)
    document = signed_nfe()
    root = etree.fromstring(document)
    root.find(f"{{{DS}}}Signature/{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate").text = other.x509_base64
    assert client.authorise(etree.tostring(root)).status == "297"


def test_a_reference_to_another_id_is_298(client: SefazSoapClient) -> None:
    document = signed_nfe()
    key = key_of(document)
    answer = client.authorise(_tampered(document, f'URI="#NFe{key}"'.encode(), f'URI="#NFe{key[:-1]}X"'.encode()))
    assert (answer.status, answer.reason) == ("298", "Rejeicao: Assinatura difere do padrao do Sistema")


def test_a_certificate_that_is_not_one_is_290(client: SefazSoapClient) -> None:
    root = etree.fromstring(signed_nfe())
    root.find(f"{{{DS}}}Signature/{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate").text = "bm90IGEgY2VydGlmaWNhdGU="
    assert client.authorise(etree.tostring(root)).status == "290"


def test_an_expired_certificate_is_291(client: SefazSoapClient) -> None:
    expired = Certificate.load(make_test_certificate(COMPANY, "LOJA DE TESTE LTDA", days=-1), TEST_CERTIFICATE_PASSWORD)
    document = sign(unsigned_nfe(), expired, element="infNFe", now=now() - timedelta(days=1, hours=12))
    assert client.authorise(document).status == "291"


def test_a_ds_prefix_is_404(client: SefazSoapClient) -> None:
    document = signed_nfe()
    prefixed = re.sub(rb"<(/?)(Signature|SignedInfo|CanonicalizationMethod|SignatureMethod|Reference|Transforms|"
                      rb"Transform|DigestMethod|DigestValue|SignatureValue|KeyInfo|X509Data|X509Certificate)\b",
                      rb"<\1ds:\2", document)
    prefixed = prefixed.replace(b'<ds:Signature xmlns="', b'<ds:Signature xmlns:ds="')
    assert etree.fromstring(prefixed).find(f"{{{DS}}}Signature").prefix == "ds"
    answer = client.authorise(prefixed)
    assert (answer.status, answer.reason) == ("404", "Rejeicao: Uso de prefixo de namespace nao permitido")


def test_the_same_nfe_twice_is_204_with_the_first_protocol(client: SefazSoapClient) -> None:
    document = signed_nfe(number=20)
    first = client.authorise(document)
    again = client.authorise(document)
    assert again.status == "204"
    assert again.reason.startswith("Rejeicao: Duplicidade de NF-e")
    assert f"[nProt:{first.protocol}]" in again.reason


def test_the_same_number_with_another_key_is_539_naming_the_first(client: SefazSoapClient) -> None:
    first = signed_nfe(number=21, code="11213141")
    assert client.authorise(first).status == "100"
    answer = client.authorise(signed_nfe(number=21, code="22324252"))
    assert answer.status == "539"
    assert answer.reason == f"Rejeicao: Duplicidade de NF-e com diferenca na Chave de Acesso [chNFe:{key_of(first)}]"
    # Another series is another number.
    assert client.authorise(signed_nfe(number=21, series=2, code="22324252")).status == "100"


def test_a_rejected_number_can_be_sent_again_corrected(client: SefazSoapClient) -> None:
    assert client.authorise(signed_nfe(number=30, dest_name="JOSE")).status == "598"
    assert client.authorise(signed_nfe(number=30)).status == "100"


def test_a_too_large_message_is_214() -> None:
    from lojasync.simulators.sefaz import SefazConfig

    with BackgroundSefaz(config=SefazConfig(max_message_bytes=2_000)) as small, \
            SefazSoapClient("PR", base_url=small.url, timeout=5) as gateway:
        answer = gateway.authorise(signed_nfe())
    assert (answer.status, answer.reason) == ("214", "Rejeicao: Tamanho da mensagem excedeu o limite estabelecido")


def test_key_digit_helper_matches_published_keys() -> None:
    """The test documents' keys follow the published rule (nfelib's sample keys)."""
    for key in ("35200159594315000157550010000000012062777161", "41170706117473000150550010000463202612756525"):
        assert key_digit(key[:43]) == key[43]
