"""Whole numbers on the command line as a Brazilian writes them: "1.000" is one thousand.

Typer 0.29 validates a parameter with pydantic, which reads "1.000" as the float 1.0 and so as the integer 1
(and "1_000" as Python's 1000): `lojasync stock count SKU --quantity 1.000` set the stock to 1 where the product
page, given the same text, counts 1000, and `lojasync invoices void 1.000 2.000` would void numbers 1 and 2.
`install()` makes every integer parameter (alone, optional or a list) take plain digits, or digits grouped by
thousands with dots, and refuse anything else in Portuguese ("1.5", "1,5", "1e3", "1_000"), before pydantic
checks the range. The CLI tests check it, so an upgrade of Typer that moves this place fails there.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from typer import _coercion
from typer._click.exceptions import BadParameter

_WHOLE = re.compile(r"[+-]?[0-9]+")
_GROUPED = re.compile(r"([+-]?)([0-9]{1,3}(?:\.[0-9]{3})+)")

_installed = False


def whole_number_text(text: str) -> str | None:
    """`text` as plain digits ("1.000" -> "1000", " 7 " -> "7"), or None when it is not a whole number."""
    value = text.strip()
    grouped = _GROUPED.fullmatch(value)
    if grouped:
        return grouped[1] + grouped[2].replace(".", "")
    return value if _WHOLE.fullmatch(value) else None


def _takes_integers(annotation: Any) -> bool:
    """int, int | None, list[int], tuple[int, ...]: what the CLI declares for numbers and ids."""
    if annotation is int:
        return True
    origin = typing.get_origin(annotation)
    arguments = [a for a in typing.get_args(annotation) if a is not type(None) and a is not Ellipsis]
    if origin in (typing.Union, types.UnionType, list, tuple):
        return bool(arguments) and all(_takes_integers(a) for a in arguments)
    return False


def install() -> None:
    """Read integer parameters as above (idempotent)."""
    global _installed
    if _installed:
        return
    original = _coercion.AdapterRuntimeParam._coerce_value

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if _takes_integers(self.annotation):
            value = _read(value, param, ctx)
        return original(self, value, param, ctx)

    _coercion.AdapterRuntimeParam._coerce_value = _coerce_value
    _installed = True


def _read(value: Any, param: Any, ctx: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return type(value)(_read(item, param, ctx) for item in value)
    if not isinstance(value, str):
        return value
    digits = whole_number_text(value)
    if digits is None:
        raise BadParameter(f"'{value}' não é um número inteiro (escreva só algarismos, como 1000 ou 1.000)",
                           ctx=ctx, param=param)
    return digits
