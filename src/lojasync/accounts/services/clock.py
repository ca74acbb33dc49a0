"""The time the use cases see: callers may pass their own (tests pass a fixed or advancing clock)."""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
