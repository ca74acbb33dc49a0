"""The ICP-Brasil chain shipped for checking SEFAZ's servers (fiscal/data/icp_brasil.pem).

The two roots are pinned by the SHA-256 of their DER, as ITI publishes them; every other certificate in the
file must be a CA whose signature chains up to one of them, so nothing else can ride along in the file.
"""

from __future__ import annotations

import functools

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes

from lojasync.fiscal.sefaz import tls_context
from lojasync.fiscal.sefaz.tls import icp_brasil_chain

ROOTS = {
    "caa53fc6091c6951887c976e378f6ef89aa6377c55d97b6475422b71ed7e9b17": "Autoridade Certificadora Raiz Brasileira v5",
    "6e0bff069a26994c15de2c4888cc54af84882e5495b7fbf66be9ccffec7489f6": "Autoridade Certificadora Raiz Brasileira v10",
}


@functools.cache
def _certificates() -> tuple[x509.Certificate, ...]:
    return tuple(x509.load_pem_x509_certificates(icp_brasil_chain().encode("ascii")))


def _common_name(certificate: x509.Certificate) -> str:
    return certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value


def _root_of(certificate: x509.Certificate, pool: tuple[x509.Certificate, ...], depth: int = 0) -> str | None:
    """The pinned root this certificate's signatures lead to (each link verified), or None."""
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex()
    if fingerprint in ROOTS:
        return fingerprint
    if depth > 5:
        return None
    for issuer in pool:
        if issuer.subject != certificate.issuer or issuer is certificate:
            continue
        try:
            certificate.verify_directly_issued_by(issuer)
        except (InvalidSignature, ValueError, TypeError):
            continue
        found = _root_of(issuer, pool, depth + 1)
        if found:
            return found
    return None


def test_the_shipped_roots_are_itis_v5_and_v10() -> None:
    roots = [c for c in _certificates() if c.subject == c.issuer]
    assert {c.fingerprint(hashes.SHA256()).hex(): _common_name(c) for c in roots} == ROOTS


def test_every_other_certificate_is_an_icp_brasil_ca_under_those_roots() -> None:
    pool = _certificates()
    assert len(pool) == 157  # the README in fiscal/data says what they are; a new chain changes this on purpose
    for certificate in pool:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        organisation = certificate.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value
        assert constraints.ca and organisation == "ICP-Brasil", _common_name(certificate)
        assert _root_of(certificate, pool) is not None, _common_name(certificate)


def test_a_context_for_sefaz_trusts_the_icp_brasil_roots_besides_the_systems() -> None:
    trusted = {dict(rdn[0] for rdn in ca["subject"]).get("commonName") for ca in tls_context().get_ca_certs()}
    assert set(ROOTS.values()) <= trusted

