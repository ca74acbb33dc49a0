"""`/api/v1/orders/{number}/customer`: link a customer to an order by hand, as the Pedido page's "Sem cliente
vinculado" form does (rule 3): by CPF/CNPJ, created with the name given when no customer has it yet; replacing
the customer an order already has only when asked. The service `lojasync orders link-customer` calls."""

from __future__ import annotations

from fastapi import Depends
from pydantic import Field

from lojasync.bootstrap import Container
from lojasync.entrypoints.web.api.deps import container
from lojasync.entrypoints.web.api.orders import CustomerOut
from lojasync.entrypoints.web.api.routing import api_router
from lojasync.entrypoints.web.api.types import ApiInput, ApiModel, Id
from lojasync.entrypoints.web.auth import api_person
from lojasync.sales.history import Person
from lojasync.sales.link_customer import MAX_NAME, link_customer

router = api_router("/orders", "Pedidos")


class CustomerLink(ApiInput):
    tax_id: str = Field(min_length=1, max_length=40, description="CPF ou CNPJ do cliente, com ou sem pontuação "
                        "(o CNPJ alfanumérico também).", examples=["390.533.447-05"])
    name: str | None = Field(None, max_length=MAX_NAME, description=(
        "Nome, para cadastrar o cliente junto com o vínculo: só é preciso quando ainda não há cliente com esse "
        "CPF/CNPJ (se houver, ele é vinculado e o nome é ignorado)."), examples=["Ana Pereira"])
    replace: bool = Field(False, strict=True, description=(
        "Trocar o cliente que o pedido já tem (o histórico guarda o anterior). Sem isso, um pedido que já tem "
        "outro cliente é recusado (409 sales.customer_already_linked)."))


class CustomerLinkOut(ApiModel):
    customer: CustomerOut = Field(description="O cliente vinculado ao pedido.")
    previous: CustomerOut | None = Field(description="O cliente que foi substituído, quando havia outro.")
    changed: bool = Field(description="Se esta chamada mudou o pedido (falso: já tinha este cliente).")


@router.post("/{number}/customer", response_model=CustomerLinkOut,
             summary="Vincula um cliente ao pedido pelo CPF/CNPJ (cadastrado com o nome dado, se ainda não existe)")
def link(number: Id, body: CustomerLink, app: Container = Depends(container),
         who: Person = Depends(api_person)) -> CustomerLinkOut:
    """Recusas: pedido inexistente (404), CPF/CNPJ inválido ou nome ausente para um cliente novo (422), pedido
    que já tem outro cliente sem `replace` (409)."""
    linked = link_customer(app.uow(), number, body.tax_id, body.name, actor=who, force=body.replace)
    return CustomerLinkOut(customer=CustomerOut.model_validate(linked),
                           previous=CustomerOut.model_validate(linked["previous"]) if linked["previous"] else None,
                           changed=linked["changed"])
