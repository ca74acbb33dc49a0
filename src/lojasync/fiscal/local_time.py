"""The issuer's local time, which an NF-e's dates are written in (dhEmi, dhEvento: the time with its UTC offset).

Brazil has four offsets and no daylight saving time since 2019: most UFs are at -03:00 (Brasília); AM, MT, MS,
RO and RR at -04:00; AC at -05:00. An issuer in Manaus writing Brasília's time would show on its DANFE an hour
it did not sell at, and near midnight another day (and month, the access key's AAMM). The UF decides: the
few municipalities of western Amazonas at -05:00 are taken as their UF's -04:00.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

BRASILIA = ZoneInfo("America/Sao_Paulo")
_ZONES = {
    "AC": ZoneInfo("America/Rio_Branco"),
    "AM": ZoneInfo("America/Manaus"),
    "RR": ZoneInfo("America/Boa_Vista"),
    "RO": ZoneInfo("America/Porto_Velho"),
    "MT": ZoneInfo("America/Cuiaba"),
    "MS": ZoneInfo("America/Campo_Grande"),
}


def local_zone(uf: str | None) -> ZoneInfo:
    """The time zone of a UF (Brasília's for the UFs at -03:00, and for an unknown one)."""
    return _ZONES.get((uf or "").upper(), BRASILIA)


def issuer_time(moment: datetime, uf: str | None) -> datetime:
    """`moment` (timezone-aware) as the issuer's clock reads it, to the second."""
    return moment.astimezone(local_zone(uf)).replace(microsecond=0)
