"""`/api/v1/orders/{number}/tracking`: record the tracking code (and link) of an order's shipment, as the Pedido
page's "Rastreio do envio" form and `lojasync orders tracking` do. An order that came from the store is marked
shipped there with it by the worker (the store tells the customer); the same code again changes nothing."""

from __future__ import annotations

from fastapi import Depends, Request
from pydantic import Field

from lojasync.bootstrap import Container
from lojasync.entrypoints.web.api.deps import container
from lojasync.entrypoints.web.api.routing import api_router
from lojasync.entrypoints.web.api.types import ApiInput, ApiModel, Id
from lojasync.entrypoints.web.auth import api_person
from lojasync.entrypoints.web.store_pushes import push_soon
from lojasync.sales.history import Person
from lojasync.sales.tracking import KEEP_LINK, MAX_CODE, MAX_URL, record_tracking

router = api_router("/orders", "Pedidos")


class TrackingIn(ApiInput):
    # Bounded loosely: the service's own check answers a code or link too long in words (422).
    code: str = Field(max_length=4 * MAX_CODE, description=f"Código de rastreio da transportadora (até {MAX_CODE} "
                      "letras, números, '-', '.', '_' ou '/').", examples=["AA123456789BR"])
    url: str | None = Field(None, max_length=4 * MAX_URL, description=(
        "Página de rastreio do envio (http:// ou https://); vazio ou null: nenhuma. Fora do corpo: o mesmo código "
        "mantém o link já gravado, e um código novo fica sem link."),
        examples=["https://rastreamento.correios.com.br/app/index.php?objeto=AA123456789BR"])


class TrackingRecordedOut(ApiModel):
    number: int = Field(description="Número do pedido no ERP.")
    tracking_code: str
    tracking_url: str | None
    changed: bool = Field(description="Se esta chamada mudou o pedido (falso: já tinha este código e este link).")
    from_store: bool = Field(description="Se o pedido veio da loja: então o código vai para ela (fila de "
                             "atualizações da loja), que marca o pedido como enviado e avisa o cliente.")


@router.put("/{number}/tracking", response_model=TrackingRecordedOut,
            summary="Registra o código de rastreio do envio (vai para a loja, se o pedido veio dela)")
def put_tracking(number: Id, body: TrackingIn, request: Request, app: Container = Depends(container),
                 who: Person = Depends(api_person)) -> TrackingRecordedOut:
    """Recusas: pedido inexistente (404), código ou link inválido (422), pedido cancelado (409)."""
    url = body.url if "url" in body.model_fields_set else KEEP_LINK
    recorded = record_tracking(app.uow(), number, body.code, url, actor=who)
    if recorded["from_store"] and recorded["changed"]:
        push_soon(request)   # "em instantes", as from the page and the terminal (review: it waited for housekeeping)
    return TrackingRecordedOut.model_validate(recorded)
