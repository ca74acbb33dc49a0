"""Whose certificate signed a document: the CNPJ an ICP-Brasil e-CNPJ carries, and its validity.

DOC-ICP-04 puts the CNPJ in the SubjectAlternativeName, otherName 2.16.76.1.3.3 (an OCTET STRING or a
PrintableString of 14 characters); certificadoras also write it after a colon in the subject CN
("EMPRESA LTDA:12345678000195"). The otherName wins when both are there.

The simulator does not check the chain: any certificate (a test one included) is accepted as long as the
signature matches it and it is within its validity. SEFAZ accepts only ICP-Brasil chains.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from lojasync.simulators.sefaz.codes import Rejection

CNPJ_OTHER_NAME = x509.ObjectIdentifier("2.16.76.1.3.3")
_CNPJ = re.compile(r"[0-9A-Z]{12}[0-9]{2}")
_CNPJ_AFTER_COLON = re.compile(r":\s*([0-9A-Za-z]{12}[0-9]{2})\s*$")
_STRING_TAGS = frozenset({0x04, 0x0C, 0x13, 0x16})  # OCTET, UTF8, Printable, IA5


@dataclass(frozen=True)
class SignerCertificate:
    public_key: rsa.RSAPublicKey
    cnpj: str | None
    not_before: datetime
    not_after: datetime


def signer_certificate(encoded: str) -> SignerCertificate:
    """The X509Certificate of a signature (base64 DER); rejection 290 when it is not one."""
    return _load("".join(encoded.split()))


@lru_cache(maxsize=256)  # one merchant signs thousands of documents with the same certificate
def _load(encoded: str) -> SignerCertificate:
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(encoded, validate=True))
        public_key = certificate.public_key()
    except (ValueError, binascii.Error):
        raise Rejection("290") from None
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise Rejection("290")
    return SignerCertificate(public_key, _cnpj_of(certificate), certificate.not_valid_before_utc,
                             certificate.not_valid_after_utc)


def _cnpj_of(certificate: x509.Certificate) -> str | None:
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        for other in names.get_values_for_type(x509.OtherName):
            if other.type_id == CNPJ_OTHER_NAME:
                text = _der_text(other.value)
                if text and _CNPJ.fullmatch(text[:14]):
                    return text[:14]
    except (x509.ExtensionNotFound, ValueError):
        pass
    for attribute in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        match = _CNPJ_AFTER_COLON.search(str(attribute.value))
        if match:
            return match.group(1).upper()
    return None


def _der_text(data: bytes) -> str | None:
    """The text inside an otherName value: a string, possibly wrapped in [0] EXPLICIT."""
    try:
        tag, length, start = data[0], data[1], 2
        if length & 0x80:
            size = length & 0x7F
            length, start = int.from_bytes(data[2:2 + size], "big"), 2 + size
        content = data[start:start + length]
    except IndexError:
        return None
    if tag == 0xA0:
        return _der_text(content)
    if tag in _STRING_TAGS:
        return content.decode("latin-1").strip()
    return None
