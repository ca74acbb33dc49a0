"""A day as a person types it in a setting (Configurações, `import-rules set`, a LOJASYNC_* variable): AAAA-MM-DD or
DD/MM/AAAA, the day and month with or without their leading zero; or a word for "every day" ("todos")."""

from __future__ import annotations

import re
from datetime import date

DAY_SHAPE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}")
ALL_WORDS = ("all", "todos", "todas", "tudo")
# The earliest first day of the orders brought in: before it, a typo of the year (no store's orders go back that far).
EARLIEST = date(2000, 1, 1)


def means_all(text: str) -> bool:
    return text.strip().casefold() in ALL_WORDS


def typed_day(text: str) -> date | None:
    """The day typed, or None when it is not shaped as one or is not in the calendar (the 31st of February)."""
    words = text.strip()
    if not DAY_SHAPE.fullmatch(words):
        return None
    day, month, year = words.split("/") if "/" in words else reversed(words.split("-"))
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def shown(day: date) -> str:
    """DD/MM/AAAA with the year's four digits (strftime writes the year 1 as "1")."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
