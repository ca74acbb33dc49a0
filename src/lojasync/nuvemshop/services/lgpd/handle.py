"""Use case `handle_lgpd_event`: check an LGPD notification and send it to its handler.

Redaction blanks the personal data that came from the store and keeps the orders and their totals
(accounting). An order with an approved NF-e or a confirmed sale keeps the recipient's name, CPF/CNPJ
and billing address: fiscal law requires them, and the order's history says so.
"""

from __future__ import annotations

from lojasync.nuvemshop.errors import LgpdRequestError
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.model.webhook_events import WebhookEvent
from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.nuvemshop.services.lgpd.data_request import data_request
from lojasync.nuvemshop.services.lgpd.redaction import customers_redact, store_redact

_HANDLERS = {
    "store/redact": store_redact,
    "customers/redact": customers_redact,
    "customers/data_request": data_request,
}


def handle_lgpd_event(uow: ConnectorUnitOfWork, store: Store | None, event: WebhookEvent) -> str:
    """Apply one LGPD webhook inside the caller's transaction (the caller commits); return a summary."""
    if store is None:
        raise LgpdRequestError(f"Notificação LGPD {event.event} de uma loja que não está conectada.")
    handler = _HANDLERS.get(event.event)
    if handler is None:
        raise LgpdRequestError(f"Evento '{event.event}' não é uma notificação LGPD.")
    body = event.body
    if not isinstance(body, dict):
        raise LgpdRequestError(f"Notificação LGPD {event.event} sem corpo JSON (objeto) válido.")
    if body.get("store_id") is None or str(body["store_id"]).strip() != store.external_id:
        raise LgpdRequestError(f"Notificação LGPD {event.event}: store_id {body.get('store_id')!r} do corpo não "
                               f"corresponde à loja {store.external_id}.")
    return handler(uow, store, event, body)
