"""`/api/v1/customers`: set or clear a customer's inscrição estadual (IE), which the store never sends and which
decides the NF-e's CFOP and indIEDest; the service `lojasync customers ie` and the order page call."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Depends, Path
from pydantic import Field

from lojasync.bootstrap import Container
from lojasync.entrypoints.web.api.deps import container
from lojasync.entrypoints.web.api.routing import api_router
from lojasync.entrypoints.web.api.types import ApiInput, ApiModel
from lojasync.entrypoints.web.auth import api_person
from lojasync.sales.customer_registration import set_state_registration
from lojasync.sales.history import Person

router = api_router("/customers", "Clientes")

# In a path a formatted CNPJ's "/" would split it: digits (and the letters of an alphanumeric CNPJ), maybe
# with dots and a dash.
Document = Annotated[str, Path(pattern=r"^[0-9A-Za-z.\-]{11,18}$",
                               description="CPF ou CNPJ do cliente, sem barra (ex.: 11222333000181).")]


class StateRegistrationIn(ApiInput):
    state_registration: str | None = Field(max_length=40, description=(
        "Inscrição estadual (com ou sem pontuação), conferida com o estado do endereço do cliente; ISENTO para "
        "contribuinte isento; vazio, null ou \"-\" apaga (não contribuinte do ICMS); um texto sem números que não "
        "seja ISENTO é recusado (422), nunca lido como \"apagar\"."))
    order: int | None = Field(None, ge=1, le=2**31 - 1, strict=True, description=(
        "Pedido do cliente cujo endereço confere a IE quando o cadastro do cliente não tem endereço."))


class CustomerFiscalOut(ApiModel):
    id: int
    name: str
    tax_id: str = Field(description="CPF ou CNPJ, só dígitos (e letras, no CNPJ alfanumérico).")
    kind: str = Field(description="CPF ou CNPJ.")
    state_registration: str | None = Field(description="A IE guardada: dígitos, ISENTO ou vazio.")
    contributor: str = Field(description="contributor (indIEDest 1), exempt (2) ou non_contributor (9).")
    contributor_label: str
    changed: bool = Field(description="Falso quando a IE já era essa.")


@router.put("/{document}/ie", response_model=CustomerFiscalOut,
            summary="Grava ou apaga a inscrição estadual do cliente (vale para as NF-e geradas daqui em diante)")
def put_state_registration(document: Document, body: Annotated[StateRegistrationIn, Body()],
                           app: Container = Depends(container),
                           who: Person = Depends(api_person)) -> CustomerFiscalOut:
    customer = set_state_registration(app.uow(), document, body.state_registration, order_number=body.order,
                                      actor=who)
    return CustomerFiscalOut.model_validate(customer)
