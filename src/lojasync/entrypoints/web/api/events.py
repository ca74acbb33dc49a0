"""`/api/v1/events`: the notifications (webhooks) received from the store, with the error and "Resolução" of
the failed ones, and retrying them (back in the queue, the store drained): what `lojasync events` does."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from pydantic import Field

from lojasync.bootstrap import Container
from lojasync.entrypoints.web.api.deps import container
from lojasync.entrypoints.web.api.routing import api_router
from lojasync.entrypoints.web.api.types import LARGEST_ID, ApiModel, Id, WholeNumber
from lojasync.nuvemshop.services.events_admin import RetryOutcome, list_events, retry_events

router = api_router("/events", "Notificações da loja")


class EventOut(ApiModel):
    id: int
    store: str = Field(description="Id da loja na Nuvemshop.")
    event: str = Field(examples=["order/paid"])
    resource_id: str | None
    status: str = Field(description="pendente, processado, com erro ou ignorado.")
    attempts: int
    received_at: datetime   # in UTC with "Z", as every moment of the API (it was the stored text, "+00:00")
    processed_at: datetime | None
    error: str | None
    error_code: str | None
    resolution: str | None
    retryable: bool = Field(description="Falhou: pode ser reprocessado.")
    order_number: int | None = Field(description="O pedido no ERP de que a notificação trata, quando importado.")


class RetryOut(ApiModel):
    stores: list[str] = Field(description="Lojas cuja fila foi reprocessada (o id na Nuvemshop, como em `store`).")
    retried: bool = Field(description="Falso: nenhuma foi recolocada na fila (não havia notificação com erro, ou "
                                      "todas são de lojas desativadas: veja `left`).")
    left: int = Field(description=(
        "Notificações com erro deixadas como estavam por serem de loja desativada: reprocessadas, seriam "
        "ignoradas sem ler o pedido. Reative a loja (ou reconecte-a, se o app foi desinstalado) e reprocesse."))
    left_stores: list[str] = Field(description="As lojas desativadas dessas notificações (o id na Nuvemshop).")
    left_uninstalled: list[str] = Field(description=(
        "Dessas lojas, aquelas em que o app foi desinstalado: reconecte-as (reinstale o app ou cadastre o token "
        "novo); as outras foram desativadas no lojasync: reative-as."))


@router.get("", response_model=list[EventOut], summary="Lista as notificações, das mais novas para as mais antigas")
def list_(failed: Annotated[bool, Query(description="Só as que falharam.")] = False,
          limit: Annotated[WholeNumber, Query(ge=1, le=1000, description="Quantas, das mais novas.")] = 50,
          before: Annotated[WholeNumber | None, Query(ge=1, le=LARGEST_ID, description=(
              "Só as anteriores a esta (id): a página seguinte é `before` = o menor id da página atual."))] = None,
          app: Container = Depends(container)) -> list[EventOut]:
    return [EventOut.model_validate(e)
            for e in list_events(app.read_uow(), failed_only=failed, limit=limit, before=before)]


@router.post("/retry", response_model=RetryOut, summary="Reprocessa todas as notificações com erro",
             description=("As de lojas desativadas ficam com erro, contadas em `left`: reative a loja antes (ou "
                          "reconecte-a, se o app foi desinstalado: veja `left_uninstalled`)."))
def retry_all(request: Request, app: Container = Depends(container)) -> RetryOut:
    return _drain(request, retry_events(app.uow(), None, all_failed=True))


@router.post("/{event_id}/retry", response_model=RetryOut, summary="Reprocessa uma notificação com erro",
             description=("Uma notificação de loja desativada é recusada com 409 (`nuvemshop.event_store_disabled`, "
                          "ou `nuvemshop.event_store_inactive` se o app foi desinstalado) e fica com erro: "
                          "reprocessada, seria ignorada sem ler o pedido. Reative a loja antes (ou reconecte-a, se o "
                          "app foi desinstalado)."))
def retry(event_id: Id, request: Request, app: Container = Depends(container)) -> RetryOut:
    return _drain(request, retry_events(app.uow(), event_id))


def _drain(request: Request, outcome: RetryOutcome) -> RetryOut:
    queue = request.app.state.queue
    for store in outcome.stores:
        queue.drain_soon(store.id)
    return RetryOut(stores=[store.external_id for store in outcome.stores], retried=bool(outcome.stores),
                    left=outcome.left, left_stores=list(outcome.left_stores),
                    left_uninstalled=list(outcome.uninstalled))
