"""Check an enveloped XMLDSig the way SEFAZ does: digest of the signed element, then RSA-SHA1 over SignedInfo.

The signed document (NFe, evento) is first taken out of the batch as a document of its own: the sender
signed it alone, so the SOAP envelope's and the batch's namespace declarations are not part of what it
signed. Inside it, each element is canonicalised (C14N 1.0, inclusive: the namespaces in scope included)
from a detached copy, because lxml canonicalising an element still inside its document emits a spurious
`xmlns=""` on grandchildren.
The algorithms themselves (C14N, RSA-SHA1, SHA-1, the two transforms) are fixed by SEFAZ's xmldsig XSD, so a
document with others has already failed the schema.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from lojasync.simulators.sefaz.certificate import signer_certificate
from lojasync.simulators.sefaz.codes import Rejection
from lojasync.simulators.sefaz.soap import NFE

DS = "http://www.w3.org/2000/09/xmldsig#"


@dataclass(frozen=True)
class CheckedSignature:
    digest: str            # DigestValue as sent: the protocol's digVal
    cnpj: str | None       # whose certificate signed


def canonical(element: etree._Element) -> bytes:
    """C14N 1.0 of `element` with every namespace in scope where it sits."""
    # A deep copy is a document of its own, which lxml canonicalises correctly, and it declares every
    # namespace its subtree uses. It lacks only the namespaces declared above `element` and used nowhere
    # inside it, which inclusive C14N keeps: when there are none (the usual NF-e), it is the canonical
    # form at half the cost of building the copy below element by element.
    copied = copy.deepcopy(element)
    copied.tail = None
    if copied.nsmap == element.nsmap:
        return etree.tostring(copied, method="c14n", exclusive=False, with_comments=False)
    detached = etree.Element(element.tag, attrib=dict(element.attrib), nsmap=element.nsmap)
    detached.text = element.text
    detached.extend(copy.deepcopy(child) for child in element)
    return etree.tostring(detached, method="c14n", exclusive=False, with_comments=False)


def check_signature(document: etree._Element, signed_name: str, now: datetime) -> CheckedSignature:
    """`document` (NFe, evento) holds the Signature of its child `signed_name` (infNFe, infEvento); one still
    inside its batch is checked on a copy taken out of it."""
    if document.getparent() is not None:
        document = copy.deepcopy(document)
    signed = document.find(f"{{{NFE}}}{signed_name}")
    signature = document.find(f"{{{DS}}}Signature")
    signed_info = signature.find(f"{{{DS}}}SignedInfo") if signature is not None else None
    reference = signed_info.find(f"{{{DS}}}Reference") if signed_info is not None else None
    if reference is None or reference.get("URI") != f"#{signed.get('Id')}":
        raise Rejection("298")
    certificate = signer_certificate(signature.findtext(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
                                     or "")
    if not certificate.not_before <= now <= certificate.not_after:
        raise Rejection("291")
    digest = (reference.findtext(f"{{{DS}}}DigestValue") or "").strip()
    if base64.b64encode(hashlib.sha1(canonical(signed)).digest()).decode("ascii") != digest:
        raise Rejection("297")
    try:
        value = base64.b64decode("".join((signature.findtext(f"{{{DS}}}SignatureValue") or "").split()),
                                 validate=True)
        certificate.public_key.verify(value, canonical(signed_info), padding.PKCS1v15(), hashes.SHA1())
    except (InvalidSignature, binascii.Error, ValueError):
        raise Rejection("297") from None
    return CheckedSignature(digest, certificate.cnpj)


def check_signer(signature: CheckedSignature, cnpj: str) -> None:
    """The certificate must belong to the emitter (or the event's author): same CNPJ base, else 213."""
    if signature.cnpj is None or signature.cnpj[:8] != cnpj[:8]:
        raise Rejection("213")
