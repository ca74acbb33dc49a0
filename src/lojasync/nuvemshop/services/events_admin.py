"""Use cases for the operator: list webhook events and retry the failed ones."""

from __future__ import annotations

from dataclasses import dataclass

from lojasync.nuvemshop.errors import EventNotFound
from lojasync.nuvemshop.model.webhook_events import WebhookEvent, WebhookEventStatus
from lojasync.nuvemshop.ports import ConnectorUnitOfWork

STATUS_LABELS = {
    WebhookEventStatus.PENDING: "pendente",
    WebhookEventStatus.DONE: "processado",
    WebhookEventStatus.FAILED: "com erro",
    WebhookEventStatus.IGNORED: "ignorado",
}


@dataclass(frozen=True)
class EventView:
    id: int
    store: str
    event: str
    resource_id: str | None
    status: str
    attempts: int
    received_at: str
    processed_at: str | None
    error: str | None
    error_code: str | None
    resolution: str | None
    retryable: bool


def list_events(uow: ConnectorUnitOfWork, failed_only: bool = False, limit: int = 100) -> list[EventView]:
    with uow:
        status = WebhookEventStatus.FAILED if failed_only else None
        return [_view(e) for e in uow.webhook_events.list(status=status, limit=limit)]


def retry_events(uow: ConnectorUnitOfWork, event_id: int | None = None, all_failed: bool = False) -> list[int]:
    """Put failed events back in the queue; return the stores to drain."""
    with uow:
        if all_failed:
            events = uow.webhook_events.list(status=WebhookEventStatus.FAILED, limit=100_000)
        else:
            event = uow.webhook_events.get(event_id)
            if event is None:
                raise EventNotFound(event_id=event_id)
            events = [event]
        for event in events:
            event.status = WebhookEventStatus.PENDING
        stores = sorted({e.store_id for e in events if e.store_id is not None})
        uow.commit()
        return stores


def _view(event: WebhookEvent) -> EventView:
    return EventView(event.id, event.external_store_id, event.event, event.resource_id,
                     STATUS_LABELS.get(event.status, event.status), event.attempts, event.received_at.isoformat(),
                     event.processed_at.isoformat() if event.processed_at else None, event.error, event.error_code,
                     event.resolution, event.status == WebhookEventStatus.FAILED)
