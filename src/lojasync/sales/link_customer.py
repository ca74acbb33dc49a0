"""Use case: the operator links a customer by hand to an order that arrived without one (rule 3)."""

from __future__ import annotations

from lojasync.sales.customers import Customer
from lojasync.shared.tax_id import TaxId, parse_tax_id
from lojasync.sales.views import OrderNotFound, customer_ref
from lojasync.db.unit_of_work import UnitOfWork


class CustomerLinkError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def link_customer(uow: UnitOfWork, number: int, tax_id: str, name: str | None = None) -> dict:
    """Link the customer with this CPF/CNPJ (created when a name is given) to order `number`."""
    document = parse_tax_id(tax_id)
    if not isinstance(document, TaxId):
        raise CustomerLinkError(f"{document.reason[0].upper()}{document.reason[1:]}. Informe um CPF ou CNPJ válido.")
    with uow:
        order = uow.orders.get(number)
        if order is None:
            raise OrderNotFound(number)
        customer = uow.customers.by_tax_id(document.value)
        if customer is None:
            if not name:
                raise CustomerLinkError(
                    f"Nenhum cliente com {document.kind} {document.formatted()}. Informe --name para cadastrá-lo.")
            customer = Customer(document.value, document.kind.value, name)
            uow.customers.add(customer)
        order.link_customer_manually(customer)
        binding = uow.bindings.for_order(order.id)
        if binding is not None:
            uow.log.record(binding.store_id, binding.external_id, "customer_linked",
                           f"Cliente {customer.name} ({document.masked()}) vinculado manualmente.",
                           order=order, details={"source": "operador"})
        uow.commit()
        return customer_ref(customer)
