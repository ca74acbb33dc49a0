"""The merchant's time zone: the one every day and hour a person reads or types is in (lists, pages, filters, due
dates, the day a receivable was received). Brasília's unless the integrator sets another (LOJASYNC_TIME_ZONE, e.g.
America/Manaus): a store in Manaus sold at 23:30 on the 30th, and its pages said 00:30 on the 1st (review). The
NF-e's own moments follow the issuer's UF by law, whatever this says (`fiscal.local_time`).

Set once per process, when it starts (`bootstrap`), as the log level is."""

from __future__ import annotations

from zoneinfo import ZoneInfo

DEFAULT_ZONE = "America/Sao_Paulo"
_zone = ZoneInfo(DEFAULT_ZONE)


def merchant_zone() -> ZoneInfo:
    return _zone


def use_merchant_zone(name: str) -> None:
    global _zone
    _zone = ZoneInfo(name)
