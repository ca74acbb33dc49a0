"""`/api/v1/invoices`: NF-e generated from orders. List, show, approve (transmit to SEFAZ), cancel with a
justification, the XML and the DANFE: the services `lojasync invoices` calls."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from lojasync.bootstrap import Container
from lojasync.entrypoints.web.api.deps import container, sefaz
from lojasync.entrypoints.web.api.routing import PREFIX, api_router
from lojasync.entrypoints.web.api.types import (
    LARGEST_ID,
    TOTAL_HEADER,
    WITH_TOTAL,
    ApiErrorBody,
    ApiInput,
    ApiModel,
    Id,
    Money,
    WholeNumber,
)
from lojasync.entrypoints.web.auth import api_person
from lojasync.entrypoints.web.downloads import download
from lojasync.entrypoints.web.store_pushes import push_soon
from lojasync.entrypoints.worker_words import with_worker_words
from lojasync.finance.views import to_check_of
from lojasync.fiscal.errors import CancellationQueued, CancellationUnanswered
from lojasync.fiscal.invoices import InvoiceStatus
from lojasync.fiscal.services.invoice_cancellation import cancel_invoice, withdraw_cancellation
from lojasync.fiscal.services.invoice_files import cancellation_xml, invoice_danfe, invoice_xml
from lojasync.fiscal.services.invoices import Sefaz, approve_invoice
from lojasync.fiscal.services.views import InvoiceView, counted_invoices, show_invoice
from lojasync.nuvemshop.services.lgpd.redaction import erasure_still_pending
from lojasync.sales.history import Person
from lojasync.shared.errors import LojasyncError

router = api_router("/invoices", "NF-e")


class CancellationXmlMissing(LojasyncError):
    code = "fiscal.cancellation_xml_not_found"
    message_template = "A NF-e {invoice_id} não tem evento de cancelamento."
    resolution_template = "Só uma NF-e cancelada na SEFAZ tem o XML do cancelamento; peça o XML da própria NF-e."


class InvoiceSituation(StrEnum):
    """As `lojasync invoices list --status` takes it: in Portuguese, or as the answers' `status` says it."""

    PENDING = "pendente"
    AWAITING = "aguardando"
    AUTHORISED = "autorizada"
    REJECTED = "rejeitada"
    DENIED = "denegada"
    CANCELLED = "cancelada"
    DISCARDED = "descartada"
    # The stored values: a program filters with the `status` it reads in the answers.
    PENDING_STORED = "pending"
    AWAITING_STORED = "awaiting_sefaz"
    AUTHORISED_STORED = "authorised"
    REJECTED_STORED = "rejected"
    DENIED_STORED = "denied"
    CANCELLED_STORED = "cancelled"
    DISCARDED_STORED = "discarded"


_STORED = {InvoiceSituation.PENDING: InvoiceStatus.PENDING, InvoiceSituation.AWAITING: InvoiceStatus.AWAITING,
           InvoiceSituation.AUTHORISED: InvoiceStatus.AUTHORISED, InvoiceSituation.REJECTED: InvoiceStatus.REJECTED,
           InvoiceSituation.DENIED: InvoiceStatus.DENIED, InvoiceSituation.CANCELLED: InvoiceStatus.CANCELLED,
           InvoiceSituation.DISCARDED: InvoiceStatus.DISCARDED,
           **{InvoiceSituation(status.value): status for status in InvoiceStatus}}


class DocumentLineOut(ApiModel):
    position: int
    product_id: int
    sku: str | None
    name: str
    quantity: int
    unit_price: Money
    total: Money


class InvoiceOut(ApiModel):
    id: int
    # The stored status, typed so that the schema lists its values (the description once said "awaiting" for the
    # "awaiting_sefaz" the API answers).
    status: InvoiceStatus = Field(description="Situação guardada (em inglês, estável para programas).")
    status_label: str
    order_number: int
    store_number: str | None = Field(description="Número do pedido na loja.")
    number: int
    series: int
    access_key: str | None
    environment: str = Field(description='"1" produção, "2" homologação.')
    total: Money
    protocol: str | None
    simulated: bool = Field(description="Autorizada (ou denegada) pelo simulador da SEFAZ: sem valor fiscal.")
    rejection_code: str | None
    rejection_reason: str | None
    attempts: int
    issued_at: datetime | None
    authorised_at: datetime | None
    cancelled_at: datetime | None = Field(description="Quando o cancelamento foi registrado na SEFAZ (só de uma NF-e "
                                          "cancelada).")
    cancel_justification: str | None = Field(description="A justificativa do cancelamento (a que a SEFAZ recebeu), "
                                                 "ou o motivo dado ao descartar.")
    cancelled_elsewhere: bool = Field(default=False, description=(
        "Cancelada na SEFAZ por outro programa enquanto aguardava a resposta da SEFAZ aqui: nunca foi autorizada no "
        "lojasync e nada se moveu (estoque, contas a receber). Então cancelled_at é quando o lojasync soube, se a "
        "SEFAZ não trouxe o evento, e cancel_justification a do evento, ou uma frase que diz isso."))
    cancel_protocol: str | None = Field(default=None, description=(
        "Protocolo do cancelamento na SEFAZ (nulo se a SEFAZ não trouxe o evento)."))
    found_cancelled: bool = Field(default=False, description=(
        "Autorizada aqui e cancelada na SEFAZ por outro programa (o worker consulta a chave depois do prazo de "
        "cancelamento, 24 h, e do cancelamento fora de prazo, 168 h): registrada como um cancelamento do lojasync, "
        "com o estoque devolvido e as contas a receber em aberto canceladas; cancel_justification é a do evento."))
    discarded_at: datetime | None = Field(default=None, description=(
        "Quando foi descartada sem autorização (nada se moveu; o número fica para inutilizar)."))
    cancel_requested_at: datetime | None = Field(default=None, description=(
        "Cancelamento pedido e ainda não registrado: a SEFAZ é consultada pela chave a cada 5 minutos e, se não o "
        "tiver recebido (fora do ar, sem conexão), ele é enviado de novo pelo lojasync (a SEFAZ só o aceita até 24 "
        "horas depois da autorização)."))
    cancel_withdrawable: bool = Field(default=False, description=(
        "O cancelamento pedido pode ser retirado (POST /api/v1/invoices/{id}/withdraw-cancel): nenhum envio dele "
        "pode ter chegado à SEFAZ (sem conexão, ou ela fora de serviço). Falso enquanto um envio está em curso ou "
        "ficou sem resposta."))
    sent_at: datetime | None = Field(default=None, description=(
        "A última vez que foi marcada para envio à SEFAZ: aguardando a SEFAZ, ela não é enviada de novo (nem "
        "consultada) antes de 5 minutos depois disso."))
    lines: list[DocumentLineOut]


TO_CHECK_DESCRIPTION = (
    "Cancelado o documento com contas já recebidas, elas ficam recebidas e marcadas \"conferir\" (o valor pode ter "
    "de voltar ao cliente): a chamada que as lista (GET /api/v1/receivables?order=N&needs_attention=true), e cada "
    "uma se marca conferida com POST /api/v1/receivables/{id}/check. Nula quando nenhuma conta do documento está "
    "a conferir.")


ERASURE_PENDING_DESCRIPTION = (
    "Só no cancelamento: os dados pessoais que o documento manteve (LGPD) deviam ser apagados com ele, e isso falhou "
    "(o cancelamento vale). O motivo, o mesmo que fica no pedido; marcar o pedido como resolvido "
    "(POST /api/v1/orders/{n}/resolve) tenta de novo. Nulo quando o apagamento rodou ou não era devido.")


class InvoiceChange(ApiModel):
    invoice: InvoiceOut
    changed: bool = Field(description="Se esta chamada mudou a NF-e (falso: já estava assim).")
    receivables_to_check: str | None = Field(None, description=TO_CHECK_DESCRIPTION)
    personal_data_erasure_pending: str | None = Field(None, description=ERASURE_PENDING_DESCRIPTION)
    cancellation_queued: ApiErrorBody | None = Field(None, description=(
        "Só numa resposta 202 de cancel: o pedido de cancelamento ficou guardado na NF-e (cancel_requested_at) e o "
        "worker o resolve sozinho. fiscal.cancellation_queued: a SEFAZ não o recebeu agora (sem conexão, ou fora de "
        "serviço, sem registrar nada), e o worker o envia quando ela responder (a resolução diz até quando a SEFAZ o "
        "aceita). fiscal.cancellation_unanswered: ele foi enviado e a resposta não chegou (a SEFAZ pode tê-lo "
        "registrado), e o worker consulta a NF-e pela chave 5 minutos depois do envio: registrado lá, ele o registra "
        "aqui; se ela não o recebeu, o envia (perto do fim do prazo, a resolução diz o que fazer). A NF-e segue "
        "autorizada (changed falso) até ele ser registrado; acompanhe por GET "
        "/api/v1/invoices/{id}. Não é preciso chamar de novo."))


def receivables_to_check(app: Container, source_type: str, source_id: int, order_number: int) -> str | None:
    """The call that lists a cancelled document's receivables flagged "conferir" (received before the
    cancellation), as an error's `na_api` gives the call that resolves it; None when none of them is."""
    if not to_check_of(app.read_uow(), source_type, str(source_id)):
        return None
    return f"GET {PREFIX}/receivables?order={order_number}&needs_attention=true"


class Cancellation(ApiInput):
    reason: str = Field(max_length=1000, description=(
        "Justificativa, de 15 a 255 caracteres (a SEFAZ a recebe) para uma NF-e autorizada; para descartar uma "
        "pendente ou rejeitada, que a SEFAZ nunca autorizou, qualquer motivo não vazio (guardado até 255 caracteres, "
        "no histórico do pedido; vazio, 422 nfe.discard_reason)."),
                        examples=["Pedido cancelado pelo cliente antes do envio."])


def invoice_out(view: InvoiceView) -> InvoiceOut:
    return InvoiceOut.model_validate(view)


@router.get("", response_model=list[InvoiceOut], summary="Lista as NF-e, da mais nova para a mais antiga",
            responses=WITH_TOTAL)
def list_(response: Response, status: Annotated[InvoiceSituation | None, Query(description=(
              "Situação: em português (autorizada) ou como `status` a diz (authorised)."))] = None,
          limit: Annotated[WholeNumber, Query(ge=1, le=1000, description="Quantas, das mais novas.")] = 100,
          offset: Annotated[WholeNumber, Query(ge=0, le=LARGEST_ID, description=(
              "Quantas pular, das mais novas: a próxima página é offset + limit."))] = 0,
          app: Container = Depends(container)) -> list[InvoiceOut]:
    found, total = counted_invoices(app.read_uow(), _STORED.get(status), limit, offset)
    response.headers[TOTAL_HEADER] = str(total)
    return [invoice_out(i) for i in found]


@router.get("/{invoice_id}", response_model=InvoiceOut, summary="Uma NF-e: chave, situação, protocolo ou rejeição")
def show(invoice_id: Id, app: Container = Depends(container)) -> InvoiceOut:
    return invoice_out(show_invoice(app.read_uow(), invoice_id))


@router.post("/{invoice_id}/approve", response_model=InvoiceChange,
             summary="Transmite a NF-e à SEFAZ (autorizada: baixa o estoque e cria as contas a receber)")
def approve(invoice_id: Id, request: Request, app: Container = Depends(container),
            gateway: Sefaz = Depends(sefaz), who: Person = Depends(api_person)) -> InvoiceChange:
    """Rejeitada: a resposta traz `status` "rejected" com o código e o motivo da SEFAZ, e nada se move."""
    invoice, changed = approve_invoice(app.uow(), app.cipher, gateway, invoice_id, who)
    if changed and invoice.status == "authorised":
        push_soon(request)
    return InvoiceChange(invoice=invoice_out(invoice), changed=changed)


@router.post("/{invoice_id}/cancel", response_model=InvoiceChange,
             responses={202: {"model": InvoiceChange, "description": (
                 "O pedido de cancelamento ficou guardado e o worker o resolve: a SEFAZ não o recebeu agora (o worker "
                 "o envia quando ela responder), ou não respondeu ao envio (o worker a consulta pela chave); "
                 "cancellation_queued diz qual, o motivo e o prazo.")}},
             summary="Cancela a NF-e na SEFAZ (devolve o estoque, cancela as contas a receber); pendente: descarta")
def cancel(invoice_id: Id, body: Cancellation, request: Request, app: Container = Depends(container),
           gateway: Sefaz = Depends(sefaz), who: Person = Depends(api_person)) -> InvoiceChange | JSONResponse:
    try:
        invoice, changed = cancel_invoice(app.uow(), app.cipher, gateway, invoice_id, body.reason, who)
    except (CancellationQueued, CancellationUnanswered) as queued:
        # Accepted and kept, not "try again" (it was a 503): the worker sends it, and a client retrying a 503 only
        # asked SEFAZ again while it was down (the integrator's review). Sent without an answer, it is kept as well,
        # and the worker settles it by key (the last notes: a 503 saying "peça de novo" for what needs no call).
        # Withdrawable (the terminal's command says so): the call that withdraws it, as an error's na_api gives the
        # call that acts on it (review: only the page was named).
        call = f"POST {PREFIX}/invoices/{invoice_id}/withdraw-cancel" if queued.terminal_commands else None
        now_is = show_invoice(app.read_uow(), invoice_id)
        if now_is.status == "cancelled":
            # Cancelled meanwhile (another person's cancel found it registered): the NF-e as it is, not a 202 saying
            # the worker will settle what is settled (review).
            return InvoiceChange(invoice=invoice_out(now_is), changed=False)
        kept = InvoiceChange(invoice=invoice_out(now_is), changed=False,
                             cancellation_queued=ApiErrorBody(erro=queued.message, codigo=queued.code,
                                                              resolucao=with_worker_words(app, queued).resolution,
                                                              na_api=call))
        body = kept.model_dump(mode="json")
        # As an error body says it: na_api and problemas only when there are some (review: null keys read as fields
        # to act on).
        body["cancellation_queued"] = {key: value for key, value in body["cancellation_queued"].items()
                                       if value is not None}
        return JSONResponse(body, status_code=202)
    if changed:
        push_soon(request)
    to_check = (receivables_to_check(app, "nfe", invoice.id, invoice.order_number)
                if invoice.status == "cancelled" else None)
    # The erasure the cancellation owed, when it failed (review: the pages and the terminal said it, the API not).
    erasure = (erasure_still_pending(app.read_uow(), invoice.order_number)
               if changed and invoice.status == "cancelled" else None)
    return InvoiceChange(invoice=invoice_out(invoice), changed=changed, receivables_to_check=to_check,
                         personal_data_erasure_pending=erasure)


@router.post("/{invoice_id}/withdraw-cancel", response_model=InvoiceChange,
             summary="Retira um cancelamento guardado (a SEFAZ não o recebeu) antes que o worker o envie")
def withdraw_cancel(invoice_id: Id, app: Container = Depends(container),
                    who: Person = Depends(api_person)) -> InvoiceChange:
    """`changed` falso quando não havia pedido guardado (repetir não faz nada duas vezes). 503
    `fiscal.cancellation_may_be_at_sefaz` quando um envio pode ter chegado à SEFAZ (em curso, ou sem resposta: pode
    voltar a ser possível depois da consulta do worker); 409 `fiscal.state_refused` se a NF-e não está autorizada."""
    invoice, changed = withdraw_cancellation(app.uow(), invoice_id, who)
    return InvoiceChange(invoice=invoice_out(invoice), changed=changed)


@router.get("/{invoice_id}/xml", response_class=Response, summary="O XML (nfeProc quando autorizada)",
            responses={200: {"content": {"application/xml": {}}}})
def xml(invoice_id: Id, cancellation: Annotated[bool, Query(description="O XML do evento de cancelamento.")] = False,
        app: Container = Depends(container)) -> Response:
    """O arquivo vem com o nome pela chave e pelo que ele é: `CHAVE-nfe.xml` (o nfeProc, com o protocolo da SEFAZ),
    `CHAVE-nfe-assinada.xml` (a NF-e assinada, sem o protocolo: pendente, aguardando, rejeitada ou descartada),
    `CHAVE-nfe-denegada.xml`, `CHAVE-cancelamento.xml` (com `cancellation`)."""
    invoice = show_invoice(app.read_uow(), invoice_id)
    data = cancellation_xml(app.read_uow(), invoice_id) if cancellation else invoice_xml(app.read_uow(), invoice_id)
    if data is None:
        raise CancellationXmlMissing(invoice_id=invoice_id)
    return download(data, "application/xml",
                    file_name(invoice, "cancelamento.xml" if cancellation else invoice.xml_file_suffix(data)))


@router.get("/{invoice_id}/danfe", response_class=Response, summary="O DANFE (PDF) de uma NF-e autorizada",
            responses={200: {"content": {"application/pdf": {}}}})
def danfe(invoice_id: Id, app: Container = Depends(container)) -> Response:
    invoice = show_invoice(app.read_uow(), invoice_id)
    return download(invoice_danfe(app.read_uow(), app.uow, invoice_id), "application/pdf",
                    file_name(invoice, "danfe.pdf"))


def file_name(invoice: InvoiceView, suffix: str) -> str:
    """As the NF-e page names its downloads and as accountants file them: the access key, then what the file is
    ("...-nfe.xml", "...-cancelamento.xml", "...-danfe.pdf"; "...-nfe-assinada.xml" without SEFAZ's protocol). By the
    id alone, the NF-e's XML and its cancellation's would both be "nfe-7.xml", the second download overwriting the
    first."""
    return f"{invoice.access_key or f'nfe-{invoice.id}'}-{suffix}"

