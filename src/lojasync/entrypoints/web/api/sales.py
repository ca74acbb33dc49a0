"""`/api/v1/sales`: vendas simples (a sale without NF-e) generated from orders. List, show, confirm (stock down,
receivables up, once) and cancel: the services `lojasync sales` calls."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Query, Request, Response
from pydantic import Field

from lojasync.bootstrap import Container
from lojasync.entrypoints.web.api.deps import container
from lojasync.entrypoints.web.api.invoices import (
    ERASURE_PENDING_DESCRIPTION,
    TO_CHECK_DESCRIPTION,
    DocumentLineOut,
    receivables_to_check,
)
from lojasync.entrypoints.web.api.routing import api_router
from lojasync.entrypoints.web.api.types import LARGEST_ID, TOTAL_HEADER, WITH_TOTAL, ApiModel, Id, Money, WholeNumber
from lojasync.entrypoints.web.auth import api_person
from lojasync.entrypoints.web.store_pushes import push_soon
from lojasync.fiscal.services.simple_sales import cancel_sale, confirm_sale
from lojasync.fiscal.services.views import SaleView, counted_sales, show_sale
from lojasync.fiscal.simple_sales import SaleStatus
from lojasync.nuvemshop.services.lgpd.redaction import erasure_still_pending
from lojasync.sales.history import Person

router = api_router("/sales", "Vendas simples")


class SaleSituation(StrEnum):
    """As `lojasync sales list --status` takes it: in Portuguese, or as the answers' `status` says it."""

    PENDING = "pendente"
    CONFIRMED = "confirmada"
    CANCELLED = "cancelada"
    # The stored values: a program filters with the `status` it reads in the answers.
    PENDING_STORED = "pending"
    CONFIRMED_STORED = "confirmed"
    CANCELLED_STORED = "cancelled"


_STORED = {SaleSituation.PENDING: SaleStatus.PENDING, SaleSituation.CONFIRMED: SaleStatus.CONFIRMED,
           SaleSituation.CANCELLED: SaleStatus.CANCELLED,
           **{SaleSituation(status.value): status for status in SaleStatus}}


class SaleOut(ApiModel):
    id: int
    status: SaleStatus = Field(description="Situação guardada (em inglês, estável para programas).")
    status_label: str
    order_number: int
    store_number: str | None = Field(description="Número do pedido na loja.")
    total: Money
    payment_method: str | None
    installments: int | None
    customer_id: int | None
    lines: list[DocumentLineOut]
    created_at: datetime | None
    confirmed_at: datetime | None
    cancelled_at: datetime | None


class SaleChange(ApiModel):
    sale: SaleOut
    changed: bool = Field(description="Se esta chamada mudou a venda (falso: já estava assim).")
    receivables_to_check: str | None = Field(None, description=TO_CHECK_DESCRIPTION)
    personal_data_erasure_pending: str | None = Field(None, description=ERASURE_PENDING_DESCRIPTION)


def sale_out(view: SaleView) -> SaleOut:
    return SaleOut.model_validate(view)


@router.get("", response_model=list[SaleOut], summary="Lista as vendas simples, da mais nova para a mais antiga",
            responses=WITH_TOTAL)
def list_(response: Response, status: Annotated[SaleSituation | None, Query(description=(
              "Situação: em português (confirmada) ou como `status` a diz (confirmed)."))] = None,
          limit: Annotated[WholeNumber, Query(ge=1, le=1000, description="Quantas, das mais novas.")] = 100,
          offset: Annotated[WholeNumber, Query(ge=0, le=LARGEST_ID, description=(
              "Quantas pular, das mais novas: a próxima página é offset + limit."))] = 0,
          app: Container = Depends(container)) -> list[SaleOut]:
    found, total = counted_sales(app.read_uow(), _STORED.get(status), limit, offset)
    response.headers[TOTAL_HEADER] = str(total)
    return [sale_out(s) for s in found]


@router.get("/{sale_id}", response_model=SaleOut, summary="Uma venda simples com seus itens")
def show(sale_id: Id, app: Container = Depends(container)) -> SaleOut:
    return sale_out(show_sale(app.read_uow(), sale_id))


@router.post("/{sale_id}/confirm", response_model=SaleChange,
             summary="Confirma a venda: baixa o estoque e cria as contas a receber (uma vez só)")
def confirm(sale_id: Id, request: Request, app: Container = Depends(container),
            who: Person = Depends(api_person)) -> SaleChange:
    sale, changed = confirm_sale(app.uow(), sale_id, who)
    if changed:
        push_soon(request)
    return SaleChange(sale=sale_out(sale), changed=changed)


@router.post("/{sale_id}/cancel", response_model=SaleChange,
             summary="Cancela a venda; confirmada, devolve o estoque e cancela as contas a receber em aberto")
def cancel(sale_id: Id, request: Request, app: Container = Depends(container),
           who: Person = Depends(api_person)) -> SaleChange:
    sale, changed = cancel_sale(app.uow(), sale_id, who)
    if changed:
        push_soon(request)
    to_check = (receivables_to_check(app, "simple_sale", sale.id, sale.order_number)
                if sale.status == "cancelled" else None)
    # Only a confirmed sale owed an erasure (its data were kept for it).
    erasure = erasure_still_pending(app.read_uow(), sale.order_number) if changed and sale.confirmed_at else None
    return SaleChange(sale=sale_out(sale), changed=changed, receivables_to_check=to_check,
                      personal_data_erasure_pending=erasure)
