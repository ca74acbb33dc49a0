"""nfelib bindings written as XML bytes by a walk compiled once per binding class (the NF-e's: `nfe_xml`).

xsdata's serializer (`nfe_xml.serializer`, shared by the process) turns every field into a generic event and
asks, field by field and value by value, which of a dozen shapes it is: about 1.1 ms for an NF-e of one to four
items, the largest part of an NF-e's own cost after its database and SEFAZ (benchmarks/invoice_throughput.py).
The NF-e uses few of those shapes: elements of its own namespace holding text or another binding, lists of them,
plain attributes. This writer reads each class's fields from xsdata's own metadata once and writes those shapes
directly, the same bytes as xsdata's writer (tests/unit/test_fiscal_nfe_writer.py compares them) in about a
tenth of the time. A document with anything else in it (a signature, another namespace, xsi:type or xsi:nil, a
choice or wildcard field, a value that is not text, an attribute value that needs other quotes) is left to
xsdata, whole: the writer never guesses at a shape it was not made for.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from xsdata.formats.dataclass.context import XmlContext

# What xsdata's writer (the standard library's XMLGenerator, its `quoteattr`) writes as entities in an attribute,
# or answers with other quotes: such values are left to xsdata.
_ATTRIBUTE_ODD = ('"', "\n", "\r", "\t")


class _NotPlain(Exception):
    """The binding holds a shape this writer does not write: xsdata writes the document."""


class _Plan:
    """What one binding class writes: its attributes (field, name) and its elements (field, tag, many, model
    types or None for text, odd: a shape left to xsdata when it holds a value); its elements' namespace
    (`{uri}`) is the document's."""

    __slots__ = ("attributes", "elements")

    def __init__(self, attributes: tuple, elements: tuple) -> None:
        self.attributes = attributes
        self.elements = elements


_plans: dict[tuple[type, str, XmlContext], _Plan] = {}


def _plan(cls: type, namespace: str, context: XmlContext) -> _Plan:
    plan = _plans.get((cls, namespace, context))
    if plan is not None:
        return plan
    meta = context.build(cls)
    if meta.nillable:
        raise _NotPlain(cls.__name__)
    attributes = []
    for var in meta.get_attribute_vars():
        if not var.is_attribute or var.qname.startswith("{"):   # any attribute, or one of another namespace
            raise _NotPlain(f"{cls.__name__}.{var.name}")
        attributes.append((var.name, var.qname))
    elements = []
    for var in meta.get_element_vars():
        odd = (not var.is_element or var.is_text or var.mixed or var.tokens or var.nillable or var.any_type
               or var.sequence is not None or var.wrapper_qname is not None or not var.qname.startswith(namespace))
        models = frozenset(var.types) if var.clazz is not None else None
        elements.append((var.name, var.qname[len(namespace):], var.list_element, models, odd))
    # Several threads may plan the same class at once: each plan is the same, any one of them is kept.
    plan = _plans[cls, namespace, context] = _Plan(tuple(attributes), tuple(elements))
    return plan


def _text(value: Any) -> str:
    # Exactly str: a subclass may format itself otherwise (an old-style `str, Enum` writes its name in an f-string).
    if type(value) is str:
        return value
    if isinstance(value, Enum) and type(value.value) is str:
        return value.value
    raise _NotPlain(type(value).__name__)   # numbers, dates, QNames: xsdata's converter formats them


def _escaped(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _write(out: list[str], binding: Any, tag: str, namespace: str, context: XmlContext,
           declaration: str = "") -> None:
    plan = _plan(type(binding), namespace, context)
    out.append("<" + tag + declaration)
    for field, name in plan.attributes:
        value = getattr(binding, field)
        if value is None:
            continue
        value = _text(value)
        if value.startswith("{") or any(odd in value for odd in _ATTRIBUTE_ODD):
            raise _NotPlain(name)   # read by xsdata as a QName, or written with entities or other quotes
        out.append(f' {name}="{_escaped(value)}"')
    opened = len(out)
    out.append(">")
    for field, child, many, models, odd in plan.elements:
        value = getattr(binding, field)
        if value is None:
            continue
        if odd:
            raise _NotPlain(field)
        if many and type(value) not in (list, tuple):
            raise _NotPlain(field)   # one value in a repeated field (xsdata writes it once), a set, a string...
        for item in value if many else (value,):
            if item is None:
                raise _NotPlain(field)   # xsdata writes <tag/> for a None among a list's values
            if models is not None:
                if type(item) not in models:   # a subclass: xsdata writes it with xsi:type
                    raise _NotPlain(field)
                _write(out, item, child, namespace, context)
            elif hasattr(item, "__dataclass_fields__"):
                raise _NotPlain(field)
            else:
                text = _text(item)
                out.append(f"<{child}>{_escaped(text)}</{child}>" if text else f"<{child}/>")
    if len(out) == opened + 1:   # nothing inside: written as xsdata writes it, <tag/>
        out[opened] = "/>"
    else:
        out.append(f"</{tag}>")


def plain_xml(binding: Any, context: XmlContext, namespace: str) -> bytes | None:
    """The binding as xsdata's serializer of `context` writes it with `namespace` as the default one (UTF-8, no
    declaration, no indentation), or None when it holds a shape this writer leaves to xsdata (a root of
    another namespace among them: xsdata writes it with a prefix)."""
    qname = context.build(type(binding)).qname
    if not qname.startswith("{" + namespace + "}"):
        return None
    out: list[str] = []
    try:
        _write(out, binding, qname[len(namespace) + 2:], "{" + namespace + "}", context, f' xmlns="{namespace}"')
    except _NotPlain:
        return None
    return "".join(out).encode("utf-8")
