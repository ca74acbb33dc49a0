"""Time for the simulator: a replaceable clock and Nuvemshop date formats."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

UTC = timezone.utc
BRT = timezone(timedelta(hours=-3))

Clock = Callable[[], datetime]

# Nuvemshop answers with either style; each order keeps one style for all its dates.
STYLE_UTC = "utc"
STYLE_BRT = "brt"


def real_clock() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class ManualClock:
    """A clock that only moves when told to (for tests); thread safe."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("moment must be timezone-aware")
        with self._lock:
            self._now = moment


def format_ts(moment: datetime | None, style: str) -> str | None:
    """ISO 8601 with seconds: `...+0000` (UTC style) or `...-03:00` (Brasília style)."""
    if moment is None:
        return None
    if style == STYLE_UTC:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
    return moment.astimezone(BRT).replace(microsecond=0).isoformat()


def completed_object(moment: datetime) -> dict:
    """The PHP DateTime dump Nuvemshop uses for `completed_at`."""
    return {
        "date": moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.000000"),
        "timezone_type": 3,
        "timezone": "UTC",
    }


_SPACE_OFFSET = re.compile(r" (\d\d:?\d\d)$")


def parse_ts(value: str) -> datetime:
    """Parse a filter date; naive values are taken as UTC.

    An unencoded `+` in a query string arrives as a space, so `...T10:00:00 0000`
    is read as `+0000`, like a lenient server would.
    """
    text = value.strip()
    if "T" in text:
        text = _SPACE_OFFSET.sub(r"+\1", text)
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
