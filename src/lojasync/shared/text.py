"""Text as the databases accept it: what comes from outside (a store, a webhook) is cleaned on the way in."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

# PostgreSQL text refuses NUL, and a lone surrogate (JSON lets "\ud800" through) cannot be encoded as
# UTF-8 by either backend: an order carrying one would fail to import on every sync, forever.
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` without NUL characters and with each lone surrogate replaced by U+FFFD."""
    if "\x00" not in text and (text.isascii() or _UNSAFE.search(text) is None):
        return text
    return _UNSAFE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


# Unicode's direction embeddings, overrides and isolates (LRE..RLO, LRI..PDI): in a name they make the page show
# other text than the one kept ("‮gpj.exe" reads "exe.jpg"), and no Brazilian order needs them (review).
_DIRECTION_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# The C0 controls but tab and line feed, DEL and the C1 controls: in a terminal, ESC and CSI begin sequences that
# clear the screen, recolour or hide text, retitle the window or plant a link that goes elsewhere than it reads
# (security review: a buyer's name did all that in `orders list`); no order needs them.
_TERMINAL_CONTROLS = "\x01-\x08\x0b-\x1f\x7f-\x9f"
_CONTROLS = re.compile(f"[{_DIRECTION_CONTROLS}{_TERMINAL_CONTROLS}]")
_TERMINAL_ONLY = re.compile(f"[{_TERMINAL_CONTROLS}]")


def without_controls(text: str) -> str:
    """`text` without the characters that reorder what is shown or that a terminal obeys (the same object when
    there were none); a carriage return goes too (a line feed stays)."""
    return _without(_CONTROLS, text)


def without_terminal_controls(text: str) -> str:
    """`text` without what a terminal obeys (see `without_controls`): what the CLI prints of stored data."""
    return _without(_TERMINAL_ONLY, text)


def _without(unwanted: re.Pattern[str], text: str) -> str:
    if text.isprintable() or unwanted.search(text) is None:   # most text: nothing to take away
        return text
    return unwanted.sub("", text)


def clean_tree(value: Any) -> tuple[Any, bool]:
    """A copy of a JSON value with every string, keys included, passed through `clean_text`, and whether
    any changed. Iterative: a deeply nested value must not exhaust the stack."""
    changed = False
    pending: list = []

    def clean(item: Any) -> Any:
        nonlocal changed
        if isinstance(item, str):
            text = clean_text(item)
            changed = changed or text is not item
            return text
        if isinstance(item, dict):
            copy: Any = {clean(key): child for key, child in item.items()}
        elif isinstance(item, list):
            copy = list(item)
        else:
            return item
        pending.append(copy)
        return copy

    root = clean(value)
    while pending:
        node = pending.pop()
        for key, child in (node.items() if isinstance(node, dict) else enumerate(node)):
            node[key] = clean(child)
    return root, changed


def is_http_address(text: str) -> bool:
    """Whether `text` reads as an http:// or https:// address with a host (spaces are the caller's to judge: a
    tracking link and a setting say them apart)."""
    try:
        parts = urlsplit(text)
    except ValueError:   # "http://[::1" and the like
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def is_unit_code(unit: str) -> bool:
    """A unit of measure the NF-e carries (uCom, uTrib): 1 to 6 characters of Latin-1 (no emoji, no letters of other
    alphabets: "шт" was taken, and every NF-e then refused for a unit "não informada")."""
    return 0 < len(unit) <= 6 and all(" " <= c <= "~" or "\u00a1" <= c <= "\u00ff" for c in unit)
