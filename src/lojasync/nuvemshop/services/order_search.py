"""Read side with the store in view: the order list of one connected store, and an order found by the
number the store gave it. Which store an order came from is known only to the connector's bindings."""

from __future__ import annotations

from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.nuvemshop.services.stores import find_store
from lojasync.sales.errors import PlacedRangeInvalid
from lojasync.sales.views import OrderFilter, OrderPage, order_summaries, page_start
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
    if criteria.placed_from and criteria.placed_before and criteria.placed_from >= criteria.placed_before:
        raise PlacedRangeInvalid()
    with uow:
        store_id = find_store(uow, external_store_id).id if external_store_id else None
        page, offset = page_start(page, per_page)
        orders, total = uow.order_search.page(criteria, offset, per_page, store_id=store_id)
        return OrderPage(order_summaries(uow, orders), total, page, per_page)


def order_number_for_store_number(uow: ConnectorUnitOfWork, store_number: str,
                                  external_store_id: str | None = None) -> int:
    """The ERP number of the order the store numbered `store_number` (in that store, when given)."""
    with uow:
        store_id = find_store(uow, external_store_id).id if external_store_id else None
        found = uow.order_search.with_origin_number(store_number.strip().lstrip("#"), store_id=store_id)
        if not found:
            raise StoreNumberNotFound(number=store_number)
        if len(found) > 1:
            raise StoreNumberAmbiguous(number=store_number, count=len(found),
                                       orders=", ".join(str(o.id) for o in found))
        return found[0].id
