"""Business days for due dates: a receivable due on a Saturday, a Sunday or a national bank holiday is paid on the
next business day without being late (a boleto is accepted then without interest; card acquirers pay then).

The national holidays and the bank holidays every bank in Brazil keeps (FEBRABAN): fixed dates (31/12 among them),
and Carnival Monday and Tuesday, Good Friday and Corpus Christi, counted from Easter. State and municipal holidays
are not known here: a receivable due on one shows as overdue a day early.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

# Day and month: Confraternização Universal, Tiradentes, Dia do Trabalho, Independência, Nossa Senhora Aparecida,
# Finados, Proclamação da República, Natal; and Consciência Negra (20/11), national since 2024 (Lei 14.759/2023).
# And 31/12: no holiday, but banks open no door to the public (FEBRABAN), and what falls due that day is paid on
# the next business day without interest (review: a boleto of 31/12 showed as "vencida" on 02/01).
_FIXED = ((1, 1), (21, 4), (1, 5), (7, 9), (12, 10), (2, 11), (15, 11), (25, 12), (31, 12))
_BLACK_CONSCIOUSNESS_FROM = 2024


def easter(year: int) -> date:
    """Easter Sunday (the Gregorian computus, anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * leap) // 433
    month = (h + leap - 7 * m + 90) // 25
    return date(year, month, (h + leap - 7 * m + 33 * month + 19) % 32)


@functools.cache
def bank_holidays(year: int) -> frozenset[date]:
    sunday = easter(year)
    movable = {sunday - timedelta(days=48), sunday - timedelta(days=47),   # Carnival Monday and Tuesday
               sunday - timedelta(days=2), sunday + timedelta(days=60)}    # Good Friday, Corpus Christi
    fixed = {date(year, month, day) for day, month in _FIXED}
    if year >= _BLACK_CONSCIOUSNESS_FROM:
        fixed.add(date(year, 11, 20))
    return frozenset(fixed | movable)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def overdue_before(today: date) -> date:
    """The due dates before this day are overdue today: those after the last business day before today (a weekend,
    a holiday) are still payable today, the business day they move to."""
    day = today - timedelta(days=1)
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day + timedelta(days=1)
