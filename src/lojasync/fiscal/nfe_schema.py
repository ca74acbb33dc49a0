"""Validation against nfelib's bundled XSDs (NF-e 4.00, PL_010f; cancellation event 1.00; voiding request
4.00), each compiled once per process on first use: re-reading the XSD per document (nfelib's `validate_xml`)
costs ~45 ms, a compiled `XMLSchema` validates an NF-e in under a millisecond.

Both layouts *require* the `ds:Signature` element (TNFe and TEvento end with it, minOccurs 1), so an unsigned
document never passes the XSD as it is. `schema_errors` therefore checks everything the schema says and
forgives only that one error, "Signature missing", and only when the document carries no Signature at all:
it is the check to run before signing. `validate_signed` forgives nothing: it is what SEFAZ applies
(rejection 225), to run on the signed document before it is sent.
"""

from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path

from lxml import etree

DSIG = "http://www.w3.org/2000/09/xmldsig#"
_NFELIB = Path(str(importlib.resources.files("nfelib")))
NFE_XSD = _NFELIB / "nfe" / "schemas" / "v4_0" / "nfe_v4.00.xsd"
CANCELLATION_XSD = _NFELIB / "nfe_evento_cancel" / "schemas" / "v1_0" / "envEventoCancNFe_v1.00.xsd"
VOID_XSD = _NFELIB / "nfe" / "schemas" / "v4_0" / "inutNFe_v4.00.xsd"

# nfelib 3.2.0 bundles the cancellation event schema as published before NT 2025.001 (CNPJ alfanumérico):
# its CNPJ, access key and Id still take digits only, while the NF-e schema it bundles (PL_010f) already takes
# the alphanumeric CNPJ. NT 2025.001 widens the same fields in every DF-e schema, events included, to
# `[0-9A-Z]{12}[0-9]{2}`. We widen exactly those patterns in memory, to the NF-e schema's own forms; a
# numeric document is checked exactly as before. When nfelib ships the new files the patterns are absent
# and the files are used as they are.
_EVENT_PATCHES: dict[str, tuple[tuple[str, str], ...]] = {
    "tiposBasico_v1.03.xsd": (
        ('([\\d]{14})([\\d]{5})', '([0-9A-Z]{12}[\\d]{2})([\\d]{5})'),                  # TChNFe
        ('"[0-9]{0}|[0-9]{14}"', '"[0-9]{0}|[0-9A-Z]{12}[0-9]{2}"'),                   # TCnpjOpc
        ('<xs:pattern value="[0-9]{14}"/>', '<xs:pattern value="[0-9A-Z]{12}[0-9]{2}"/>'),  # TCnpj
    ),
    "leiauteEventoCancNFe_v1.00.xsd": (
        ('"ID[0-9]{52}"', '"ID[0-9]{12}[0-9A-Z]{12}[0-9]{28}"'),                      # infEvento/@Id
    ),
}

# The voiding request's schema (inutNFe, PL_010f) already takes the alphanumeric CNPJ in its CNPJ field, but its
# Id (ID + cUF + ano + CNPJ + mod + série + nNFIni + nNFFin) is still digits only: widened the same way.
_VOID_PATCHES: dict[str, tuple[tuple[str, str], ...]] = {
    "leiauteInutNFe_v4.00.xsd": (('"ID[0-9]{41}"', '"ID[0-9]{4}[0-9A-Z]{12}[0-9]{25}"'),),
}


class _PatchedIncludes(etree.Resolver):
    """Serves the patched text of the schema files named in `patches` when the schema includes them."""

    def __init__(self, folder: Path, patches: dict[str, tuple[tuple[str, str], ...]]) -> None:
        super().__init__()
        self.folder = folder
        self.patches = patches

    def resolve(self, system_url, public_id, context):
        name = system_url.rsplit("/", 1)[-1]
        if name not in self.patches:
            return None
        text = (self.folder / name).read_text(encoding="utf-8")
        for old, new in self.patches[name]:
            text = text.replace(old, new)
        return self.resolve_string(text, context, base_url=system_url)


@functools.cache
def nfe_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(NFE_XSD)))


@functools.cache
def cancellation_schema() -> etree.XMLSchema:
    parser = etree.XMLParser()
    parser.resolvers.add(_PatchedIncludes(CANCELLATION_XSD.parent, _EVENT_PATCHES))
    return etree.XMLSchema(etree.parse(str(CANCELLATION_XSD), parser))


@functools.cache
def void_schema() -> etree.XMLSchema:
    parser = etree.XMLParser()
    parser.resolvers.add(_PatchedIncludes(VOID_XSD.parent, _VOID_PATCHES))
    return etree.XMLSchema(etree.parse(str(VOID_XSD), parser))


def _parse(xml: bytes | etree._Element) -> etree._Element | str:
    if isinstance(xml, etree._Element):
        return xml
    try:
        return etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        return f"XML malformado: {exc}"


def _errors(schema: etree.XMLSchema, xml: bytes | etree._Element, *, signed: bool) -> list[str]:
    root = _parse(xml)
    if isinstance(root, str):
        return [root]
    if schema.validate(root):
        return []
    errors = list(schema.error_log)
    if not signed and root.find(f".//{{{DSIG}}}Signature") is None:
        # The one error an unsigned document must have: "Missing child element(s). Expected is
        # ( {xmldsig#}Signature )" on the element that the signature will close.
        errors = [e for e in errors if not (e.type_name == "SCHEMAV_ELEMENT_CONTENT"
                                            and "Missing child element" in e.message
                                            and f"{{{DSIG}}}Signature" in e.message)]
    return [f"linha {e.line}: {e.message}" for e in errors]


def schema_errors(xml: bytes | etree._Element) -> list[str]:
    """What the NF-e 4.00 XSD finds wrong in an NF-e, signed or not (an absent signature is not counted)."""
    return _errors(nfe_schema(), xml, signed=False)


def validate_signed(xml: bytes | etree._Element) -> list[str]:
    """What the NF-e 4.00 XSD finds wrong in a signed NF-e: everything, the signature's presence included."""
    return _errors(nfe_schema(), xml, signed=True)


def event_schema_errors(xml: bytes | etree._Element, *, signed: bool = False) -> list[str]:
    """What the cancellation event XSD (envEvento 1.00) finds wrong; `signed=True` requires the signature."""
    return _errors(cancellation_schema(), xml, signed=signed)


def void_schema_errors(xml: bytes | etree._Element, *, signed: bool = False) -> list[str]:
    """What the voiding request XSD (inutNFe 4.00) finds wrong; `signed=True` requires the signature."""
    return _errors(void_schema(), xml, signed=signed)
