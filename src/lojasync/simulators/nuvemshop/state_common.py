"""Helpers shared by the Simulator facade (state.py) and its parts (state_*.py)."""

from __future__ import annotations

import json


def id_value(store_id: str) -> int | str:
    """The store id as payloads show it: a number when it is numeric."""
    return int(store_id) if store_id.isdigit() else store_id


def dumps(value) -> bytes:
    """Compact UTF-8 JSON, as the API answers; a value JSON has no type for is written as its str()."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()
