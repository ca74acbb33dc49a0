"""Writing what an outside system already decided, through write conflicts.

A transaction that records SEFAZ's answer (an authorisation, a cancellation, a number void) must not be lost to a
writer met on the way (PostgreSQL's deadlock between two groups locking products, SQLite's busy writer): SEFAZ holds
the fact, and asking it again may not give the protocol back. The transaction rolled back whole, so it is run again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from lojasync.shared.errors import WriteConflict

T = TypeVar("T")

RECORD_ATTEMPTS = 3


def through_conflicts(record: Callable[[], T], attempts: int | None = None) -> T:
    """`record()`, run again on a WriteConflict (`RECORD_ATTEMPTS` times in all); the last one's conflict is raised."""
    for _ in range((attempts or RECORD_ATTEMPTS) - 1):
        try:
            return record()
        except WriteConflict:
            continue
    return record()
