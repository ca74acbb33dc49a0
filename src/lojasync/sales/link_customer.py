"""Use case: the operator links a customer by hand to an order (rule 3): one that arrived without a
customer, or, when told so, one whose customer was wrong."""

from __future__ import annotations

from lojasync.sales.customers import Customer
from lojasync.sales.errors import (
    CustomerAlreadyLinked,
    CustomerFixedByDocument,
    CustomerNameRequired,
    CustomerNameTooLong,
    OrderNotFound,
)
from lojasync.sales.history import Actor, Who
from lojasync.sales.ports import SalesUnitOfWork
from lojasync.sales.typed_tax_id import typed_tax_id
from lojasync.sales.views import customer_ref
from lojasync.shared.text import clean_text, without_controls

# The customers table's name column.
MAX_NAME = 200


def link_customer(uow: SalesUnitOfWork, number: int, tax_id: str, name: str | None = None,
                  actor: Who = Actor.OPERATOR, force: bool = False) -> dict:
    """Link the customer with this CPF/CNPJ (created when a name is given) to order `number`.

    An order that already has another customer keeps it unless `force` is given; linking the customer the
    order already has changes nothing. The returned dict says which customer was replaced, if any.
    """
    # Typed by a person or sent by an integrator: NUL (refused by PostgreSQL), lone surrogates (no UTF-8) and
    # blanks are not a name; nor what reorders a page's text or drives a terminal, taken out as the import takes
    # it out of the store's names (review: a name linked by hand kept "\u202egpj.exe").
    name = (without_controls(clean_text(name)).strip() or None) if name else None
    if name and len(name) > MAX_NAME:
        raise CustomerNameTooLong(length=len(name), maximum=MAX_NAME)
    document = typed_tax_id(tax_id)
    with uow:
        # Locked: an NF-e authorised meanwhile (which fixes the customer) is seen, not written over (PostgreSQL).
        order = uow.orders.get(number, for_update=True)
        if order is None:
            raise OrderNotFound(number=number)
        current = order.customer
        if current is not None and current.tax_id == document.value:
            return {**customer_ref(current), "previous": None, "changed": False}
        if current is not None and order.is_processed():
            raise CustomerFixedByDocument(number=number, document=order.processed_by.label, current=current.name)
        if current is not None and not force:
            raise CustomerAlreadyLinked(number=number, current=current.name)
        customer = uow.customers.by_tax_id(document.value)
        if customer is None:
            if not name:
                raise CustomerNameRequired(number=number, kind=document.kind.value, document=document.formatted())
            customer = Customer(document.value, document.kind.value, name)
            uow.customers.add(customer)
        order.link_customer_manually(customer, actor)
        uow.commit()
        return {**customer_ref(customer), "previous": customer_ref(current) if current else None, "changed": True}
