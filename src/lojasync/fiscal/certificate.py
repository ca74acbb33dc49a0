"""The merchant's A1 digital certificate (ICP-Brasil e-CNPJ): the key that signs NF-e and opens SEFAZ's TLS.

An A1 is a PKCS#12 file (.pfx/.p12) with the certificate, its private key and often the chain, under a
password. It is parsed once per process: signing reuses the parsed key, because unwrapping the file
costs far more than a signature.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from lojasync.fiscal.certificate_errors import (
    CertificateCnpjMismatch,
    CertificateError,
    CertificateExpired,
    CertificateInPemFile,
    CertificateKeyOnly,
    CertificateNotFound,
    CertificateNotYetValid,
    CertificatePasswordWrong,
    CertificateUnreadable,
    CertificateUnsupportedKey,
    CertificateWithoutPrivateKey,
)
from lojasync.fiscal.icp_brasil import (
    cnpj_in_common_name,
    cnpj_in_other_names,
    cnpj_other_name,
    looks_like_pkcs12,
    valid_cnpj,
)
from lojasync.shared.local_zone import merchant_zone

# Dates shown to the merchant are in the merchant's time zone (`shared.local_zone`).


def _shown_date(moment: datetime) -> str:
    return moment.astimezone(merchant_zone()).strftime("%d/%m/%Y")


class Certificate:
    """An A1 certificate opened with its password: who it belongs to, until when, and its RSA key."""

    def __init__(self, private_key: rsa.RSAPrivateKey, certificate: x509.Certificate,
                 chain: tuple[x509.Certificate, ...] = ()) -> None:
        self.private_key = private_key
        self.x509 = certificate
        self.chain = chain
        common_names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        common_name = str(common_names[0].value) if common_names else ""
        self.subject_name = common_name.rsplit(":", 1)[0] if ":" in common_name else (
            common_name or certificate.subject.rfc4514_string())
        # The otherName 2.16.76.1.3.3 is where ICP-Brasil puts the CNPJ; the CN copy is a convention.
        self.cnpj: str | None = cnpj_in_other_names(certificate) or cnpj_in_common_name(common_name)
        self.not_before = certificate.not_valid_before_utc
        self.not_after = certificate.not_valid_after_utc
        organizations = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        self.is_test_certificate = any(o.value == TEST_CERTIFICATE_ORGANIZATION for o in organizations)
        # What goes in every signature's X509Certificate: computed once, one line (no line breaks).
        self.x509_base64 = base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode("ascii")

    @classmethod
    def load(cls, data: bytes, password: str | bytes | None) -> Certificate:
        """Open a PKCS#12 file's bytes with its password."""
        secret = password.encode("utf-8") if isinstance(password, str) else password
        if secret and b"\x00" in secret:
            # No .pfx password holds a NUL (a pasted control character); cryptography panicked on it, past every
            # handler, with the password's bytes in the log.
            raise CertificatePasswordWrong()
        try:
            key, certificate, chain = pkcs12.load_key_and_certificates(data, secret or None)
        except ValueError:
            # cryptography says the same for a wrong password and a damaged file; the structure tells which.
            if looks_like_pkcs12(data):
                raise CertificatePasswordWrong() from None
            raise _unreadable(data) from None
        if key is None:  # certificates only, as a .pfx exported without "include the private key"
            raise CertificateWithoutPrivateKey()
        if certificate is None:
            raise CertificateUnreadable()
        if not isinstance(key, rsa.RSAPrivateKey):
            raise CertificateUnsupportedKey(kind=_key_kind(key))
        return cls(key, certificate, tuple(chain))

    @classmethod
    def from_file(cls, path: Path | str, password: str | bytes | None) -> Certificate:
        path = Path(path)
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, PermissionError):
            raise CertificateNotFound(path=str(path)) from None
        return cls.load(data, password)

    def days_left(self, now: datetime | None = None) -> int:
        """Whole days until it expires (negative once expired)."""
        return (self.not_after - (now or datetime.now(timezone.utc))) // timedelta(days=1)

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(timezone.utc)) > self.not_after

    def ensure_valid(self, now: datetime | None = None) -> None:
        """Refuse a certificate SEFAZ would refuse: expired, or not valid yet."""
        now = now or datetime.now(timezone.utc)
        if now > self.not_after:
            raise CertificateExpired(holder=self.subject_name, date=_shown_date(self.not_after))
        if now < self.not_before:
            raise CertificateNotYetValid(holder=self.subject_name, date=_shown_date(self.not_before))

    def ensure_issuer(self, cnpj: str) -> None:
        """Refuse to sign for another company: SEFAZ compares the CNPJ base (rejection 213)."""
        if self.cnpj is None or self.cnpj[:8] != cnpj.upper()[:8]:
            raise CertificateCnpjMismatch(certificate_cnpj=self.cnpj, issuer_cnpj=cnpj.upper())

    def pem_pair(self) -> tuple[bytes, bytes]:
        """The certificate (with its chain) and the unencrypted private key, in PEM, for TLS client auth.

        The key leaves here in the clear: keep it in memory or in a file only the owner can read.
        """
        certs = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (self.x509, *self.chain))
        key = self.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption())
        return certs, key

    def __repr__(self) -> str:
        return f"<Certificate {self.subject_name!r} até {_shown_date(self.not_after)}>"


def _unreadable(data: bytes) -> CertificateError:
    """A lone certificate (.cer/.crt, DER or PEM) is a common mix-up: say the key is what is missing. A PEM with the
    key too lacks nothing but the format."""
    if b"-----BEGIN " in data and _PEM_KEY.search(data):
        # Both in the file, only the format is wrong; the key alone (a .key taken for the certificate) lacks the
        # certificate, and the openssl command would fail on it (review).
        return CertificateInPemFile() if b"-----BEGIN CERTIFICATE-----" in data else CertificateKeyOnly()
    for loader in (x509.load_der_x509_certificate, x509.load_pem_x509_certificate):
        try:
            loader(data)
        except ValueError:
            continue
        return CertificateWithoutPrivateKey()
    return CertificateUnreadable()


_PEM_KEY = re.compile(rb"-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----")


# ---- the test certificate (demo, tests): self-signed, marked so every screen can say so ----------------

TEST_CERTIFICATE_ORGANIZATION = "lojasync certificado de teste"
TEST_CERTIFICATE_PASSWORD = "lojasync-teste"
_COMMON_NAME_MAX = 64  # X.520 upper bound: certificadoras cut the company name to fit the ":CNPJ"


def make_test_certificate(cnpj: str, company_name: str, days: int = 365, password: str = TEST_CERTIFICATE_PASSWORD,
                          *, now: datetime | None = None) -> bytes:
    """A self-signed A1-like .pfx for the demo and the tests: RSA-2048, CN "NAME:CNPJ", otherName
    2.16.76.1.3.3, O="lojasync certificado de teste". Valid for `days` from now (negative: already expired).

    SEFAZ accepts only ICP-Brasil chains, so this signs for the local simulator, never for SEFAZ.
    """
    cnpj = re.sub(r"[^0-9A-Z]", "", cnpj.upper())
    if not valid_cnpj(cnpj):
        raise ValueError(f"not a CNPJ: {cnpj!r}")
    now = now or datetime.now(timezone.utc)
    not_after = now + timedelta(days=days)
    # A day of slack before now: a clock slightly behind must not see the certificate as not valid yet.
    not_before = min(now, not_after) - timedelta(days=1)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    common_name = f"{company_name[:_COMMON_NAME_MAX - len(cnpj) - 1]}:{cnpj}"
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, TEST_CERTIFICATE_ORGANIZATION),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Sem validade jurídica"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([cnpj_other_name(cnpj)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=True,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    # 3DES and a SHA-1 MAC with 2048 rounds, as certificadoras and Windows export A1 files: any tool opens it.
    encryption = (serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(2048)
                  .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC).hmac_hash(hashes.SHA1())
                  .build(password.encode("utf-8")))
    return pkcs12.serialize_key_and_certificates(company_name.encode("utf-8"), key, certificate, None, encryption)


def _key_kind(key) -> str:
    """The kind of a key that is not RSA, as a person knows it (review: the refusal named a Python class,
    "ECPrivateKey")."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "chave de curva elíptica, EC"
    if isinstance(key, dsa.DSAPrivateKey):
        return "chave DSA"
    if isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return "chave EdDSA"
    return "outro tipo de chave"
