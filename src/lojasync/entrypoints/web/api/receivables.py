"""`/api/v1/receivables`: contas a receber created by approved NF-e and confirmed vendas simples, filtered by
situation ("vencida": open and past due) and due date, with totals; mark one received, or checked (received
before its document was cancelled, the refund decided). The services of the Financeiro page and
`lojasync receivables receive|check`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Query, Response
from pydantic import Field

from lojasync.bootstrap import Container
from lojasync.entrypoints.web.api.deps import container
from lojasync.entrypoints.web.api.routing import api_router
from lojasync.entrypoints.web.api.types import (
    LARGEST_ID,
    TOTAL_HEADER,
    WITH_TOTAL,
    ApiInput,
    ApiModel,
    Id,
    IsoDay,
    Money,
    WholeNumber,
)
from lojasync.entrypoints.web.auth import api_person
from lojasync.finance.receivables import ReceivableStatus
from lojasync.finance.services import (
    WRITE_OFF_REASON,
    check_receivable,
    receive,
    undo_receipt,
    write_off_receivable,
)
from lojasync.finance.views import ReceivableFilter, Situation, find_receivables, situated
from lojasync.sales.history import Person

router = api_router("/receivables", "Contas a receber")


class ReceivableOut(ApiModel):
    id: int
    order_number: int
    document: str = Field(description='"nfe" ou "simple_sale".')
    document_id: int = Field(description="Id do documento, como /invoices/{id} ou /sales/{id} o recebem.")
    installment: int
    installments: int
    amount: Money
    due_date: date
    status: ReceivableStatus = Field(description="Situação guardada (em inglês, estável para programas).")
    status_label: str
    situation: Situation = Field(description=(
        'Como o Financeiro mostra: "vencida" é em aberto e já vencida (um vencimento num fim de semana ou feriado '
        'bancário nacional vale até o dia útil seguinte).'))
    situation_label: str
    payment_method: str | None
    needs_attention: bool
    attention_reason: str | None
    received_at: datetime | None
    written_off: bool = Field(description="Cancelada por uma pessoa com o documento de pé (Cancelar conta): ainda "
                                          "pode ser recebida, se o cliente pagar.")


class TotalOut(ApiModel):
    label: str
    count: int
    amount: Money


class ReceivableListOut(ApiModel):
    items: list[ReceivableOut]
    today: date = Field(description="O dia de hoje no fuso do lojista (LOJASYNC_TIME_ZONE; America/Sao_Paulo por "
                                    "padrão), que decide o que está vencido.")
    total: Money = Field(description="Soma das contas que atendem ao filtro (todas, não só as desta página), sem "
                                     "as canceladas (o valor delas está em totals.cancelada).")
    totals: dict[str, TotalOut] = Field(description="Quantidade e valor por situação, de todas as que atendem ao "
                                        "filtro (não só desta página).")


class ReceiveIn(ApiInput):
    received_on: IsoDay | None = Field(None, description=(
        "Dia em que o dinheiro entrou (AAAA-MM-DD), quando a baixa é feita depois; sem ele, hoje. Depois de hoje, "
        "ou antes do pedido, é recusado (422)."))


class ReceiveOut(ApiModel):
    receivable: ReceivableOut
    changed: bool = Field(description=("Se esta chamada registrou o recebimento (falso: já estava recebida, no mesmo "
                                       "dia pedido ou sem dia pedido)."))


@router.get("", response_model=ReceivableListOut, summary="Lista as contas a receber por vencimento",
            responses=WITH_TOTAL)
def list_(
    response: Response,
    situation: Annotated[Situation | None, Query(description="em-aberto, vencida, recebida ou cancelada.")] = None,
    due_from: Annotated[IsoDay | None, Query(description="Vencimento a partir deste dia (inclusive).")] = None,
    due_to: Annotated[IsoDay | None, Query(description="Vencimento até este dia (inclusive).")] = None,
    received_from: Annotated[IsoDay | None, Query(description=(
        "Só as recebidas a partir deste dia (inclusive, no fuso do lojista): o dinheiro que entrou."))] = None,
    received_to: Annotated[IsoDay | None, Query(description="Só as recebidas até este dia (inclusive).")] = None,
    order: Annotated[WholeNumber | None, Query(ge=1, le=LARGEST_ID, description="Só deste pedido.")] = None,
    needs_attention: Annotated[bool | None, Query(description=(
        "Só as marcadas \"conferir\" (true: recebidas e com o documento cancelado depois) ou só as outras (false).")
    )] = None,
    limit: Annotated[WholeNumber | None, Query(ge=1, le=1000, description=(
        "Quantas, por vencimento; sem ele, todas (como sempre foi).")
    )] = None,
    offset: Annotated[WholeNumber, Query(ge=0, le=LARGEST_ID, description=(
        "Quantas pular: a próxima página é offset + limit."))] = 0,
    app: Container = Depends(container),
) -> ReceivableListOut:
    found = find_receivables(app.read_uow(), ReceivableFilter(situation, due_from, due_to, order,
                                                              to_check=needs_attention, received_from=received_from,
                                                              received_to=received_to),
                             limit=limit, offset=offset)
    # The totals are of every match, the items of the page; how many match goes in the header, as on /invoices.
    response.headers[TOTAL_HEADER] = str(found.matched)
    return ReceivableListOut(items=[ReceivableOut.model_validate(row) for row in found.items], today=found.today,
                             total=found.total, totals={k: TotalOut.model_validate(v) for k, v in found.totals.items()})


@router.post("/{receivable_id}/receive", response_model=ReceiveOut,
             summary="Registra o recebimento de uma conta (baixa)",
             description=("Também de uma conta cancelada por uma pessoa com o documento de pé (written_off: o "
                          "cliente pagou mesmo assim). Uma conta cancelada com o documento que a gerou é recusada "
                          "(409). O corpo é opcional: {\"received_on\": \"2026-12-02\"} registra o dia em que o "
                          "dinheiro entrou; sem ele, hoje. Repetida numa conta já recebida, sem data ou com a mesma, "
                          "responde 200 com changed falso; com outra data, é recusada (409 "
                          "finance.receipt_date_conflict): para mudar a data, desfaça o recebimento "
                          "(/undo-receipt) e receba de novo."))
def receive_(receivable_id: Id, body: ReceiveIn | None = None, app: Container = Depends(container),
             who: Person = Depends(api_person)) -> ReceiveOut:
    row, changed = receive(app.uow(), receivable_id, actor=who, received_on=body.received_on if body else None)
    return ReceiveOut(receivable=ReceivableOut.model_validate(situated(row)), changed=changed)


class CheckOut(ApiModel):
    receivable: ReceivableOut
    changed: bool = Field(description="Se esta chamada tirou o \"conferir\" (falso: a conta não estava marcada).")


@router.post("/{receivable_id}/check", response_model=CheckOut,
             summary="Marca como conferida uma conta recebida antes do cancelamento do documento")
def check_(receivable_id: Id, app: Container = Depends(container), who: Person = Depends(api_person)) -> CheckOut:
    row, changed = check_receivable(app.uow(), receivable_id, actor=who)
    return CheckOut(receivable=ReceivableOut.model_validate(situated(row)), changed=changed)


class WriteOffIn(ApiInput):
    reason: str = Field(description=(
        f"Por que a conta não será paga, de {WRITE_OFF_REASON[0]} a {WRITE_OFF_REASON[1]} caracteres (fica no "
        "histórico do pedido)."))


class WriteOffOut(ApiModel):
    receivable: ReceivableOut
    changed: bool = Field(description="Se esta chamada cancelou a conta (falso: já estava cancelada).")


@router.post("/{receivable_id}/cancel", response_model=WriteOffOut,
             summary="Cancela uma conta em aberto que não será paga (o documento continua)",
             description=("Para quando o documento não pode mais ser cancelado (a loja cancelou o pedido depois das 24 "
                          "horas da NF-e) ou a dívida foi perdoada. Uma conta já recebida é recusada (409); um "
                          "motivo curto demais, 422. Se o cliente pagar depois, ela ainda pode ser recebida."))
def write_off_(receivable_id: Id, body: WriteOffIn, app: Container = Depends(container),
               who: Person = Depends(api_person)) -> WriteOffOut:
    row, changed = write_off_receivable(app.uow(), receivable_id, body.reason, actor=who)
    return WriteOffOut(receivable=ReceivableOut.model_validate(situated(row)), changed=changed)


class UndoReceiptIn(ApiInput):
    reason: str = Field(description=(
        f"Por que o recebimento está sendo desfeito, de {WRITE_OFF_REASON[0]} a {WRITE_OFF_REASON[1]} caracteres "
        "(fica no histórico do pedido)."))


class UndoReceiptOut(ApiModel):
    receivable: ReceivableOut
    changed: bool = Field(description="Se esta chamada desfez o recebimento (falso: a conta não estava recebida).")


@router.post("/{receivable_id}/undo-receipt", response_model=UndoReceiptOut,
             summary="Desfaz o recebimento de uma conta marcada como recebida por engano",
             description=("A conta volta a ficar em aberto; se o documento dela foi cancelado, fica cancelada (e sai "
                          "do \"conferir\": nada foi recebido). Um motivo curto demais, 422."))
def undo_receipt_(receivable_id: Id, body: UndoReceiptIn, app: Container = Depends(container),
                  who: Person = Depends(api_person)) -> UndoReceiptOut:
    row, changed = undo_receipt(app.uow(), receivable_id, body.reason, actor=who)
    return UndoReceiptOut(receivable=ReceivableOut.model_validate(situated(row)), changed=changed)
