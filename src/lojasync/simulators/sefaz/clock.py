"""The simulator's time: the real clock, moved forward on request (to reach a deadline without waiting).

SEFAZ writes every time in the authoriser's local offset; Brazil has had no daylight saving time since
2019, so Brasília is always UTC-3.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from lojasync.simulators.sefaz.codes import Rejection

BRASILIA = timezone(timedelta(hours=-3))


class SimulatorClock:
    """`clock()` is now (Brasília, whole seconds) plus the offset `advance` added; thread safe.

    `start` pins the clock to a fixed moment instead of the real time (tests that need exact dates).
    """

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._start = start
        self._offset = timedelta()
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        base = self._start or datetime.now(timezone.utc)
        with self._lock:
            moment = base + self._offset
        return moment.astimezone(BRASILIA).replace(microsecond=0)

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self()

    def reset(self) -> None:
        """Back to the real time (or `start`): only with the state cleared, or dates would run backwards."""
        with self._lock:
            self._offset = timedelta()

    @property
    def offset_seconds(self) -> float:
        with self._lock:
            return self._offset.total_seconds()


def sefaz_time(moment: datetime) -> str:
    """AAAA-MM-DDThh:mm:ss-03:00, the TDateTimeUTC form SEFAZ answers with."""
    return moment.astimezone(BRASILIA).replace(microsecond=0).isoformat()


def parse_sefaz_time(text: str, field: str, schema_status: str) -> datetime:
    """A TDateTimeUTC value (always with its offset, the schema requires one). The schema's pattern also lets a
    comma stand before the offset ("[\\-,\\+]"), which no clock writes and Python cannot read: such a value is answered
    as the schema failure it is for SEFAZ's validators (`schema_status`: 225 for an NF-e, 215 for an event), not
    with a crash of the request (review: HTTP 500, and a whole asynchronous batch lost with it)."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise Rejection(schema_status, f"[{field}: data e hora invalida: {text.strip()[:40]}]") from None
