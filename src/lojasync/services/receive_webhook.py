"""Use case `receive_webhook`: verify, record, and say whether a worker should drain the store.

A webhook is a notification, not data: nothing here calls the store API. The event row is committed
before the answer, so a delivery the platform considers done is never lost.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from lojasync.adapters.nuvemshop.events import KNOWN_EVENTS
from lojasync.adapters.nuvemshop.records import WebhookEvent, WebhookEventStatus
from lojasync.adapters.nuvemshop.signature import is_valid_signature
from lojasync.services.unit_of_work import UnitOfWork

log = logging.getLogger("lojasync.webhooks")


class WebhookRejected(Exception):
    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


@dataclass(frozen=True)
class ReceivedWebhook:
    event_id: int | None
    store_id: int | None
    event: str
    status: str


def receive_webhook(uow: UnitOfWork, body: bytes, signature: str | None, secret: str | None,
                    now: datetime | None = None) -> ReceivedWebhook:
    if not secret:
        raise WebhookRejected(503, "Webhooks desativados: configure LOJASYNC_NUVEMSHOP_CLIENT_SECRET "
                                   "com o client secret do app Nuvemshop.")
    if not is_valid_signature(body, signature, secret):
        raise WebhookRejected(401, "Assinatura X-Linkedstore-HMAC-SHA256 ausente ou inválida: "
                                   "notificação recusada e não registrada.")
    payload = _decode(body)
    event = str(payload["event"])
    external_store_id = str(payload["store_id"])
    resource = payload.get("id")
    now = now or datetime.now(timezone.utc)
    with uow:
        store = uow.stores.by_external_id(external_store_id)
        if store is None and event != "store/redact":
            raise WebhookRejected(404, f"Loja {external_store_id} não está conectada a este lojasync: "
                                       "notificação ignorada. Conecte a loja (instalação do app) ou "
                                       "remova o webhook.")
        record = WebhookEvent(store.id if store else None, external_store_id, event,
                              None if resource is None else str(resource), payload, now)
        if store is None:
            record.mark_done(now, WebhookEventStatus.IGNORED)
            record.error = "Loja já removida: nada a apagar."
        elif event not in KNOWN_EVENTS:
            log.info("unknown webhook event acknowledged", extra={"event": event, "store": external_store_id})
            record.mark_done(now, WebhookEventStatus.IGNORED)
            record.error = f"Evento '{event}' não é tratado pelo lojasync (registrado e ignorado)."
        uow.events.add(record)
        uow.commit()
        return ReceivedWebhook(record.id, record.store_id, event, record.status)


def _decode(body: bytes) -> dict:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected(400, f"Corpo da notificação não é JSON válido: {exc}") from exc
    if not isinstance(payload, dict) or "event" not in payload or "store_id" not in payload:
        raise WebhookRejected(400, "Notificação sem os campos 'event' e 'store_id'.")
    return payload
