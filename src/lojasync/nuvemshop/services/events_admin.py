"""Use cases for the operator: list webhook events and retry the failed ones."""

from __future__ import annotations

from dataclasses import dataclass

from lojasync.nuvemshop.model.records import WebhookEvent, WebhookEventStatus
from lojasync.db.unit_of_work import UnitOfWork

STATUS_LABELS = {
    WebhookEventStatus.PENDING: "pendente",
    WebhookEventStatus.DONE: "processado",
    WebhookEventStatus.FAILED: "com erro",
    WebhookEventStatus.IGNORED: "ignorado",
}


class EventNotFound(LookupError):
    def __init__(self, event_id: int) -> None:
        self.message = f"Evento {event_id} não encontrado."
        super().__init__(self.message)


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
    resolution: str | None


def list_events(uow: UnitOfWork, failed_only: bool = False, limit: int = 100) -> list[EventView]:
    with uow:
        status = WebhookEventStatus.FAILED if failed_only else None
        return [_view(e) for e in uow.events.list(status=status, limit=limit)]


def retry_events(uow: UnitOfWork, event_id: int | None = None, all_failed: bool = False) -> list[int]:
    """Put failed events back in the queue; return the stores to drain."""
    with uow:
        if all_failed:
            events = uow.events.list(status=WebhookEventStatus.FAILED, limit=100_000)
        else:
            event = uow.events.get(event_id)
            if event is None:
                raise EventNotFound(event_id)
            events = [event]
        for event in events:
            event.status = WebhookEventStatus.PENDING
        stores = sorted({e.store_id for e in events if e.store_id is not None})
        uow.commit()
        return stores


def _view(event: WebhookEvent) -> EventView:
    return EventView(event.id, event.external_store_id, event.event, event.resource_id,
                     STATUS_LABELS.get(event.status, event.status), event.attempts, event.received_at.isoformat(),
                     event.processed_at.isoformat() if event.processed_at else None, event.error, event.resolution)
