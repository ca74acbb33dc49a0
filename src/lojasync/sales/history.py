"""Sync log (audit trail): what happened to one store order, in words the operator reads."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class LogLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class SyncLogEntry:
    id: int | None
    store_id: int
    external_id: str | None
    order_id: int | None
    level: str
    event: str
    message: str
    details: dict | None
    created_at: datetime | None

    def __init__(self, store_id: int, external_id: str | None, event: str, message: str,
                 level: LogLevel = LogLevel.INFO, order_id: int | None = None,
                 details: dict | None = None) -> None:
        self.store_id = store_id
        self.external_id = external_id
        self.event = event
        self.message = message
        self.level = level.value
        self.order_id = order_id
        self.details = details
