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
from lojasync.nuvemshop.services.outcomes import ImportResult
from lojasync.nuvemshop.services.stores import inactive_error
from lojasync.sales.errors import OrderNotFound
from lojasync.sales.history import Actor, Who
from lojasync.shared.errors import Action, LojasyncError


class OrderNotFromStore(LojasyncError):
    code = "nuvemshop.order_not_from_store"
    message_template = "O pedido {number} não veio de uma loja virtual: não há o que reler."
    resolution_template = "Só pedidos importados de uma loja podem ser relidos dela."


class StoreOrderGone(LojasyncError):
    code = "nuvemshop.store_order_gone"
    message_template = "O pedido {number} (nº {store_number} na loja) não existe mais na loja."
    resolution_template = ("Confira na loja se o pedido foi excluído. No ERP o pedido fica como está; se voltar a "
                           "existir na loja, a próxima notificação ou sincronização o atualiza.")
    action = Action.SYNC


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
    return import_orders(uow, store_id, [payload], policy, actor).results[0]
