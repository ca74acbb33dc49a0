"""The XMLDSig signature of NF-e and events, in exactly the shape SEFAZ checks.

Enveloped signature as the next sibling of the signed element (infNFe inside NFe, infEvento inside
evento), `Reference URI="#<Id>"`, C14N 1.0 inclusive, SHA-1 digest, RSA-SHA1, the certificate in
KeyInfo/X509Data/X509Certificate, and the XMLDSig namespace as the default one: a `ds:` prefix is
rejection 404. SEFAZ's schema (xmldsig-core-schema_v1.01.xsd) fixes every algorithm and allows nothing
else, so this is a fixed template filled with a digest and a signature, written on lxml and cryptography:
signxml refuses SHA-1 unless subclassed, writes a `ds:` prefix unless told otherwise, and breaks the
certificate's base64 into lines.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from lojasync.fiscal.certificate import Certificate

XMLDSIG = "http://www.w3.org/2000/09/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"


def _ds(name: str) -> str:
    return f"{{{XMLDSIG}}}{name}"


def sign(xml: bytes, certificate: Certificate, element: str = "infNFe", *, now: datetime | None = None) -> bytes:
    """Sign the one `element` (by local name: infNFe, infEvento) of the document; return the document.

    The certificate must be valid at `now`. A Signature already after the element is replaced: the
    document changed, so it is signed anew.
    """
    certificate.ensure_valid(now)
    root = _parse(xml)
    target = _signed_element(root, element)
    reference_id = target.get("Id")
    if not reference_id:
        raise ValueError(f"<{element}> has no Id attribute to reference")
    old = _signature_after(target)
    if old is not None:
        old.getparent().remove(old)

    signature = etree.Element(_ds("Signature"), nsmap={None: XMLDSIG})
    signed_info = etree.SubElement(signature, _ds("SignedInfo"))
    etree.SubElement(signed_info, _ds("CanonicalizationMethod"), Algorithm=C14N)
    etree.SubElement(signed_info, _ds("SignatureMethod"), Algorithm=RSA_SHA1)
    reference = etree.SubElement(signed_info, _ds("Reference"), URI=f"#{reference_id}")
    transforms = etree.SubElement(reference, _ds("Transforms"))
    etree.SubElement(transforms, _ds("Transform"), Algorithm=ENVELOPED)
    etree.SubElement(transforms, _ds("Transform"), Algorithm=C14N)
    etree.SubElement(reference, _ds("DigestMethod"), Algorithm=SHA1)
    # The enveloped transform removes the Signature from what is digested; as a sibling it is not
    # inside the element anyway, so the digest is the element's canonical form as it stands.
    etree.SubElement(reference, _ds("DigestValue")).text = _base64(hashlib.sha1(canonical(target)).digest())
    signature_value = etree.SubElement(signature, _ds("SignatureValue"))
    x509_data = etree.SubElement(etree.SubElement(signature, _ds("KeyInfo")), _ds("X509Data"))
    etree.SubElement(x509_data, _ds("X509Certificate")).text = certificate.x509_base64
    target.addnext(signature)
    # SignedInfo is canonicalised where it sits, with the namespaces in scope there.
    signature_value.text = _base64(certificate.private_key.sign(canonical(signed_info), padding.PKCS1v15(),
                                                                hashes.SHA1()))
    return etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=xml.lstrip().startswith(b"<?xml"))


def signature_problems(xml: bytes, element: str = "infNFe") -> list[str]:
    """Why SEFAZ would refuse the signature of `element` (in Portuguese); empty when it is right."""
    try:
        root = _parse(xml)
    except etree.XMLSyntaxError as error:
        return [f"XML malformado ({error})"]
    found = list(root.iter(f"{{*}}{element}"))
    if len(found) != 1:
        return [f"o XML deveria ter um {element}, tem {len(found)}"]
    target = found[0]
    signature = _signature_after(target)
    if signature is None:
        return [f"{element} sem assinatura (o elemento Signature deve vir logo depois dele)"]
    problems = []
    if any(node.prefix for node in root.iter(etree.Element)):
        problems.append("o XML usa prefixo de namespace (rejeição 404)")
    expected = {"SignedInfo/CanonicalizationMethod": C14N, "SignedInfo/SignatureMethod": RSA_SHA1,
                "SignedInfo/Reference/DigestMethod": SHA1}
    for path, algorithm in expected.items():
        if _attribute(signature, path, "Algorithm") != algorithm:
            problems.append(f"{path.rsplit('/', 1)[-1]} deveria ser {algorithm}")
    transforms = [t.get("Algorithm") for t in signature.iterfind(_path("SignedInfo/Reference/Transforms/Transform"))]
    if transforms != [ENVELOPED, C14N]:
        problems.append(f"as transformações deveriam ser enveloped-signature e C14N, são {transforms}")
    uri = _attribute(signature, "SignedInfo/Reference", "URI")
    if uri != f"#{target.get('Id')}":
        problems.append(f"Reference URI {uri} não aponta para o Id de {element} ({target.get('Id')})")
    digest = _base64(hashlib.sha1(canonical(target)).digest())
    if signature.findtext(_path("SignedInfo/Reference/DigestValue")) != digest:
        problems.append(f"DigestValue difere do calculado: {element} mudou depois de assinado (rejeição 297)")
    problems.extend(_signature_value_problems(signature))
    return problems


def verify(xml: bytes, element: str = "infNFe") -> bool:
    return not signature_problems(xml, element)


def canonical(node: etree._Element) -> bytes:
    """C14N 1.0 (inclusive, without comments) of one element of a document.

    lxml canonicalises an element still inside its document wrongly (`xmlns=""` on grandchildren), and
    a plain deepcopy drops the namespaces declared by ancestors and not used, which inclusive C14N keeps:
    so a detached copy that declares every namespace in scope.
    """
    detached = etree.Element(node.tag, attrib=dict(node.attrib), nsmap=node.nsmap)
    detached.text = node.text
    detached.extend(copy.deepcopy(child) for child in node)
    return etree.tostring(detached, method="c14n", exclusive=False, with_comments=False)


def _signature_value_problems(signature: etree._Element) -> list[str]:
    try:
        der = _unbase64(signature, "KeyInfo/X509Data/X509Certificate")
        public_key = x509.load_der_x509_certificate(der).public_key()
        value = _unbase64(signature, "SignatureValue")
    except (binascii.Error, ValueError):
        return ["X509Certificate ou SignatureValue ilegível"]
    if not isinstance(public_key, rsa.RSAPublicKey):
        return ["o certificado da assinatura não tem chave RSA"]
    signed_info = signature.find(_ds("SignedInfo"))
    if signed_info is None:
        return ["assinatura sem SignedInfo"]
    try:
        public_key.verify(value, canonical(signed_info), padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature:
        return ["SignatureValue não confere com o certificado: a assinatura difere do calculado (rejeição 297)"]
    return []


def _parse(xml: bytes) -> etree._Element:
    # A parser per call: lxml parsers must not be shared between threads. No entities, no network.
    return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))


def _signed_element(root: etree._Element, element: str) -> etree._Element:
    found = list(root.iter(f"{{*}}{element}"))
    if len(found) != 1:
        raise ValueError(f"expected one <{element}>, found {len(found)}")
    if found[0].getparent() is None:
        raise ValueError(f"<{element}> is the root: the Signature must be its sibling")
    return found[0]


def _signature_after(target: etree._Element) -> etree._Element | None:
    following = target.getnext()
    while following is not None and not isinstance(following.tag, str):  # comments, processing instructions
        following = following.getnext()
    return following if following is not None and following.tag == _ds("Signature") else None


def _path(path: str) -> str:
    return "/".join(_ds(step) for step in path.split("/"))


def _attribute(signature: etree._Element, path: str, name: str) -> str | None:
    found = signature.find(_path(path))
    return None if found is None else found.get(name)


def _unbase64(signature: etree._Element, path: str) -> bytes:
    # base64Binary may carry line breaks (other signers wrap at 64 or 76 columns); ours never does.
    return base64.b64decode("".join((signature.findtext(_path(path)) or "").split()), validate=True)


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
