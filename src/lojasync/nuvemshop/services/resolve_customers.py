"""Import dependency: the customers of a batch of orders, found by CPF/CNPJ or created (rule 3)."""

from __future__ import annotations

from lojasync.nuvemshop.model.bindings import CustomerBinding
from lojasync.nuvemshop.payloads import StoreOrder
from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.sales.customers import Customer
from lojasync.sales.order_data import OrderData


def resolve_customers(uow: ConnectorUnitOfWork, store_id: int, items: list[tuple[StoreOrder, OrderData]]
                      ) -> dict[str, Customer]:
    """Return the customer of each store order id that carries a valid document.

    One customer per document: an existing one is updated with the newest store data, a new one is
    created once even when several orders of the batch bring it.
    """
    with_document = [(order, data) for order, data in items if data.customer is not None]
    known = uow.customers.by_tax_ids(data.customer.tax_id.value for _, data in with_document)
    by_order: dict[str, Customer] = {}
    # Oldest first, so the newest order's contact data is the one that stays.
    for order, data in sorted(with_document, key=lambda item: _sort_key(item[0])):
        tax_id = data.customer.tax_id.value
        customer = known.get(tax_id)
        if customer is None:
            customer = Customer.from_data(data.customer, order.updated_at)
            uow.customers.add(customer)
            known[tax_id] = customer
        else:
            customer.update_from(data.customer, order.updated_at)
        by_order[order.id] = customer
    _bind_store_customers(uow, store_id, with_document, by_order)
    return by_order


def _bind_store_customers(uow: ConnectorUnitOfWork, store_id: int, items: list[tuple[StoreOrder, OrderData]],
                          by_order: dict[str, Customer]) -> None:
    order_by_store_customer = {order.customer.id: order.id for order, _ in items
                               if order.customer and order.customer.id}
    if not order_by_store_customer:
        return
    bindings = uow.bindings.customers_by_external_ids(store_id, order_by_store_customer)
    for store_customer_id, order_id in order_by_store_customer.items():
        customer = by_order[order_id]
        binding = bindings.get(store_customer_id)
        if binding is None:
            binding = CustomerBinding(store_id, store_customer_id)
            uow.bindings.add(binding)
        binding.customer = customer


def _sort_key(order: StoreOrder) -> float:
    return order.updated_at.timestamp() if order.updated_at else 0.0
