"""The A1 certificate: opening a .pfx, whose it is (CNPJ in the CN and in the otherName), its validity."""

from __future__ import annotations

import ssl
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from lojasync.fiscal.certificate import (
    TEST_CERTIFICATE_ORGANIZATION,
    TEST_CERTIFICATE_PASSWORD,
    Certificate,
    make_test_certificate,
)
from lojasync.fiscal.certificate_errors import (
    CertificateCnpjMismatch,
    CertificateExpired,
    CertificateNotFound,
    CertificateNotYetValid,
    CertificatePasswordWrong,
    CertificateUnreadable,
    CertificateUnsupportedKey,
    CertificateWithoutPrivateKey,
)
from lojasync.shared.errors import Action

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
CNPJ = "34128745000152"
ALPHANUMERIC_CNPJ = "12ABC34501DE35"
CNPJ_OID = x509.ObjectIdentifier("2.16.76.1.3.3")


@pytest.fixture(scope="module")
def pfx() -> bytes:
    return make_test_certificate(CNPJ, "EMPRESA TESTE LTDA", now=NOW)


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def build_pfx(key, common_name: str, *, other_name: bytes | None = None, password: bytes | None = b"senha",
              with_key: bool = True) -> bytes:
    """A .pfx written as another certificadora might: our own builder, independent of make_test_certificate."""
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
                         x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
               .serial_number(1).not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=30)))
    if other_name is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.OtherName(CNPJ_OID, other_name)]),
                                        critical=False)
    certificate = builder.sign(key, hashes.SHA256())
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return pkcs12.serialize_key_and_certificates(b"a1", key if with_key else None, certificate, None, encryption)


def test_the_test_certificate_opens_and_says_whose_it_is(pfx):
    certificate = Certificate.load(pfx, TEST_CERTIFICATE_PASSWORD)
    assert certificate.subject_name == "EMPRESA TESTE LTDA"
    assert certificate.cnpj == CNPJ
    assert certificate.is_test_certificate
    subject = certificate.x509.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == f"EMPRESA TESTE LTDA:{CNPJ}"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == TEST_CERTIFICATE_ORGANIZATION
    # The CNPJ is also where ICP-Brasil puts it: otherName 2.16.76.1.3.3, an OCTET STRING of 14 characters.
    san = certificate.x509.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [(o.type_id, o.value) for o in san.get_values_for_type(x509.OtherName)] == [(CNPJ_OID, b"\x04\x0e" + CNPJ.encode())]
    assert certificate.private_key.key_size == 2048
    assert certificate.private_key.public_key().public_numbers() == certificate.x509.public_key().public_numbers()


def test_validity_days_left_and_expiry(pfx):
    certificate = Certificate.load(pfx, TEST_CERTIFICATE_PASSWORD)
    assert certificate.not_after == NOW + timedelta(days=365)
    assert certificate.not_before == NOW - timedelta(days=1)  # a day of slack for a clock slightly behind
    assert certificate.days_left(NOW) == 365
    assert certificate.days_left(NOW + timedelta(days=364, hours=12)) == 0
    assert not certificate.is_expired(NOW)
    assert certificate.is_expired(certificate.not_after + timedelta(seconds=1))
    assert certificate.days_left(certificate.not_after + timedelta(days=3)) == -3
    certificate.ensure_valid(NOW)  # does not raise


def test_an_expired_certificate_opens_but_refuses_with_the_date_in_brazilian_form():
    certificate = Certificate.load(make_test_certificate(CNPJ, "LOJA VENCIDA", days=-10, now=NOW), TEST_CERTIFICATE_PASSWORD)
    assert certificate.is_expired(NOW) and certificate.days_left(NOW) == -10
    with pytest.raises(CertificateExpired) as caught:
        certificate.ensure_valid(NOW)
    assert str(caught.value) == "O certificado digital A1 de LOJA VENCIDA venceu em 20/11/2026."
    assert caught.value.resolution.startswith("Renove o certificado com a certificadora")
    assert caught.value.action is Action.CONFIGURE and caught.value.code == "fiscal.certificate_expired"


def test_the_expiry_date_is_shown_in_brasilia_time():
    # 01:30 UTC on 30/11 is still 29/11 in Brasília (UTC-3).
    now = datetime(2026, 12, 1, 1, 30, tzinfo=timezone.utc)
    certificate = Certificate.load(make_test_certificate(CNPJ, "LOJA", days=-1, now=now), TEST_CERTIFICATE_PASSWORD)
    with pytest.raises(CertificateExpired, match=r"venceu em 29/11/2026\.$"):
        certificate.ensure_valid(now)


def test_a_certificate_not_valid_yet_points_at_the_clock(pfx):
    certificate = Certificate.load(pfx, TEST_CERTIFICATE_PASSWORD)
    with pytest.raises(CertificateNotYetValid) as caught:
        certificate.ensure_valid(NOW - timedelta(days=2))
    assert str(caught.value) == "O certificado digital A1 de EMPRESA TESTE LTDA só vale a partir de 29/11/2026."
    assert "data e a hora deste computador" in caught.value.resolution


# A NUL (a pasted control character) made cryptography panic past every handler, the password's bytes in the log.
@pytest.mark.parametrize("password", ["senha errada", "", None, TEST_CERTIFICATE_PASSWORD + " ", "s\x00x",
                                      TEST_CERTIFICATE_PASSWORD + "\x00"])
def test_a_wrong_password_is_told_apart_from_a_bad_file(pfx, password):
    with pytest.raises(CertificatePasswordWrong) as caught:
        Certificate.load(pfx, password)
    assert str(caught.value) == "A senha do certificado digital A1 está errada."
    assert caught.value.action is Action.CONFIGURE and caught.value.code == "fiscal.certificate_password_wrong"


def test_password_as_bytes_and_an_unprotected_file(rsa_key):
    assert Certificate.load(build_pfx(rsa_key, "LOJA", password=b"senha"), b"senha").subject_name == "LOJA"
    assert Certificate.load(build_pfx(rsa_key, "LOJA", password=None), None).subject_name == "LOJA"


@pytest.mark.parametrize("data", [b"", b"isto nao e um certificado", b"\x30\x03\x02\x01\x05", b"%PDF-1.7\n..."])
def test_garbage_is_unreadable(data):
    with pytest.raises(CertificateUnreadable) as caught:
        Certificate.load(data, "qualquer")
    assert str(caught.value) == "O arquivo não é um certificado digital A1 (.pfx/.p12) legível."
    assert caught.value.code == "fiscal.certificate_unreadable" and caught.value.action is Action.CONFIGURE


def test_a_truncated_pfx_is_unreadable_not_a_wrong_password(pfx):
    with pytest.raises(CertificateUnreadable):
        Certificate.load(pfx[: len(pfx) // 2], TEST_CERTIFICATE_PASSWORD)


def test_a_certificate_without_its_key_says_the_key_is_missing(pfx, rsa_key):
    certificate = Certificate.load(pfx, TEST_CERTIFICATE_PASSWORD).x509
    lone_files = [
        certificate.public_bytes(serialization.Encoding.DER),   # a .cer
        certificate.public_bytes(serialization.Encoding.PEM),   # a .crt/.pem
        build_pfx(rsa_key, "LOJA", with_key=False),             # a .pfx exported without the key
    ]
    for data in lone_files:
        with pytest.raises(CertificateWithoutPrivateKey) as caught:
            Certificate.load(data, "senha")
        assert "não a chave privada" in str(caught.value) and "(não o .cer)" in caught.value.resolution


def test_a_key_that_is_not_rsa_is_refused():
    # In words a person knows (review: the refusal named a Python class, "ECPrivateKey").
    with pytest.raises(CertificateUnsupportedKey) as refused:
        Certificate.load(build_pfx(ec.generate_private_key(ec.SECP256R1()), "LOJA:" + CNPJ), "senha")
    assert refused.value.message == ("A chave do certificado não é RSA (chave de curva elíptica, EC): a SEFAZ só "
                                     "aceita assinaturas RSA.")


def test_from_file_and_a_missing_file(tmp_path, pfx):
    path = tmp_path / "empresa.pfx"
    path.write_bytes(pfx)
    assert Certificate.from_file(path, TEST_CERTIFICATE_PASSWORD).cnpj == CNPJ
    with pytest.raises(CertificateNotFound) as caught:
        Certificate.from_file(tmp_path / "outro.pfx", TEST_CERTIFICATE_PASSWORD)
    assert str(caught.value) == f"O arquivo do certificado digital A1 não foi encontrado: {tmp_path / 'outro.pfx'}."


@pytest.mark.parametrize(("common_name", "other_name", "expected"), [
    ("EMPRESA LTDA:34128745000152", None, "34128745000152"),                          # CN only, numeric
    ("EMPRESA LTDA:12ABC34501DE35", None, "12ABC34501DE35"),                          # CN only, alphanumeric
    ("EMPRESA LTDA:12abc34501de35", None, "12ABC34501DE35"),                          # lower case in the CN
    ("EMPRESA LTDA", b"\x04\x0e34128745000152", "34128745000152"),                    # otherName, OCTET STRING
    ("EMPRESA LTDA", b"\x13\x0e12ABC34501DE35", "12ABC34501DE35"),                    # otherName, PrintableString
    ("EMPRESA LTDA:11222333000181", b"\x04\x0e34128745000152", "34128745000152"),     # both: the otherName rules
    ("EMPRESA LTDA:34128745000153", None, None),                                      # wrong check digit
    ("FULANO DE TAL:52998224725", None, None),                                        # an e-CPF
])
def test_cnpj_from_the_common_name_or_the_other_name(rsa_key, common_name, other_name, expected):
    certificate = Certificate.load(build_pfx(rsa_key, common_name, other_name=other_name), "senha")
    assert certificate.cnpj == expected
    assert certificate.subject_name == common_name.split(":")[0]
    assert not certificate.is_test_certificate


def test_an_alphanumeric_cnpj_test_certificate():
    certificate = Certificate.load(make_test_certificate("12.ABC.345/01DE-35", "LOJA ALFA"), TEST_CERTIFICATE_PASSWORD)
    assert certificate.cnpj == ALPHANUMERIC_CNPJ and certificate.subject_name == "LOJA ALFA"


def test_the_issuer_check_compares_the_cnpj_base_like_sefaz(pfx, rsa_key):
    certificate = Certificate.load(pfx, TEST_CERTIFICATE_PASSWORD)
    certificate.ensure_issuer(CNPJ)
    certificate.ensure_issuer("34128745000233")  # another branch (filial) of the same company
    with pytest.raises(CertificateCnpjMismatch) as caught:
        certificate.ensure_issuer("11222333000181")
    assert str(caught.value) == ("O certificado digital A1 é do CNPJ 34.128.745/0001-52, mas a NF-e é emitida pelo "
                                 "CNPJ 11.222.333/0001-81.")
    assert "rejeição 213" in caught.value.resolution
    e_cpf = Certificate.load(build_pfx(rsa_key, "FULANO DE TAL:52998224725"), "senha")
    with pytest.raises(CertificateCnpjMismatch, match=r"não traz CNPJ \(é um e-CPF\?\)"):
        e_cpf.ensure_issuer(CNPJ)


def test_pem_pair_opens_a_tls_client_context(tmp_path, pfx):
    certificate = Certificate.load(pfx, TEST_CERTIFICATE_PASSWORD)
    cert_pem, key_pem = certificate.pem_pair()
    assert x509.load_pem_x509_certificate(cert_pem) == certificate.x509
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert key.public_key().public_numbers() == certificate.x509.public_key().public_numbers()
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    # What the SOAP client does with them: OpenSSL accepts the pair (it checks that key and certificate match).
    ssl.create_default_context().load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")


def test_make_test_certificate_checks_the_cnpj_and_fits_long_names():
    with pytest.raises(ValueError, match="not a CNPJ"):
        make_test_certificate("34128745000153", "LOJA")
    long_name = "COMERCIO DE ARTIGOS DE DECORACAO E PRESENTES DA VILA MADALENA LTDA"
    certificate = Certificate.load(make_test_certificate(CNPJ, long_name, password="outra"), "outra")
    common_name = certificate.x509.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert len(common_name) == 64 and common_name.endswith(f":{CNPJ}") and long_name.startswith(certificate.subject_name)
    assert certificate.cnpj == CNPJ


def test_a_pem_with_the_key_and_the_certificate_says_it_is_the_format_not_the_key(pfx):
    """review: a .pem holding both was told "não traz a chave privada", which it does: what it lacks is the format,
    and the refusal gives the openssl command that makes the .pfx."""
    from lojasync.fiscal.certificate_errors import CertificateInPemFile

    opened = Certificate.load(pfx, TEST_CERTIFICATE_PASSWORD)
    certificate_pem, key_pem = opened.pem_pair()
    encrypted = opened.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.BestAvailableEncryption(b"senha"))
    traditional = opened.private_key.private_bytes(serialization.Encoding.PEM,
                                                   serialization.PrivateFormat.TraditionalOpenSSL,
                                                   serialization.NoEncryption())
    for data in (key_pem + certificate_pem, certificate_pem + key_pem, encrypted + certificate_pem,
                 traditional + certificate_pem):
        with pytest.raises(CertificateInPemFile) as caught:
            Certificate.load(data, "senha")
        assert "PEM" in str(caught.value) and "openssl pkcs12 -export" in caught.value.resolution
        assert caught.value.action is Action.CONFIGURE


def test_a_pem_with_only_the_key_says_the_certificate_is_missing(pfx):
    """Review of the PEM message: a .key alone was told it held the key and the certificate, and the openssl command
    given fails on it ("Could not read any certificates")."""
    from lojasync.fiscal.certificate_errors import CertificateKeyOnly

    _, key_pem = Certificate.load(pfx, TEST_CERTIFICATE_PASSWORD).pem_pair()
    with pytest.raises(CertificateKeyOnly) as caught:
        Certificate.load(key_pem, "senha")
    assert "só a chave privada, sem o certificado" in str(caught.value) and "openssl" not in caught.value.resolution
