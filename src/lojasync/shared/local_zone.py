"""The merchant's time zone: the one every day and hour a person reads or types is in (lists, pages, filters, due
dates, the day a receivable was received). Brasília's unless the integrator sets another (LOJASYNC_TIME_ZONE, e.g.
America/Manaus): a store in Manaus sold at 23:30 on the 30th, and its pages said 00:30 on the 1st (review). The
NF-e's own moments follow the issuer's UF by law, whatever this says (`fiscal.local_time`).

Set once per process, when it starts (`bootstrap`), as the log level is."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "America/Sao_Paulo"
_zone = ZoneInfo(DEFAULT_ZONE)


def merchant_zone() -> ZoneInfo:
    return _zone


def local_day(moment: datetime | None = None) -> date:
    """The calendar day `moment` (None: now) is where the merchant is: due dates, receipts and validity count in such
    days (at 22:00 in São Paulo it is already tomorrow in UTC)."""
    # A naive moment is UTC, as the database's are: `astimezone` would read it in the server's own zone.
    moment = moment or datetime.now(_zone)
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)).astimezone(_zone).date()


def day_start(day: date) -> datetime:
    """The first moment of `day` where the merchant is (an aware datetime): a period of days asked for ("from the
    1st") starts there, not at UTC's midnight."""
    return datetime.combine(day, time.min).replace(tzinfo=_zone)


def day_end(day: date) -> datetime:
    """The first moment of the next day: periods include their last day."""
    return day_start(day + timedelta(days=1))


def use_merchant_zone(name: str) -> None:
    global _zone
    _zone = ZoneInfo(name)
