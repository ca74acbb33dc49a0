"""Where an ICP-Brasil e-CNPJ certificate says whose it is, and how a PKCS#12 file begins.

DOC-ICP-04 puts the company's CNPJ in the SubjectAlternativeName, otherName 2.16.76.1.3.3, as 14
characters in an OCTET STRING or a PrintableString; certificadoras also write it after a colon in the
subject CN ("EMPRESA LTDA:12345678000195"). Both are read; a value whose check digits fail is ignored.
"""

from __future__ import annotations

import functools
import re
from importlib.resources import files

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes

from lojasync.shared.tax_id import cnpj_check_digits

CNPJ_OTHER_NAME = x509.ObjectIdentifier("2.16.76.1.3.3")
_CNPJ = re.compile(r"[0-9A-Z]{12}[0-9]{2}")
_CNPJ_AFTER_COLON = re.compile(r":\s*([0-9A-Za-z]{12}[0-9]{2})\s*$")
# DER tags the otherName values come in: OCTET STRING, UTF8String, PrintableString, IA5String.
_STRING_TAGS = frozenset({0x04, 0x0C, 0x13, 0x16})


def valid_cnpj(value: str) -> bool:
    """Numeric or alphanumeric CNPJ with right check digits."""
    return bool(_CNPJ.fullmatch(value)) and cnpj_check_digits(value[:12]) == value[12:]


def cnpj_in_common_name(common_name: str) -> str | None:
    match = _CNPJ_AFTER_COLON.search(common_name)
    cnpj = match.group(1).upper() if match else None
    return cnpj if cnpj and valid_cnpj(cnpj) else None


def cnpj_in_other_names(certificate: x509.Certificate) -> str | None:
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):  # ValueError: an extension cryptography cannot parse
        return None
    for other in names.get_values_for_type(x509.OtherName):
        if other.type_id == CNPJ_OTHER_NAME:
            text = _der_text(other.value)
            if text and valid_cnpj(text):
                return text
    return None


def cnpj_other_name(cnpj: str) -> x509.OtherName:
    """The otherName 2.16.76.1.3.3 as certificadoras write it (OCTET STRING), for test certificates."""
    return x509.OtherName(CNPJ_OTHER_NAME, bytes([0x04, len(cnpj)]) + cnpj.encode("ascii"))


def looks_like_pkcs12(data: bytes) -> bool:
    """Whether the bytes begin as a PFX: SEQUENCE { version INTEGER 3, ... } (RFC 7292).

    cryptography says "Invalid password or PKCS12 data" for both a wrong password and a damaged file;
    a file that begins like this and does not open is taken as a wrong password.
    """
    try:
        tag, start, _ = _header(data, 0)
        if tag != 0x30:
            return False
        tag, start, end = _header(data, start)
    except (IndexError, ValueError):
        return False
    return tag == 0x02 and data[start:end] == b"\x03"


def _der_text(value: bytes) -> str | None:
    try:
        tag, start, end = _header(value, 0)
    except (IndexError, ValueError):
        return None
    if tag not in _STRING_TAGS or end is None:
        return None
    return value[start:end].decode("latin-1").strip().upper()


def _header(data: bytes, offset: int) -> tuple[int, int, int | None]:
    """One BER/DER tag-length header: the tag, where the content starts and ends (None: indefinite length,
    which older Windows exports of .pfx files use)."""
    tag, length, start = data[offset], data[offset + 1], offset + 2
    if length == 0x80:
        return tag, start, None
    if length & 0x80:
        size = length & 0x7F
        if size > 4 or start + size > len(data):
            raise ValueError("length too long")
        length, start = int.from_bytes(data[start:start + size], "big"), start + size
    if start + length > len(data):
        raise ValueError("content runs past the end")
    return tag, start, start + length


@functools.cache
def _shipped() -> tuple[x509.Certificate, ...]:
    """The ICP-Brasil roots and CAs shipped in fiscal/data/icp_brasil.pem (as the TLS client trusts SEFAZ by)."""
    return tuple(x509.load_pem_x509_certificates(files("lojasync.fiscal").joinpath("data/icp_brasil.pem").read_bytes()))


def chains_to_icp_brasil(leaf: x509.Certificate, given: tuple[x509.Certificate, ...] = (),
                         operator: tuple[x509.Certificate, ...] = ()) -> bool:
    """Whether `leaf` chains, by signatures, to one of the shipped ICP-Brasil roots, through the CAs the .pfx
    brought (`given`) or the shipped ones. SEFAZ accepts no other A1: a self-signed or foreign one was installed
    as "pronta para emitir" and every NF-e then failed at SEFAZ's door.
    `operator`: the CAs of the operator's bundle (LOJASYNC_SEFAZ_CA_BUNDLE, `operator_cas`), their roots taken as
    ICP-Brasil's: a root ITI issued after this version of lojasync, which the operator added as the README says."""
    shipped = _shipped()
    # The operator's roots count when they say they are ICP-Brasil's (O=ICP-Brasil, as ITI's are): a bundle of
    # every commercial CA (a habit) would otherwise silence the warning for any A1.
    roots = {root.fingerprint(hashes.SHA256()) for root in (*shipped, *filter(_names_icp_brasil, operator))
             if root.subject == root.issuer}
    candidates = (*given, *shipped, *operator)
    current = leaf
    for _ in range(8):   # ICP-Brasil chains are 3 or 4 long
        issuer = next((c for c in candidates if c.subject == current.issuer and _signed_by(current, c)), None)
        if issuer is None:
            return False
        if issuer.fingerprint(hashes.SHA256()) in roots:
            return True
        current = issuer
    return False


def operator_cas(bundle: str | None) -> tuple[x509.Certificate, ...]:
    """The certificates of the operator's PEM bundle; none when there is no bundle or it cannot be read (the
    connection to SEFAZ, which loads it too, then says why)."""
    if not bundle:
        return ()
    try:
        with open(bundle, "rb") as pem:
            return tuple(x509.load_pem_x509_certificates(pem.read()))
    except (OSError, ValueError):
        return ()


def _names_icp_brasil(certificate: x509.Certificate) -> bool:
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    return any(name.value == "ICP-Brasil" for name in names)


def _signed_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, InvalidSignature):
        return False
