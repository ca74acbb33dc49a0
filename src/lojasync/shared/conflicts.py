"""A transaction run again when a write conflict rolled it back whole.

Recording what an outside system already decided: SEFAZ's answer (an authorisation, a cancellation, a number void)
must not be lost to a writer met on the way (PostgreSQL's deadlock between two groups locking products, SQLite's busy
writer): SEFAZ holds the fact, and asking it again may not give the protocol back. And counting a first failed login
of a key: two at the same moment both insert its row, and the loser finds it on a second try.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from lojasync.shared.errors import WriteConflict

T = TypeVar("T")

RECORD_ATTEMPTS = 3


def through_conflicts(record: Callable[[], T], attempts: int | None = None) -> T:
    """`record()`, run again on a WriteConflict (`attempts` times in all, `RECORD_ATTEMPTS` by default); the last
    one's conflict is raised."""
    for _ in range((attempts or RECORD_ATTEMPTS) - 1):
        try:
            return record()
        except WriteConflict:
            continue
    return record()
