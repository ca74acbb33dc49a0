"""Webhook events: notifications as received, recorded before anything else so none is lost."""

from __future__ import annotations

from datetime import datetime


class WebhookEventStatus:
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    IGNORED = "ignored"


class WebhookEvent:
    """A notification as received: recorded before anything else, so a webhook is never lost."""

    id: int | None
    store_id: int | None
    external_store_id: str
    event: str
    resource_id: str | None
    body: dict
    received_at: datetime | None
    status: str
    attempts: int
    error: str | None
    error_code: str | None = None
    resolution: str | None
    processed_at: datetime | None

    def __init__(self, store_id: int | None, external_store_id: str, event: str, resource_id: str | None,
                 body: dict, received_at: datetime | None = None) -> None:
        self.store_id = store_id
        self.external_store_id = external_store_id
        self.event = event
        self.resource_id = resource_id
        self.body = body
        self.status = WebhookEventStatus.PENDING
        self.attempts = 0
        if received_at is not None:
            self.received_at = received_at

    def mark_done(self, when: datetime, status: str = WebhookEventStatus.DONE, note: str | None = None) -> None:
        self.status = status
        self.processed_at = when
        self.error = note
        self.error_code = self.resolution = None

    def mark_failed(self, when: datetime, error: str, resolution: str, code: str | None = None) -> None:
        self.status = WebhookEventStatus.FAILED
        self.processed_at = when
        self.error = error
        self.error_code = code
        self.resolution = resolution
