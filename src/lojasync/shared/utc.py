"""Moments compared across what the database gave back and what the code made: SQLite gives datetimes back naive;
lojasync writes them in UTC, so naive means UTC."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import overload


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment
