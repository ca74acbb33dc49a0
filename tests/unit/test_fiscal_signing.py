"""The NF-e / event signature, checked without the signer's help: digests recomputed from hand-written
canonical forms, the RSA signature checked with cryptography, the shape against SEFAZ's own schemas."""

from __future__ import annotations

import base64
import copy
import hashlib
import re
from datetime import datetime, timedelta, timezone
from importlib.resources import files

import pytest
import signxml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from lojasync.fiscal.certificate import TEST_CERTIFICATE_PASSWORD, Certificate, make_test_certificate
from lojasync.fiscal.certificate_errors import CertificateExpired
from lojasync.fiscal.signing import sign, signature_problems, verify

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
NFE = "http://www.portalfiscal.inf.br/nfe"
DS = "http://www.w3.org/2000/09/xmldsig#"
KEY = "35261134128745000152550010000000011100000019"
SCHEMAS = files("nfelib")
SAMPLE_21_ITEMS = "nfe/samples/v4_0/leiauteNFe/35180834128745000152550010000474491454651420-nfe.xml"

# Written the way a careless producer might: attributes out of order, single quotes, an empty element,
# a character reference. The canonical form below is written by hand from the C14N 1.0 rules.
SMALL_NFE = f"""<?xml version="1.0" encoding="UTF-8"?>
<NFe xmlns="{NFE}"><infNFe versao='4.00' Id='NFe{KEY}'><ide><cUF>35</cUF><natOp>Venda de mercadoria</natOp></ide><emit><CNPJ>34128745000152</CNPJ><xNome>Cal&#231;ados Silva &amp; Filhos</xNome><xFant/></emit></infNFe></NFe>""".encode()
SMALL_NFE_CANONICAL = f"""<infNFe xmlns="{NFE}" Id="NFe{KEY}" versao="4.00"><ide><cUF>35</cUF><natOp>Venda de mercadoria</natOp></ide><emit><CNPJ>34128745000152</CNPJ><xNome>Calçados Silva &amp; Filhos</xNome><xFant></xFant></emit></infNFe>""".encode()


def signed_info_canonical(uri: str, digest: str) -> bytes:
    return (f'<SignedInfo xmlns="{DS}"><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315">'
            f'</CanonicalizationMethod><SignatureMethod Algorithm="{DS}rsa-sha1"></SignatureMethod><Reference URI="{uri}">'
            f'<Transforms><Transform Algorithm="{DS}enveloped-signature"></Transform><Transform '
            f'Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"></Transform></Transforms><DigestMethod '
            f'Algorithm="{DS}sha1"></DigestMethod><DigestValue>{digest}</DigestValue></Reference></SignedInfo>').encode()


def cancellation_event(key: str = KEY) -> bytes:
    return (f'<envEvento xmlns="{NFE}" versao="1.00"><idLote>1</idLote><evento versao="1.00">'
            f'<infEvento Id="ID110111{key}01"><cOrgao>35</cOrgao><tpAmb>2</tpAmb><CNPJ>{key[6:20]}</CNPJ>'
            f'<chNFe>{key}</chNFe><dhEvento>2026-11-30T10:15:00-03:00</dhEvento><tpEvento>110111</tpEvento>'
            f'<nSeqEvento>1</nSeqEvento><verEvento>1.00</verEvento><detEvento versao="1.00">'
            f'<descEvento>Cancelamento</descEvento><nProt>135260000012345</nProt>'
            f'<xJust>Pedido cancelado pelo cliente na loja</xJust></detEvento></infEvento></evento></envEvento>').encode()


@pytest.fixture(scope="module")
def certificate() -> Certificate:
    return Certificate.load(make_test_certificate("34128745000152", "CALCADOS SILVA LTDA", now=NOW),
                            TEST_CERTIFICATE_PASSWORD)


@pytest.fixture(scope="module")
def signature_schema() -> etree.XMLSchema:
    """SEFAZ's own restriction of XMLDSig (every algorithm fixed, exactly two transforms, one certificate)."""
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "nfe/schemas/v4_0/xmldsig-core-schema_v1.01.xsd")))


def sample_nfe() -> bytes:
    """A real 21-item NF-e from nfelib's samples, its old signature removed, without the indentation."""
    root = etree.fromstring((SCHEMAS / SAMPLE_21_ITEMS).read_bytes(), etree.XMLParser(remove_blank_text=True))
    nfe = root.find(f"{{{NFE}}}NFe")
    for old in nfe.findall(f"{{{DS}}}Signature"):
        nfe.remove(old)
    return etree.tostring(nfe)


def check_independently(signed: bytes, element: str) -> None:
    """Recompute the digest and check the RSA signature with nothing from lojasync.fiscal.signing."""
    root = etree.fromstring(signed)
    target = root.find(f".//{{{NFE}}}{element}")
    signature = target.getnext()
    assert signature.tag == f"{{{DS}}}Signature"
    canonical = etree.tostring(copy.deepcopy(target), method="c14n")  # detached: see the lxml quirk in NFE.md
    digest = base64.b64encode(hashlib.sha1(canonical).digest()).decode()
    assert signature.findtext(f".//{{{DS}}}DigestValue") == digest
    der = base64.b64decode(signature.findtext(f".//{{{DS}}}X509Certificate"), validate=True)
    public_key = x509.load_der_x509_certificate(der).public_key()
    value = base64.b64decode(signature.findtext(f"{{{DS}}}SignatureValue"), validate=True)
    public_key.verify(value, signed_info_canonical(f"#{target.get('Id')}", digest), padding.PKCS1v15(), hashes.SHA1())


def test_digest_is_the_sha1_of_the_hand_written_canonical_infnfe(certificate):
    signed = sign(SMALL_NFE, certificate, now=NOW)
    expected = base64.b64encode(hashlib.sha1(SMALL_NFE_CANONICAL).digest()).decode()
    assert etree.fromstring(signed).findtext(f".//{{{DS}}}DigestValue") == expected


def test_signature_value_verifies_with_the_public_key_in_x509certificate(certificate):
    signed = etree.fromstring(sign(SMALL_NFE, certificate, now=NOW))
    digest = base64.b64encode(hashlib.sha1(SMALL_NFE_CANONICAL).digest()).decode()
    x509_text = signed.findtext(f".//{{{DS}}}X509Certificate")
    assert "\n" not in x509_text and base64.b64decode(x509_text) == certificate.x509.public_bytes(serialization.Encoding.DER)
    public_key = x509.load_der_x509_certificate(base64.b64decode(x509_text)).public_key()
    value = base64.b64decode(signed.findtext(f".//{{{DS}}}SignatureValue"))
    public_key.verify(value, signed_info_canonical(f"#NFe{KEY}", digest), padding.PKCS1v15(), hashes.SHA1())


def test_the_shape_is_sefaz_s(certificate, signature_schema):
    signed = sign(SMALL_NFE, certificate, now=NOW)
    # Default namespace only: a prefix anywhere is rejection 404.
    assert not re.search(rb"<[A-Za-z]+:|xmlns:", signed)
    root = etree.fromstring(signed)
    info, signature = list(root)
    assert info.tag == f"{{{NFE}}}infNFe" and signature.tag == f"{{{DS}}}Signature"  # siblings, in this order
    assert signature.nsmap == {None: DS}
    assert [child.tag.split("}")[1] for child in signature] == ["SignedInfo", "SignatureValue", "KeyInfo"]
    assert signature.find(f".//{{{DS}}}Reference").get("URI") == f"#{info.get('Id')}"
    assert signature_schema.validate(signature), signature_schema.error_log
    assert signed.startswith(b"<?xml") and "Calçados".encode() in signed  # UTF-8 kept, not &#231;
    assert signature_problems(signed) == []


def test_a_real_21_item_nfe_validates_against_the_nfe_schema_once_signed(certificate):
    signed = sign(sample_nfe(), certificate, now=NOW)
    check_independently(signed, "infNFe")
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "nfe/schemas/v4_0/nfe_v4.00.xsd")))
    assert schema.validate(etree.fromstring(signed)), schema.error_log
    assert verify(signed)


def test_signxml_configured_for_sefaz_computes_the_same_digest_and_signature(certificate):
    """A second implementation agrees byte for byte (RSA PKCS#1 v1.5 is deterministic)."""

    class Sha1Signer(signxml.XMLSigner):
        def check_deprecated_methods(self) -> None:  # SEFAZ still requires SHA-1
            pass

    signer = Sha1Signer(method=signxml.methods.enveloped, signature_algorithm="rsa-sha1", digest_algorithm="sha1",
                        c14n_algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315")
    signer.namespaces = {None: DS}
    xml = sample_nfe()
    theirs = etree.fromstring(etree.tostring(signer.sign(etree.fromstring(xml), key=certificate.private_key,
                                                         cert=[certificate.x509], reference_uri=f"#{etree.fromstring(xml)[0].get('Id')}")))
    ours = etree.fromstring(sign(xml, certificate, now=NOW))
    for name in ("DigestValue", "SignatureValue"):
        assert ours.findtext(f".//{{{DS}}}{name}") == theirs.findtext(f".//{{{DS}}}{name}")
    assert signature_problems(etree.tostring(theirs)) == []  # its certificate in 64-column lines is still read


def test_tampering_with_one_character_fails_verification(certificate):
    signed = sign(sample_nfe(), certificate, now=NOW)
    assert verify(signed)
    tampered = signed.replace(b"<vProd>", b"<vProd>9", 1)
    assert not verify(tampered)
    assert any("DigestValue difere do calculado" in p for p in signature_problems(tampered))
    with pytest.raises(AssertionError):
        check_independently(tampered, "infNFe")


def test_a_changed_signature_or_another_certificate_fails(certificate):
    signed = sign(SMALL_NFE, certificate, now=NOW)
    value = etree.fromstring(signed).findtext(f".//{{{DS}}}SignatureValue")
    flipped = value[:10] + ("A" if value[10] != "A" else "B") + value[11:]
    assert any("SignatureValue não confere" in p for p in signature_problems(signed.replace(value.encode(), flipped.encode())))
    other = Certificate.load(make_test_certificate("34128745000152", "OUTRA CHAVE", now=NOW), TEST_CERTIFICATE_PASSWORD)
    swapped = signed.replace(certificate.x509_base64.encode(), other.x509_base64.encode())
    assert signature_problems(swapped) == [
        "SignatureValue não confere com o certificado: a assinatura difere do calculado (rejeição 297)"]


def test_a_ds_prefix_is_reported_as_rejection_404(certificate):
    class Sha1Signer(signxml.XMLSigner):
        def check_deprecated_methods(self) -> None:
            pass

    # signxml's default output: ds: prefix.
    signed = Sha1Signer(signature_algorithm="rsa-sha1", digest_algorithm="sha1",
                        c14n_algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315").sign(
        etree.fromstring(SMALL_NFE), key=certificate.private_key, cert=[certificate.x509], reference_uri=f"#NFe{KEY}")
    assert b"<ds:Signature" in etree.tostring(signed)
    assert "o XML usa prefixo de namespace (rejeição 404)" in signature_problems(etree.tostring(signed))


def test_signing_a_cancellation_event(certificate):
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "nfe_evento_cancel/schemas/v1_0/envEventoCancNFe_v1.00.xsd")))
    unsigned = cancellation_event()
    assert not schema.validate(etree.fromstring(unsigned))  # the schema requires the signature
    signed = sign(unsigned, certificate, element="infEvento", now=NOW)
    evento = etree.fromstring(signed).find(f"{{{NFE}}}evento")
    assert [child.tag for child in evento] == [f"{{{NFE}}}infEvento", f"{{{DS}}}Signature"]
    assert evento.find(f".//{{{DS}}}Reference").get("URI") == f"#ID110111{KEY}01"
    assert schema.validate(etree.fromstring(signed)), schema.error_log
    check_independently(signed, "infEvento")
    assert verify(signed, "infEvento")
    assert signature_problems(signed, "infNFe") == ["o XML deveria ter um infNFe, tem 0"]


def test_an_alphanumeric_cnpj_key_signs_the_same_way():
    key = "35261112ABC34501DE35550010000000011100000017"
    certificate = Certificate.load(make_test_certificate("12ABC34501DE35", "LOJA ALFA", now=NOW), TEST_CERTIFICATE_PASSWORD)
    signed = sign(SMALL_NFE.replace(KEY.encode(), key.encode()), certificate, now=NOW)
    assert etree.fromstring(signed).find(f".//{{{DS}}}Reference").get("URI") == f"#NFe{key}"
    check_independently(signed, "infNFe")


def test_namespaces_in_scope_are_part_of_the_inclusive_canonical_form(certificate):
    """Inclusive C14N keeps every namespace in scope (here xsi, unused); a plain deepcopy would drop it and
    the digest would differ from what SEFAZ computes on the same document."""
    wrapped = SMALL_NFE.replace(b'<NFe xmlns="', b'<NFe xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="')
    signed = sign(wrapped, certificate, now=NOW)
    canonical = SMALL_NFE_CANONICAL.replace(
        f'<infNFe xmlns="{NFE}"'.encode(), f'<infNFe xmlns="{NFE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'.encode())
    expected = base64.b64encode(hashlib.sha1(canonical).digest()).decode()
    assert etree.fromstring(signed).findtext(f".//{{{DS}}}DigestValue") == expected
    assert verify(signed)


def test_signing_again_replaces_the_old_signature(certificate):
    once = sign(SMALL_NFE, certificate, now=NOW)
    changed = once.replace(b"Venda de mercadoria", b"Venda de produto")
    assert not verify(changed)
    again = sign(changed, certificate, now=NOW)
    assert again.count(b"<Signature ") == 1 and verify(again)


def test_an_expired_certificate_does_not_sign():
    expired = Certificate.load(make_test_certificate("34128745000152", "LOJA", days=-1, now=NOW), TEST_CERTIFICATE_PASSWORD)
    with pytest.raises(CertificateExpired):
        sign(SMALL_NFE, expired, now=NOW)
    sign(SMALL_NFE, expired, now=NOW - timedelta(days=2))  # valid back then


@pytest.mark.parametrize(("xml", "element", "message"), [
    (SMALL_NFE.replace(f" Id='NFe{KEY}'".encode(), b""), "infNFe", "has no Id"),
    (b"<lote>" + SMALL_NFE.split(b"?>")[1] * 2 + b"</lote>", "infNFe", "expected one <infNFe>, found 2"),
    (f'<infNFe xmlns="{NFE}" Id="NFe{KEY}"/>'.encode(), "infNFe", "is the root"),
])
def test_documents_that_cannot_be_signed_are_a_programming_error(certificate, xml, element, message):
    with pytest.raises(ValueError, match=message):
        sign(xml, certificate, element, now=NOW)


def test_an_unsigned_document_says_what_is_missing():
    assert signature_problems(SMALL_NFE) == ["infNFe sem assinatura (o elemento Signature deve vir logo depois dele)"]
    assert not verify(b"<nao-fecha>") and signature_problems(b"<nao-fecha>")[0].startswith("XML malformado (")
