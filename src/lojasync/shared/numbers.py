"""Numbers typed by people or read from cookies and forms.

`str.isdigit()` is true for "²" or "١", which `int()` refuses, and a long run of digits overflows the
databases (64 bits in SQLite, ids in 32 bits): check with `ascii_digits` before `int()`.
"""

from __future__ import annotations

# Ids the databases keep (32-bit integer columns): a larger one can never exist.
LARGEST_ID = 2**31 - 1
# Enough for any id or order number (LARGEST_ID has 10 digits).
ID_DIGITS = 10


def ascii_digits(value: str, max_len: int = ID_DIGITS) -> bool:
    """True when `value` is 1 to `max_len` ASCII digits (what `int()` surely reads without overflow)."""
    return 0 < len(value) <= max_len and value.isascii() and value.isdigit()


def can_be_an_id(number: int) -> bool:
    """False for a number no row can have (the databases overflow on it: SQLite beyond 64 bits, PostgreSQL
    beyond the 32-bit column): a lookup of it finds nothing, like any unknown id."""
    return 1 <= number <= LARGEST_ID


def id_or_none(value: str) -> int | None:
    """The id written in `value` (1 to LARGEST_ID), or None when it is not one."""
    value = value.strip()
    if not ascii_digits(value):
        return None
    number = int(value)
    return number if can_be_an_id(number) else None

# Pages beyond this one are never asked for by a person; a larger "pagina" is read as the first page
# (an offset that large would overflow the database).
LAST_PAGE = 10**6


def page_or_first(value: str | int | None) -> int:
    """The `pagina` asked for (1 to LAST_PAGE); anything else ("²", "-1", 20 digits) is the first page."""
    text = str(value if value is not None else "").strip()
    if not ascii_digits(text, 7):
        return 1
    number = int(text)
    return number if 1 <= number <= LAST_PAGE else 1


def whole(number: int) -> str:
    """A whole number as a Brazilian writes it: 1.012, -2.000 (messages the core words; the pages and the terminal
    format theirs with babel, the same way)."""
    return f"{number:,}".replace(",", ".")
