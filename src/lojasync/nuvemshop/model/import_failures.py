"""Import failures: store orders that could not be imported, kept with the payload until one import works."""

from __future__ import annotations

from datetime import datetime


class ImportFailure:
    """A store order that could not be imported: kept with its error until an import succeeds."""

    id: int | None
    store_id: int
    external_id: str
    error: str
    error_code: str | None
    resolution: str | None
    attempts: int
    retryable: bool
    payload: dict | None
    first_failed_at: datetime | None
    last_failed_at: datetime | None

    def __init__(self, store_id: int, external_id: str) -> None:
        self.store_id = store_id
        self.external_id = external_id
        self.attempts = 0
