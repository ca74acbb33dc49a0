"""Use case `resync_order`: read one order from the store now and import it again (the "reprocessar" of
Bling and Tiny), for an operator who sees an order that looks stale or wrong.

The same import as every other one: an order whose content did not change stays as it is, and an order
the back office already processed is flagged, never overwritten.
"""

from __future__ import annotations

from lojasync.nuvemshop.client.errors import NotFoundError
from lojasync.nuvemshop.ports import ClientFactory, ConnectorUnitOfWork
from lojasync.nuvemshop.services.import_orders import import_orders
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.outcomes import ImportResult, Outcome
from lojasync.nuvemshop.services.stores import inactive_error
from lojasync.sales.errors import OrderNotFound
from lojasync.sales.history import Actor, Who
from lojasync.shared.errors import Action, LojasyncError


class OrderNotFromStore(LojasyncError):
    code = "nuvemshop.order_not_from_store"
    message_template = "O pedido {number} não veio de uma loja: não há o que reler."
    resolution_template = "Só pedidos importados de uma loja podem ser relidos dela."


class StoreOrderGone(LojasyncError):
    code = "nuvemshop.store_order_gone"
    message_template = "O pedido {number} (nº {store_number} na loja) não existe mais na loja."
    resolution_template = ("Confira na loja se o pedido foi excluído. No ERP o pedido fica como está; se voltar a "
                           "existir na loja, a próxima notificação ou sincronização o atualiza.")
    action = Action.SYNC


KEPT_FOR_THE_NEXT_SYNC = "O erro fica no histórico do pedido, e a próxima sincronização tenta de novo."


class ResyncNotImported(LojasyncError):
    """The store answered with the order and the import refused it: kept with its error (the store's log, the
    order's history) and tried again by the next sync, as any import's failure. An error, not an outcome: the API
    answered 200 for it, and a program took the order for updated (review)."""

    code = "nuvemshop.resync_not_imported"
    message_template = "O pedido {number} foi relido da loja, mas não importado: {reason}"

    def __init__(self, number: int, failure: LojasyncError) -> None:
        super().__init__(resolution=failure.resolution or KEPT_FOR_THE_NEXT_SYNC, action=failure.action,
                         retryable=failure.retryable,
                         number=number, reason=failure.message, cause=failure.code)


def resync_order(uow: ConnectorUnitOfWork, client_factory: ClientFactory, policy: ImportPolicy, number: int,
                 actor: Who = Actor.OPERATOR) -> ImportResult:
    """Fetch order `number` (the ERP's number) from its store and import it; return how it ended."""
    with uow:
        order = uow.orders.get(number)
        if order is None:
            raise OrderNotFound(number=number)
        binding = uow.bindings.for_orders([order.id]).get(order.id)
        if binding is None:
            raise OrderNotFromStore(number=number)
        store = uow.stores.get(binding.store_id)
        if not store.active:
            raise inactive_error(uow, store)
        store_id, external_id = store.id, binding.external_id
        store_number = binding.external_number or order.origin_number or external_id
        client = client_factory(store)
    # No transaction stays open while the store answers.
    try:
        payload = client.get_order(external_id)
    except NotFoundError as exc:
        raise StoreOrderGone(number=number, store_number=store_number) from exc
    finally:
        client.close()
    result = import_orders(uow, store_id, [payload], policy, actor).results[0]
    if result.outcome is Outcome.FAILED:
        raise ResyncNotImported(number, result.error or LojasyncError(result.message))
    return result
