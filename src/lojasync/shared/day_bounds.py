"""The days a filter accepts: 31/12/9999 parses, but the day after it (a period includes its last day)
overflows `datetime`; and no order or receivable is that far away. The same bounds as the JSON API's."""

from __future__ import annotations

from datetime import date

FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def within_bounds(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def bounds_text() -> str:
    return f"Informe uma data entre {FIRST_DAY:%d/%m/%Y} e {LAST_DAY:%d/%m/%Y}."
