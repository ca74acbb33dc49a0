"""Use case `receive_webhook`: verify, record, and say whether a worker should drain the store.

A webhook is a notification, not data: nothing here calls the store API. The event row is committed
(by the inbox) before the answer, so a delivery the platform considers done is never lost.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol

from lojasync.nuvemshop.errors import WebhookRejected
from lojasync.nuvemshop.model.webhook_events import WebhookEventStatus
from lojasync.nuvemshop.signature import is_valid_signature
from lojasync.nuvemshop.webhook_topics import KNOWN_EVENTS, LGPD_EVENTS, ORDER_EVENTS
from lojasync.shared.text import clean_text

log = logging.getLogger("lojasync.webhooks")

__all__ = ["Inbox", "ReceivedWebhook", "WebhookRejected", "accept_webhook", "receive_webhook"]


@dataclass(frozen=True)
class ReceivedWebhook:
    store_id: int | None
    event: str
    status: str


class Inbox(Protocol):
    def store_for_webhook(self, external_id: str) -> int | None: ...
    def record(self, row: dict) -> None: ...


def receive_webhook(inbox: Inbox, body: bytes, signature: str | None, secret: str | None,
                    now: datetime | None = None, event: str | None = None) -> ReceivedWebhook:
    """Verify and record a notification; raise WebhookRejected (with the HTTP status) otherwise."""
    received, row = accept_webhook(inbox, body, signature, secret, now, event)
    inbox.record(row)
    return received


def accept_webhook(inbox: Inbox, body: bytes, signature: str | None, secret: str | None,
                   now: datetime | None = None, event: str | None = None) -> tuple[ReceivedWebhook, dict]:
    """Verify a notification and build its row; the caller records it (and answers only after that).

    `event`: the LGPD notification its address stands for (`LGPD_EVENTS`). The platform sends those to the URL set
    for each in the partner portal, with no "event" in the body (`{store_id, customer, orders_to_redact}`): all of
    them were refused with 400 for want of it, and nobody's data was ever erased or exported (LGPD review)."""
    if not secret:
        raise WebhookRejected(503, "Webhooks desativados: configure LOJASYNC_NUVEMSHOP_CLIENT_SECRET "
                                   "com o client secret do app Nuvemshop.")
    if not is_valid_signature(body, signature, secret):
        raise WebhookRejected(401, "Assinatura X-Linkedstore-HMAC-SHA256 ausente ou inválida: "
                                   "notificação recusada e não registrada.")
    payload = _decode(body, event)
    # Cleaned before anything reads them: the status, the log and the stored row agree on one spelling.
    event = clean_text(str(payload.get("event", event)))
    external_store_id = clean_text(str(payload["store_id"]))
    resource = _resource_id(payload.get("id"))
    now = now or datetime.now(timezone.utc)
    # Longer than the column, it cannot be a connected store: no lookup, and no giant key in its cache.
    store_id = inbox.store_for_webhook(external_store_id) if len(external_store_id) <= 40 else None
    if store_id is None and event != "store/redact":
        # An LGPD notification is no webhook to remove: the partner portal sends it for every store of the app.
        way_out = "" if event in LGPD_EVENTS else " ou remova o webhook"
        raise WebhookRejected(404, f"Loja {external_store_id} não está conectada a este lojasync: "
                                   f"notificação ignorada. Conecte a loja (instalação do app){way_out}.")
    status, note = WebhookEventStatus.PENDING, None
    if store_id is None:
        status, note = WebhookEventStatus.IGNORED, "Loja já removida: nada a apagar."
    elif event not in KNOWN_EVENTS:
        log.info("unknown webhook event acknowledged", extra={"event": event, "external_store_id": external_store_id})
        status = WebhookEventStatus.IGNORED
        note = f"Evento '{event}' não é tratado pelo lojasync (registrado e ignorado)."
    elif event in ORDER_EVENTS and resource is None:
        # Nothing to read from the store: left pending, it was never finished and held the store's drain in a loop
        # (review: "id": "" kept the worker spinning and every other notification of the store waiting).
        status = WebhookEventStatus.IGNORED
        note = (f"Notificação {event} sem o número do pedido: nada a ler da loja (registrada e ignorada). A "
                "reconciliação periódica traz o pedido, se ele mudou.")
    row = {
        "store_id": store_id, "external_store_id": external_store_id[:40], "event": event[:60],
        "resource_id": resource, "body": payload,
        "received_at": now, "status": status, "attempts": 0, "error": note,
        "processed_at": now if status != WebhookEventStatus.PENDING else None,
    }
    return ReceivedWebhook(store_id, event, status), row


def _resource_id(value: object) -> str | None:
    """The id the notification names, as the store's order ids are kept: None when it names none (absent, blank,
    NUL alone); 1700000001.0 (a JSON number with a point) as 1700000001, which the store's API knows."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value)).strip()[:40] or None


def _decode(body: bytes, event: str | None) -> dict:
    try:
        payload = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as exc:  # thousands of nested brackets: a hostile body, not a notification
        raise WebhookRejected(400, "Corpo da notificação aninhado demais: notificação recusada.") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected(400, f"Corpo da notificação não é JSON válido: {exc}") from exc
    if event is None:
        if not isinstance(payload, dict) or "event" not in payload or "store_id" not in payload:
            raise WebhookRejected(400, "Notificação sem os campos 'event' e 'store_id'.")
        return payload
    if not isinstance(payload, dict) or "store_id" not in payload:
        raise WebhookRejected(400, f"Notificação {event} sem o campo 'store_id'.")
    if "event" in payload and payload["event"] != event:
        raise WebhookRejected(400, f"Notificação {payload['event']!s:.60} enviada ao endereço de {event}: confira os "
                                   "endereços das notificações LGPD no Portal de Parceiros da Nuvemshop.")
    return payload


def _refuse_constant(name: str) -> float:
    # NaN and Infinity are not JSON: SQLite would store them, PostgreSQL refuses the whole row. Refused
    # here, both backends answer the same 400.
    raise ValueError(f"{name} não é um número JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as infinity: the same trouble as "Infinity"
        raise ValueError(f"número fora do intervalo: {text[:20]}")
    return value
