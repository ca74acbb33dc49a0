"""JSON and query-string encoding for the Nuvemshop API: money stays Decimal both ways."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def decode_json(content: bytes) -> Any:
    """Parse a body; numbers with a fraction become Decimal, NaN and Infinity are refused (ValueError)."""
    return json.loads(content, parse_float=Decimal, parse_constant=_reject_constant)


def encode_json(body: Any) -> bytes:
    return json.dumps(body, default=_json_default, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encode_params(params: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters as the API reads them: booleans in lower case, lists comma-separated, None left out."""
    encoded: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            encoded[key] = "true" if value else "false"
        elif isinstance(value, (datetime, date)):
            encoded[key] = value.isoformat()
        elif isinstance(value, (list, tuple, set, frozenset)):
            encoded[key] = ",".join(str(item) for item in value)
        else:
            encoded[key] = str(value)
    return encoded


def int_or_none(value: Any) -> int | None:
    """An integer from a header or query value ("40", "40.0"); None when absent or unreadable."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        try:
            return int(Decimal(str(value).strip()))
        except (ArithmeticError, ValueError):
            return None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"valor JSON não suportado: {name}")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"Valor decimal inválido para a Nuvemshop: {value}")
        # A string rather than a float, so the amount keeps its exact digits.
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"Tipo não serializável para a Nuvemshop: {type(value).__name__}")
