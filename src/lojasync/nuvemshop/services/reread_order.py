"""A processed order whose NF-e or venda simples was cancelled: the store's version applies again.

While the document stood, an import set the store's changes aside (rule 7: flagged, nothing undone) and took
that version as read (its content hash), so no later import would bring it: a store cancellation would stay
unapplied for good, and the order would look Confirmado, ready to be invoiced again. The document's
cancellation forgets the hash and queues a re-read of the store order, drained by the worker like a webhook
(the integration log shows it), in the cancellation's own transaction.
"""

from __future__ import annotations

from lojasync.fiscal.events import DocumentCancelled
from lojasync.nuvemshop.model.webhook_events import WebhookEvent
from lojasync.nuvemshop.ports import ConnectorUnitOfWork

REREAD = "order/updated"   # a notification only ever means "read order X again"


def reread_released_order(event: DocumentCancelled, uow: ConnectorUnitOfWork) -> None:
    binding = uow.bindings.for_orders([event.order.id]).get(event.order.id)
    if binding is None:
        return   # not from a store
    store = uow.stores.get(binding.store_id)
    if store is None:
        return
    binding.payload_hash = None   # the version set aside is to be imported, now that it may apply
    uow.webhook_events.add(WebhookEvent(store.id, store.external_id, REREAD, binding.external_id,
                                        {"store_id": store.external_id, "event": REREAD, "id": binding.external_id,
                                         "lojasync": f"reler o pedido: {event.document.label} cancelada"}))
