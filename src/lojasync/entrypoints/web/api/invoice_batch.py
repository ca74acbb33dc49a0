"""`/api/v1/invoices/batch`: NF-e for many orders in one call, as Pedidos/Orçamentos' "Gerar NF-e em lote" and
`lojasync orders invoice` do (the same service): each order generated and transmitted on its own, a failure
named and the run going on, and the summary per order: authorised, rejected by SEFAZ (code and reason), not
transmitted because SEFAZ was down, or refused (the error's code, message and resolution).

With `background`, the call answers at once (202) and the batch runs in the server, as the back office's does:
200 orders at a slow SEFAZ outlast a reverse proxy's timeout. `GET /invoices/batches/{id}` follows it."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from lojasync.bootstrap import Container
from lojasync.entrypoints.web.api.deps import container, sefaz
from lojasync.entrypoints.web.api.invoices import InvoiceOut, invoice_out
from lojasync.entrypoints.web.api.orders import STATUS_OF, OrderSituation
from lojasync.entrypoints.web.api.routing import LOCATION, api_router, document_address
from lojasync.entrypoints.web.api.types import LARGEST_ID, ApiErrorBody, ApiInput, ApiModel, Id, IsoDay
from lojasync.entrypoints.web.auth import api_person
from lojasync.entrypoints.web.batch_runs import run_after_answering
from lojasync.entrypoints.web.store_pushes import push_soon
from lojasync.entrypoints.worker_words import no_worker_words
from lojasync.fiscal.invoices import InvoiceStatus
from lojasync.fiscal.services.batch import (
    BATCH_LIMIT,
    ORDER_HAS_DOCUMENT,
    STILL_AWAITING,
    BatchItem,
    BatchReport,
    awaiting_in,
    held_by_running_batches,
    invoice_orders,
    orders_to_invoice,
    unsent_in,
)
from lojasync.fiscal.services.batch_reports import kept_batch, start_batch
from lojasync.fiscal.services.invoices import Sefaz
from lojasync.sales.history import Person
from lojasync.shared.errors import LojasyncError
from lojasync.shared.local_zone import day_start

router = api_router("/invoices", "NF-e")

OrderNumber = Annotated[int, Field(ge=1, le=LARGEST_ID, strict=True)]


class BatchChoiceInvalid(LojasyncError):
    code = "web.batch_choice_invalid"
    message_template = "Lote de NF-e sem escolha clara dos pedidos: {reason}."
    resolution_template = ('Envie "orders" com os números dos pedidos (até {limit}) ou "status" com a situação '
                           "(em-aberto, confirmado ou cancelado), um dos dois.")


class InvoiceBatch(ApiInput):
    orders: list[OrderNumber] | None = Field(None, min_length=1, description=(
        f"Números dos pedidos no ERP, até {BATCH_LIMIT} (repetidos contam uma vez)."), examples=[[1021, 1022]])
    status: OrderSituation | None = Field(None, description=(
        "Em vez dos números: os pedidos nesta situação que nunca tiveram NF-e nem venda simples (uma NF-e "
        "descartada, que nada movimentou, não conta; um com NF-e ou venda cancelada, só pelo número) e, quando "
        "transmite, também os de NF-e só gerada (pendente, que esta "
        "chamada transmite com o número que já tem), dos mais antigos aos "
        f"mais novos, até {BATCH_LIMIT} por chamada (\"remaining\" diz quantos ficaram para a próxima)."))
    placed_from: IsoDay | None = Field(None, description=(
        "Com \"status\": só os pedidos feitos a partir deste dia (AAAA-MM-DD, no fuso do lojista). Numa loja "
        "conectada com o histórico, os pedidos que o sistema anterior já faturou também vêm confirmados e sem NF-e: "
        "informe o dia em que o lojasync passou a faturar."))
    approve: bool = Field(True, strict=True, description=(
        "Transmite cada NF-e à SEFAZ logo após gerá-la (padrão); falso só gera (pendentes, nada se move até a "
        "aprovação)."))
    background: bool = Field(False, strict=True, description=(
        "Responde já (202) e roda o lote no servidor; acompanhe em GET /api/v1/invoices/batches/{id} (o "
        "cabeçalho Location). Para lotes que passariam do tempo limite de um proxy: 200 pedidos com a SEFAZ "
        "lenta levam minutos."))


    @field_validator("orders")
    @classmethod
    def _at_most_the_limit(cls, orders: list[int] | None) -> list[int] | None:
        # Counted once each, as the description says: a list built from order lines or webhook events repeats
        # numbers (review: 150 + 60 entries of two orders were refused as more than 200).
        if orders is not None and len(set(orders)) > BATCH_LIMIT:
            raise PydanticCustomError("too_long", "too many orders", {"max_length": BATCH_LIMIT})
        return orders


class BatchOutcome(StrEnum):
    AUTHORISED = "authorised"
    REJECTED = "rejected"
    DENIED = "denied"
    AWAITING = "awaiting_sefaz"
    NOT_SENT = "not_sent"
    GENERATED = "generated"
    HAD_DOCUMENT = "had_document"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    DISCARDED = "discarded"


class BatchItemOut(ApiModel):
    order_number: int
    outcome: BatchOutcome = Field(description=(
        "authorised: autorizada (estoque baixado, contas a receber criadas); rejected/denied: rejeitada ou "
        "denegada pela SEFAZ (sefaz_code e sefaz_reason); awaiting_sefaz: enviada, a SEFAZ ainda não decidiu "
        "(o lojasync consulta de novo); not_sent: gerada e não transmitida porque a SEFAZ não respondeu, não "
        "decidiu ou estava fora do ar (transmita depois); generated: só gerada (approve falso; com approve "
        "verdadeiro, a NF-e pendente que não pôde ser transmitida, veja error); had_document: o pedido já tinha "
        "NF-e ou venda simples (um lote repetido: nada foi feito; existing_document diz qual); refused: não gerada "
        "(veja error; com existing_document, o documento que o pedido já tem e que não vale como venda: uma NF-e "
        "rejeitada ou denegada, uma venda simples pendente); cancelled: autorizada e cancelada depois do lote "
        "(o estoque voltou, as contas a receber foram canceladas; note diz como); discarded: gerada e descartada "
        "depois do lote, sem autorização. O lote é mostrado como está agora: authorised e not_authorised contam "
        "as NF-e como estão hoje."))
    invoice: InvoiceOut | None = Field(description="A NF-e gerada por esta chamada (nenhuma quando recusada).")
    sefaz_code: str | None = Field(None, description="Código da rejeição ou denegação da SEFAZ (cStat).")
    sefaz_reason: str | None = Field(None, description="Motivo da SEFAZ, por extenso (xMotivo).")
    error: ApiErrorBody | None = Field(None, description="Por que o pedido não teve NF-e autorizada: o código, a "
                                       "mensagem e a resolução do erro, como nas respostas de erro da API.")
    existing_document: str | None = Field(None, description=(
        "Com had_document: o documento que o pedido já tem (/api/v1/invoices/ID ou /api/v1/sales/ID)."))
    note: str | None = Field(None, description=(
        "O que aconteceu com a NF-e depois do lote (cancelled, discarded), como a página do lote diz."))


UNSENT_DESCRIPTION = (
    "Com \"status\": as NF-e de uma emissão anterior geradas e não autorizadas, de pedidos da situação que esta "
    "chamada não emitiu de novo: as rejeitadas (rejection_code e rejection_reason na NF-e) e, numa chamada que só "
    "gera (\"approve\" falso), as pendentes (as de uma chamada que transmite entram no lote). Ninguém as transmite "
    "sozinho: transmita cada uma (POST /api/v1/invoices/{id}/approve; a rejeitada, corrigido o que a SEFAZ indicou), "
    "rode de novo um lote que transmite (as pendentes) ou descarte-a (POST /api/v1/invoices/{id}/cancel com "
    "\"reason\").")


class InvoiceBatchOut(ApiModel):
    authorised: int = Field(description="Quantas NF-e foram autorizadas.")
    not_authorised: int = Field(description="Quantos pedidos ficaram sem NF-e autorizada por esta chamada "
                                "(contando os que já tinham documento).")
    had_document: int = Field(0, description="Quantos deles já tinham NF-e ou venda simples: nada foi feito.")
    not_sent: int = Field(description="Quantas foram só geradas, sem transmitir: a SEFAZ sem resposta, sem "
                          "decisão ou fora do ar, a conexão recusada por um motivo daqui (o certificado) ou o lote "
                          "parado antes; o motivo de cada uma está em items[].error. Transmita cada uma depois (POST "
                          "/api/v1/invoices/{id}/approve).")
    remaining: int = Field(description=f"Com \"status\": pedidos da situação que passaram do limite de "
                           f"{BATCH_LIMIT} e ficaram para a próxima chamada.")
    items: list[BatchItemOut]
    awaiting: list[InvoiceOut] = Field(default_factory=list, description=(
        "Com \"status\": as NF-e de uma emissão anterior ainda aguardando a SEFAZ, de pedidos da situação que esta "
        "chamada não emitiu de novo (a SEFAZ é consultada pela chave: pelo worker, 5 minutos depois do envio, ou por "
        "POST /api/v1/invoices/{id}/approve); sem elas, esses pedidos pareceriam resolvidos. Uma chamada que "
        "transmite (approve) consulta e transmite ela mesma as que nenhum envio segura (a SEFAZ fora de serviço não "
        "ficou com elas, ou o envio passou de 5 minutos): aqui ficam só as enviadas há menos de 5 minutos."))
    unsent: list[InvoiceOut] = Field(default_factory=list, description=UNSENT_DESCRIPTION)
    in_running_batch: list[int] = Field(default_factory=list, description=(
        "Com \"status\": pedidos da situação que um lote ainda em andamento (da página NF-e em lote, ou desta API "
        "em background) tem: esta chamada não os emitiu; acompanhe esse lote (GET /api/v1/invoices/batches/{id})."))


class BatchStartedOut(ApiModel):
    batch_id: int = Field(description="O lote: GET /api/v1/invoices/batches/{batch_id} o acompanha.")
    orders: list[int] = Field(description="Os pedidos do lote, na ordem em que são emitidos.")
    remaining: int = Field(description=f"Com \"status\": pedidos da situação que passaram do limite de "
                           f"{BATCH_LIMIT} e ficaram para a próxima chamada.")
    awaiting: list[InvoiceOut] = Field(default_factory=list, description=(
        "Com \"status\": as NF-e de uma emissão anterior ainda aguardando a SEFAZ (veja a resposta sem "
        "background)."))
    unsent: list[InvoiceOut] = Field(default_factory=list, description=UNSENT_DESCRIPTION)
    in_running_batch: list[int] = Field(default_factory=list, description=(
        "Com \"status\": pedidos da situação que outro lote ainda em andamento tem (veja a resposta sem background)."))


class BatchProgressOut(ApiModel):
    id: int
    run_at: datetime = Field(description="Quando o lote começou.")
    run_by: str | None = Field(description="Quem o pediu (o e-mail do usuário, \"token de API <nome>\"...).")
    running: bool = Field(description="Ainda rodando: consulte de novo em alguns segundos.")
    stopped: bool = Field(description=("Parou antes do fim (o servidor foi parado, ou um erro inesperado: veja "
                                       "problem); os pedidos de \"left\" não foram processados por ele."))
    problem: str | None = Field(description="Por que parou, quando o próprio lote disse.")
    approve: bool = Field(True, description="Falso: o lote só gera as NF-e (pedido com \"approve\": false).")
    orders: list[int] = Field(description="Os pedidos do lote, na ordem em que são emitidos.")
    left: list[int] = Field(description="Os pedidos que o lote ainda não alcançou (ou não alcançará, se parou).")
    authorised: int
    not_authorised: int
    had_document: int = 0
    not_sent: int
    items: list[BatchItemOut] = Field(description=(
        "Os pedidos já feitos, na ordem pedida; cada NF-e como está agora (uma transmitida depois aparece "
        "autorizada)."))


@router.post("/batch", response_model=InvoiceBatchOut, status_code=200,
             responses={202: {"model": BatchStartedOut, "headers": LOCATION,
                              "description": "Com background: o lote começou (Location: onde acompanhá-lo)."}},
             summary="Gera (e transmite) a NF-e de vários pedidos; o resumo diz, pedido a pedido, o que houve")
def batch(body: InvoiceBatch, request: Request, app: Container = Depends(container),
          gateway: Sefaz = Depends(sefaz), who: Person = Depends(api_person)) -> InvoiceBatchOut | JSONResponse:
    """Cada pedido em suas próprias transações: uma recusa não interrompe os demais. Se a SEFAZ não decide
    (fora do ar, sem resposta), os pedidos seguintes são só gerados, sem esperar cada um pelo tempo limite.
    Com background, responde 202 e o lote roda no servidor."""
    if (body.orders is None) == (body.status is None):
        raise BatchChoiceInvalid(reason="nenhum dos dois" if body.orders is None else "os dois ao mesmo tempo",
                                 limit=BATCH_LIMIT)
    if body.placed_from is not None and body.status is None:
        raise BatchChoiceInvalid(reason="placed_from sem status (ele escolhe entre os pedidos de uma situação)",
                                 limit=BATCH_LIMIT)
    since = day_start(body.placed_from) if body.placed_from else None
    remaining, awaiting, unsent, held = 0, [], [], []
    if body.orders is not None:
        numbers = list(dict.fromkeys(body.orders))
    else:
        moment = datetime.now(timezone.utc)   # one moment for both lists (an NF-e's window may end between)
        candidates = orders_to_invoice(app.read_uow(), STATUS_OF[body.status], with_pending=body.approve, now=moment,
                                       placed_from=since)
        numbers, remaining = candidates[:BATCH_LIMIT], max(0, len(candidates) - BATCH_LIMIT)
        # Read before this run, as `orders invoice --status` reads them: those an earlier run left (the pending
        # ones, and those awaiting SEFAZ that no send holds, are among the orders of a run that transmits).
        awaiting = [invoice_out(i) for i in awaiting_in(app.read_uow(), STATUS_OF[body.status],
                                                        in_flight_only=body.approve, now=moment)]
        unsent = [invoice_out(i) for i in unsent_in(app.read_uow(), STATUS_OF[body.status], pending=not body.approve)]
        # Left to a batch still running (review: not named at all, remaining 0, as if nothing were left).
        held = held_by_running_batches(app.read_uow(), STATUS_OF[body.status], with_pending=body.approve, now=moment,
                                       placed_from=since)
    if body.background:
        return _started(request, app, gateway, who, numbers, body.approve, remaining, awaiting, unsent, held)
    report = invoice_orders(app.uow, app.cipher, gateway, numbers, approve=body.approve, actor=who,
                            parallel=app.settings.sefaz_parallel)
    if report.authorised:
        push_soon(request)
    items = _items_out(app, report)
    return InvoiceBatchOut(authorised=len(report.authorised), not_authorised=len(report.not_authorised),
                           had_document=len(report.already_done), not_sent=len(report.not_sent),
                           remaining=remaining, items=items, awaiting=awaiting, unsent=unsent, in_running_batch=held)


def _started(request: Request, app: Container, gateway: Sefaz, who: Person, numbers: list[int], approve: bool,
             remaining: int, awaiting: list[InvoiceOut], unsent: list[InvoiceOut], held: list[int]) -> JSONResponse:
    # No order in that situation left to invoice: an empty batch, finished at once (as the answer without
    # background has no items), so that a client follows every batch the same way.
    batch_id = start_batch(app.uow, numbers, who.name, "/pedidos", approve=approve, simulated=gateway.simulated,
                           box=app.cipher)
    run_after_answering(app, gateway, batch_id, numbers, who, wake=lambda: push_soon(request), approve=approve)
    started = BatchStartedOut(batch_id=batch_id, orders=numbers, remaining=remaining, awaiting=awaiting,
                              unsent=unsent, in_running_batch=held)
    return JSONResponse(started.model_dump(mode="json"), status_code=202,
                        headers={"Location": f"/api/v1/invoices/batches/{batch_id}"})


@router.get("/batches/{batch_id}", response_model=BatchProgressOut,
            summary="Um lote de NF-e: se ainda roda, e o que cada pedido já teve")
def batch_progress(batch_id: Id, app: Container = Depends(container)) -> BatchProgressOut:
    """Os lotes ficam guardados por 30 dias (depois, 404; as NF-e continuam em /invoices)."""
    kept = kept_batch(app.read_uow(), batch_id)
    report = kept.report
    return BatchProgressOut(id=kept.id, run_at=kept.run_at, run_by=kept.run_by, running=kept.running,
                            stopped=kept.stopped, problem=kept.problem, approve=kept.approve, orders=kept.orders,
                            left=kept.left,
                            authorised=len(report.authorised), not_authorised=len(report.not_authorised),
                            had_document=len(report.already_done), not_sent=len(report.not_sent),
                            items=_items_out(app, report))


_SEFAZ_SAID = {InvoiceStatus.AUTHORISED: BatchOutcome.AUTHORISED, InvoiceStatus.REJECTED: BatchOutcome.REJECTED,
               InvoiceStatus.DENIED: BatchOutcome.DENIED, InvoiceStatus.AWAITING: BatchOutcome.AWAITING,
               InvoiceStatus.PENDING: BatchOutcome.GENERATED, InvoiceStatus.CANCELLED: BatchOutcome.CANCELLED,
               InvoiceStatus.DISCARDED: BatchOutcome.DISCARDED}
# What became of an NF-e after its batch: said in `note`, not as a refusal (review: one authorised by the batch and
# cancelled later was "refused", with no error, and a reconciling script took it for an NF-e never issued).
_AFTERWARDS = (BatchOutcome.CANCELLED, BatchOutcome.DISCARDED)


def _items_out(app: Container, report: BatchReport) -> list[BatchItemOut]:
    """The report's rows; a resolution that leaves the rest to a worker ends in NO_WORKER when none is running, as
    every error answer of the API does (the last notes: the rows were copies without it). Asked once per answer."""
    waiting = [item.waits_for_worker for item in report.items]
    words = no_worker_words(app) if any(waiting) else None
    return [_item_out(item, words if waits else None) for item, waits in zip(report.items, waiting, strict=True)]


def _item_out(item: BatchItem, no_worker: str | None = None) -> BatchItemOut:
    """One row; `no_worker`: the words its resolution ends in (its NF-e waits for a worker, and none runs)."""
    invoice = item.invoice
    refusal = item.why
    existing = document_address(*refusal.document) if refusal and refusal.document else None
    if invoice is None and item.refusal is not None and item.refusal.code == ORDER_HAS_DOCUMENT \
            and item.refusal.settled:
        outcome = BatchOutcome.HAD_DOCUMENT
    elif invoice is None:
        outcome = BatchOutcome.REFUSED
    elif item.not_sent and item.error != STILL_AWAITING:   # one held back still awaiting SEFAZ is awaiting_sefaz
        outcome = BatchOutcome.NOT_SENT
    else:
        # Pending: only generated (approve false), or generated and then not transmitted (see error).
        outcome = _SEFAZ_SAID.get(InvoiceStatus(invoice.status), BatchOutcome.REFUSED)
    refused_by_sefaz = outcome in (BatchOutcome.REJECTED, BatchOutcome.DENIED)
    return BatchItemOut(
        order_number=item.order_number, outcome=outcome, invoice=invoice_out(invoice) if invoice else None,
        sefaz_code=invoice.rejection_code if refused_by_sefaz else None,
        sefaz_reason=invoice.rejection_reason if refused_by_sefaz else None,
        error=ApiErrorBody(erro=refusal.message, codigo=refusal.code,
                           resolucao=f"{refusal.resolution} {no_worker}".strip() if no_worker else refusal.resolution,
                           problemas=list(refusal.problems) or None) if refusal else None,
        existing_document=existing, note=item.error if outcome in _AFTERWARDS else None)
