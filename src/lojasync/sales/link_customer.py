"""Use case: the operator links a customer by hand to an order that arrived without one (rule 3)."""

from __future__ import annotations

from lojasync.sales.customers import Customer
from lojasync.sales.errors import CustomerNameRequired, InvalidTaxId, OrderNotFound
from lojasync.sales.history import Actor
from lojasync.sales.ports import SalesUnitOfWork
from lojasync.sales.views import customer_ref
from lojasync.shared.tax_id import TaxId, parse_tax_id


def link_customer(uow: SalesUnitOfWork, number: int, tax_id: str, name: str | None = None,
                  actor: Actor = Actor.OPERATOR) -> dict:
    """Link the customer with this CPF/CNPJ (created when a name is given) to order `number`."""
    document = parse_tax_id(tax_id)
    if not isinstance(document, TaxId):
        reason = document.reason
        raise InvalidTaxId(reason=reason[0].upper() + reason[1:])
    with uow:
        order = uow.orders.get(number)
        if order is None:
            raise OrderNotFound(number=number)
        customer = uow.customers.by_tax_id(document.value)
        if customer is None:
            if not name:
                raise CustomerNameRequired(kind=document.kind.value, document=document.formatted())
            customer = Customer(document.value, document.kind.value, name)
            uow.customers.add(customer)
        order.link_customer_manually(customer, actor)
        uow.commit()
        return customer_ref(customer)
