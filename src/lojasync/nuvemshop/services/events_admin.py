"""Use cases for the operator: list webhook events and retry the failed ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from lojasync.nuvemshop.errors import (
    BRING_IN_OLDER_ORDERS,
    EventNotFound,
    EventNotRetryable,
    EventStoreDisabled,
    EventStoreInactive,
    StoreDisabled,
)
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.model.webhook_events import WebhookEvent, WebhookEventStatus
from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.nuvemshop.services.stores import inactive_error

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
    order_number: int | None = None   # the ERP order the notification is about, once imported


def list_events(uow: ConnectorUnitOfWork, failed_only: bool = False, limit: int = 100,
                before: int | None = None) -> list[EventView]:
    """Newest first; `before` (an id) gives the next page: the ones older than the last shown. A page by id,
    not by position, so the events a webhook storm adds meanwhile do not shift it."""
    with uow:
        status = WebhookEventStatus.FAILED if failed_only else None
        events = uow.webhook_events.list(status=status, limit=limit, before=before)
        numbers = _order_numbers(uow, events)
        return [_view(e, numbers.get((e.store_id, e.resource_id))) for e in events]


RESYNC_ORDER = "Para ler o pedido {number} da loja de novo, use Reprocessar na página do pedido."


def _order_numbers(uow: ConnectorUnitOfWork, events: list[WebhookEvent]) -> dict[tuple[int, str], int]:
    """ERP order numbers of the order notifications, by (store, store order id): one query per store."""
    wanted: dict[int, set[str]] = {}
    for event in events:
        if event.event.startswith("order/") and event.store_id is not None and event.resource_id:
            wanted.setdefault(event.store_id, set()).add(event.resource_id)
    # review (Black Friday volume): the numbers alone. Each order was loaded whole (its lines and their products)
    # to read its id: `GET /events?limit=1000` took 0.6-0.8 s, nearly all of it there.
    numbers: dict[tuple[int, str], int] = {}
    for store_id, external_ids in wanted.items():
        for external_id, order_id in uow.bindings.order_ids_by_external_ids(store_id, external_ids).items():
            numbers[(store_id, external_id)] = order_id
    return numbers


class RetriedStore(NamedTuple):
    """A store whose events went back to the queue: `id` to drain it, `external_id` (the Nuvemshop id) to name it, as
    the rest of the API does (review: the API answered the internal id, which `/orders?store=` then did not know)."""

    id: int
    external_id: str


@dataclass(frozen=True)
class RetryOutcome:
    """What a retry did: the stores to drain, and the failed events left as they were because their store is
    inactive (by its Nuvemshop id): put back, the worker would ignore them without reading the order."""

    stores: list[RetriedStore]
    left: int = 0
    left_stores: tuple[str, ...] = ()
    # Of `left_stores`, those whose app was uninstalled from the store: reconnected, not enabled (review: "Reative a
    # loja" switched on a store whose token died with the uninstall, and the notifications failed again).
    uninstalled: tuple[str, ...] = ()


def retry_events(uow: ConnectorUnitOfWork, event_id: int | None = None, all_failed: bool = False) -> RetryOutcome:
    """Put failed events back in the queue; return the stores to drain. A processed or ignored one is refused, and
    so is one of an inactive store (it stays failed); retrying all leaves those and counts them."""
    with uow:
        if all_failed:
            events = uow.webhook_events.list(status=WebhookEventStatus.FAILED, limit=100_000)
        else:
            event = uow.webhook_events.get(event_id)
            if event is None:
                raise EventNotFound(event_id=event_id)
            if event.status in (WebhookEventStatus.DONE, WebhookEventStatus.IGNORED):
                number = _order_numbers(uow, [event]).get((event.store_id, event.resource_id))
                if number is None and event.error and event.error.endswith(BRING_IN_OLDER_ORDERS):
                    # An order left out for the data inicial: no order here to read again (review: the advice
                    # was the order page's Reprocessar and `orders resync NÚMERO`).
                    raise EventNotRetryable(event_id=event_id, status=STATUS_LABELS[event.status],
                                            resolution=event.error, before_start=True)
                raise EventNotRetryable(event_id=event_id, status=STATUS_LABELS[event.status],
                                        **({"order_number": number,
                                            "resolution": RESYNC_ORDER.format(number=number)} if number else {}))
            events = [event]   # failed, or still pending (already queued: its store is drained again)
        inactive = {store.id: store for store in _inactive_stores(uow, events)}
        if not all_failed and events[0].store_id in inactive:
            store = inactive[events[0].store_id]
            refusal = EventStoreDisabled if isinstance(inactive_error(uow, store), StoreDisabled) \
                else EventStoreInactive
            raise refusal(event_id=event_id, external_store_id=store.external_id)
        left = [e for e in events if e.store_id in inactive]
        events = [e for e in events if e.store_id not in inactive]
        for event in events:
            event.status = WebhookEventStatus.PENDING
        stores = sorted({RetriedStore(e.store_id, e.external_store_id) for e in events if e.store_id is not None})
        uow.commit()
        uninstalled = {store.external_id for store in inactive.values()
                       if not isinstance(inactive_error(uow, store), StoreDisabled)}
        return RetryOutcome(stores, len(left), tuple(sorted({store.external_id for store in inactive.values()})),
                            tuple(sorted(uninstalled)))


def left_words(outcome: RetryOutcome) -> str:
    """How many failed events a retry left, and whose: "1 com erro ficou como estava por ser de loja desativada
    (1234567)", the number agreeing; each interface adds how to reactivate the store."""
    one = outcome.left == 1
    stores = "loja desativada" if len(outcome.left_stores) == 1 else "lojas desativadas"
    return (f"{outcome.left} com erro {'ficou como estava' if one else 'ficaram como estavam'} por "
            f"{'ser' if one else 'serem'} de {stores} ({', '.join(outcome.left_stores)})")


def left_advice(outcome: RetryOutcome, enable: Callable[[list[str]], str], reconnect: str) -> str:
    """What to do about the stores of the events a retry left: enable those disabled here (`enable(ids)`: how, in the
    interface's words), reconnect those whose app was uninstalled (`reconnect`: how); then retry."""
    disabled = [store for store in outcome.left_stores if store not in outcome.uninstalled]
    steps = [f"{_stores_word(disabled, 'Reative')} {', '.join(disabled)} ({enable(disabled)})"] if disabled else []
    if outcome.uninstalled:
        verb = "reconecte" if steps else "Reconecte"
        steps.append(f"{_stores_word(list(outcome.uninstalled), verb)} {', '.join(outcome.uninstalled)} "
                     f"({reconnect})")
    return " e ".join(steps) + "; depois reprocesse."


def _stores_word(stores: list[str], verb: str) -> str:
    return f"{verb} a loja" if len(stores) == 1 else f"{verb} as lojas"


def _inactive_stores(uow: ConnectorUnitOfWork, events: list[WebhookEvent]) -> list[Store]:
    """The inactive stores among the events' (one read per store, however many events)."""
    stores = (uow.stores.get(store_id) for store_id in {e.store_id for e in events if e.store_id is not None})
    return [store for store in stores if store is not None and not store.active]


def _view(event: WebhookEvent, order_number: int | None = None) -> EventView:
    return EventView(event.id, event.external_store_id, event.event, event.resource_id,
                     STATUS_LABELS.get(event.status, event.status), event.attempts, event.received_at.isoformat(),
                     event.processed_at.isoformat() if event.processed_at else None, event.error, event.error_code,
                     event.resolution, event.status == WebhookEventStatus.FAILED, order_number)
