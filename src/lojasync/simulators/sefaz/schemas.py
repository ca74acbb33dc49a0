"""SEFAZ's XSDs for the messages the simulator receives, from nfelib's bundled schema package, compiled once.

Compiling the NF-e layout takes a while and validating with a compiled schema is fast, so each schema is
built on first use and kept for the process.

The cancellation event's schema package nfelib ships (tiposBasico_v1.03) predates the alphanumeric CNPJ
(NT 2025.001): its key, CNPJ and event Id patterns are digits only, while the NF-e layout (PL_010f) already
accepts letters. SEFAZ widens the event schemas the same way, so the simulator widens those three
patterns when it compiles them, and the voiding request's Id (inutNFe, whose CNPJ type is already the new
one); nothing else of the schemas changes.
"""

from __future__ import annotations

import threading
from importlib.resources import files

from lxml import etree

_NFELIB = files("nfelib")
_NFE = "nfe/schemas/v4_0/"
_CANCEL = "nfe_evento_cancel/schemas/v1_0/"

SCHEMA_FILES = {
    "enviNFe": _NFE + "enviNFe_v4.00.xsd",
    "consReciNFe": _NFE + "consReciNFe_v4.00.xsd",
    "consSitNFe": _NFE + "consSitNFe_v4.00.xsd",
    "consStatServ": _NFE + "consStatServ_v4.00.xsd",
    "envEvento": _CANCEL + "envEventoCancNFe_v1.00.xsd",
    "inutNFe": _NFE + "inutNFe_v4.00.xsd",
}

# (folder, file, digits-only pattern, the alphanumeric pattern of the 2025 layouts)
_WIDENED = (
    (_CANCEL, "tiposBasico_v1.03.xsd", r"([\d]{14})([\d]{5})([\d]{9})([\d]{10})",
     r"([0-9A-Z]{12}[\d]{2})([\d]{5})([\d]{9})([\d]{10})"),
    (_CANCEL, "tiposBasico_v1.03.xsd", '"[0-9]{0}|[0-9]{14}"', '"[0-9]{0}|[0-9A-Z]{12}[0-9]{2}"'),
    (_CANCEL, "leiauteEventoCancNFe_v1.00.xsd", '"ID[0-9]{52}"', '"ID[0-9]{12}[0-9A-Z]{12}[0-9]{28}"'),
    # ID + cUF + ano + CNPJ + mod + série + nNFIni + nNFFin
    (_NFE, "leiauteInutNFe_v4.00.xsd", '"ID[0-9]{41}"', '"ID[0-9]{4}[0-9A-Z]{12}[0-9]{25}"'),
)

_lock = threading.Lock()
_compiled: dict[str, etree.XMLSchema] = {}
# A validator keeps the last run's errors on itself: one run at a time per schema (about 0.1 ms each).
_in_use: dict[str, threading.Lock] = {name: threading.Lock() for name in SCHEMA_FILES}


class _WidenedEventTypes(etree.Resolver):
    def resolve(self, url, pubid, context):
        name = url.rsplit("/", 1)[-1]   # each patched file's name is unique across the two folders
        changes = [(folder, old, new) for folder, file, old, new in _WIDENED if file == name]
        if not changes:
            return None
        text = _NFELIB.joinpath(changes[0][0] + name).read_text(encoding="utf-8")
        for _, old, new in changes:
            if old not in text:  # a newer nfelib changed the file: fail loudly rather than validate wrongly
                raise RuntimeError(f"{name}: pattern {old} not found")
            text = text.replace(old, new)
        return self.resolve_string(text.encode("utf-8"), context, base_url=url)


def schema(message: str) -> etree.XMLSchema:
    """The compiled XSD for a request element's local name (enviNFe, envEvento, ...)."""
    compiled = _compiled.get(message)
    if compiled is not None:
        return compiled
    with _lock:
        if message not in _compiled:
            parser = etree.XMLParser(resolve_entities=False, no_network=True)
            parser.resolvers.add(_WidenedEventTypes())
            path = _NFELIB.joinpath(SCHEMA_FILES[message])
            with path.open("rb") as source:
                document = etree.parse(source, parser, base_url=str(path))
            _compiled[message] = etree.XMLSchema(document)
        return _compiled[message]


def schema_errors(message: str, element: etree._Element) -> str | None:
    """None when `element` is valid, else the first error in a few words (line, element, what)."""
    checker = schema(message)
    with _in_use[message]:
        if checker.validate(element):
            return None
        errors = checker.error_log
        return errors[0].message if len(errors) else "documento invalido"
