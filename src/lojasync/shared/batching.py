"""Batches of ids: IN lists far below the bound-parameter limits of SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

CHUNK = 500


def chunks(ids: Iterable, size: int = CHUNK) -> Iterator[list]:
    items = list(ids)
    for start in range(0, len(items), size):
        yield items[start:start + size]
