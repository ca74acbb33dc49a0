"""Read side with the store in view: the order list of one connected store, and an order found by the
number the store gave it. Which store an order came from is known only to the connector's bindings."""

from __future__ import annotations

from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.nuvemshop.services.stores import find_store
from lojasync.sales.views import OrderFilter, OrderPage, matching_orders, orders_with_store_number, page_of
from lojasync.shared.errors import Action, LojasyncError


class StoreNumberNotFound(LojasyncError):
    code = "nuvemshop.store_number_not_found"
    message_template = "Nenhum pedido com o número {number} da loja."
    resolution_template = ("Confira o número na loja. Se o pedido é novo e ainda não chegou, sincronize a loja; "
                           "se a loja não é a única conectada, informe qual com --store.")
    action = Action.SYNC


class StoreNumberAmbiguous(LojasyncError):
    code = "nuvemshop.store_number_ambiguous"
    message_template = "Há {count} pedidos com o número {number} da loja, de lojas diferentes (pedidos {orders})."
    resolution_template = "Diga de qual loja é o pedido."
    action = Action.CHOOSE_STORE


def search_store_orders(uow: ConnectorUnitOfWork, criteria: OrderFilter, external_store_id: str | None = None,
                        page: int = 1, per_page: int | None = None) -> OrderPage:
    """One page of the orders that match, newest first; only one store's with `external_store_id`."""
    with uow:
        matches = matching_orders(uow, criteria)
        if external_store_id:
            store = find_store(uow, external_store_id)
            # Every match's binding is read to learn its store: the bindings will be asked by store.
            bindings = uow.bindings.for_orders(o.id for o in matches)
            matches = [o for o in matches if o.id in bindings and bindings[o.id].store_id == store.id]
        return page_of(uow, matches, page, per_page)


def order_number_for_store_number(uow: ConnectorUnitOfWork, store_number: str,
                                  external_store_id: str | None = None) -> int:
    """The ERP number of the order the store numbered `store_number` (in that store, when given)."""
    with uow:
        found = orders_with_store_number(uow, store_number)
        if external_store_id:
            store = find_store(uow, external_store_id)
            bindings = uow.bindings.for_orders(o.id for o in found)
            found = [o for o in found if o.id in bindings and bindings[o.id].store_id == store.id]
        if not found:
            raise StoreNumberNotFound(number=store_number)
        if len(found) > 1:
            raise StoreNumberAmbiguous(number=store_number, count=len(found),
                                       orders=", ".join(str(o.id) for o in found))
        return found[0].id
