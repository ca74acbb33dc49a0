"""`/api/v1/number-voids`: voiding (inutilizar) NF-e numbers at SEFAZ, the requests made and the numbers still to
void: the services `lojasync invoices void`, `voids` and `gaps` call."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Query, Response
from pydantic import Field

from lojasync.bootstrap import Container
from lojasync.entrypoints.web.api.deps import container, sefaz
from lojasync.entrypoints.web.api.routing import api_router
from lojasync.entrypoints.web.api.types import LARGEST_ID, TOTAL_HEADER, WITH_TOTAL, ApiInput, ApiModel, Id, WholeNumber
from lojasync.entrypoints.web.auth import api_person
from lojasync.entrypoints.web.downloads import download
from lojasync.fiscal.number_voids import VoidStatus
from lojasync.fiscal.services.invoices import Sefaz
from lojasync.fiscal.services.number_gaps import numbers_to_void
from lojasync.fiscal.services.number_voids import NumberVoidView, list_number_voids, void_numbers, void_xml
from lojasync.sales.history import Person

router = api_router("/number-voids", "NF-e")


class NumberVoidOut(ApiModel):
    id: int
    series: int
    first: int
    last: int
    status: VoidStatus = Field(description="requested (aguardando a SEFAZ), voided (inutilizada) ou rejected.")
    status_label: str
    environment: str = Field(description='"1" produção, "2" homologação.')
    reason: str = Field(description="A justificativa que a SEFAZ recebeu.")
    requested_at: datetime
    requested_by: str | None
    protocol: str | None = Field(description="Protocolo da inutilização (sem ele numa inutilizada: a SEFAZ "
                                             "respondeu 563, a faixa já estava inutilizada).")
    voided_at: datetime | None
    rejection_code: str | None = Field(description="cStat da SEFAZ quando rejeitada (ou 563).")
    rejection_reason: str | None
    simulated: bool = Field(description="Pelo simulador da SEFAZ: sem valor fiscal.")
    resends: int = Field(description="Reenvios automáticos do worker, de um pedido que ficou sem resposta.")
    attention: str | None = Field(description="Por que uma pessoa precisa olhar o pedido (a SEFAZ calada depois de "
                                              "alguns reenvios, um reenvio impossível e o que fazer); null: nada.")


class NumberVoidChange(ApiModel):
    void: NumberVoidOut
    changed: bool = Field(description="Se esta chamada inutilizou os números (falso: já estavam inutilizados).")


class NumberVoidRequest(ApiInput):
    first: int = Field(strict=True, ge=1, le=999_999_999, description="Primeiro número a inutilizar.")
    last: int | None = Field(default=None, strict=True, ge=1, le=999_999_999,
                             description="Último número (sem ele: só o primeiro).")
    series: int | None = Field(default=None, strict=True, ge=0, le=999,
                               description="Série (sem ela: a série atual da empresa).")
    reason: str = Field(max_length=1000, description="Justificativa, de 15 a 255 caracteres.",
                        examples=["NF-e descartada antes da autorização."])


class NumberGapOut(ApiModel):
    environment: str = Field(description='"1" produção, "2" homologação: o ambiente atual da empresa.')
    series: int
    first: int
    last: int
    count: int = Field(description="Quantos números a faixa tem.")
    broken_on: date | None = Field(description="Dia em que a sequência quebrou (o primeiro em que uma NF-e depois da "
                                               "faixa foi numerada); null: nenhuma NF-e depois dela ainda.")
    deadline: date | None = Field(description="Último dia para inutilizar: o dia 10 do mês seguinte à quebra; null em "
                                              "homologação (sem valor fiscal, sem prazo) ou antes da quebra.")
    overdue: bool = Field(description="Se o prazo já passou.")


def void_out(view: NumberVoidView) -> NumberVoidOut:
    return NumberVoidOut.model_validate(view)


@router.post("", response_model=NumberVoidChange,
             summary="Inutiliza na SEFAZ números de NF-e sem uso (de NF-e descartadas, ou pulados na série)")
def create(body: NumberVoidRequest, app: Container = Depends(container), gateway: Sefaz = Depends(sefaz),
           who: Person = Depends(api_person)) -> NumberVoidChange:
    """Os mesmos números de novo: nada é enviado e `changed` vem falso. Rejeitada: 409 com o código e o motivo da
    SEFAZ; sem resposta: 503, e pedir de novo a mesma faixa é seguro."""
    void, changed = void_numbers(app.uow(), app.cipher, gateway, body.first, body.last, body.reason,
                                 series=body.series, actor=who)
    return NumberVoidChange(void=void_out(void), changed=changed)


@router.get("", response_model=list[NumberVoidOut], summary="Os pedidos de inutilização, do mais novo ao mais antigo",
            responses=WITH_TOTAL)
def list_(response: Response,
          limit: Annotated[WholeNumber, Query(ge=1, le=1000, description="Quantos, dos mais novos.")] = 100,
          offset: Annotated[WholeNumber, Query(ge=0, le=LARGEST_ID, description=(
              "Quantos pular, dos mais novos: a próxima página é offset + limit."))] = 0,
          app: Container = Depends(container)) -> list[NumberVoidOut]:
    found, total = list_number_voids(app.read_uow(), limit, offset)
    response.headers[TOTAL_HEADER] = str(total)
    return [void_out(v) for v in found]


@router.get("/gaps", response_model=list[NumberGapOut],
            summary="Números que a série pulou e que ainda precisam ser inutilizados")
def gaps(app: Container = Depends(container)) -> list[NumberGapOut]:
    """No ambiente atual da empresa, série a série: números abaixo do próximo número (ou da última NF-e, numa série
    que não é mais a atual), desde a primeira NF-e do lojasync na série, sem NF-e (uma descartada não conta) e sem
    pedido de inutilização inutilizado ou aguardando a SEFAZ. Inutilize cada faixa com POST /api/v1/number-voids."""
    return [NumberGapOut.model_validate(gap) for gap in numbers_to_void(app.read_uow())]


@router.get("/{void_id}/xml", response_class=Response, summary="O XML (procInutNFe quando inutilizada)",
            responses={200: {"content": {"application/xml": {}}}})
def xml(void_id: Id, app: Container = Depends(container)) -> Response:
    """O nome do arquivo diz o ambiente, a série e a faixa: `inutilizacao-homologacao-serie1-3-9.xml` (o procInutNFe,
    com o protocolo da SEFAZ) ou `...-pedido.xml` (o pedido assinado, sem ele). Um pedido sem XML guardado (de uma
    versão anterior) é recusado com 409 `fiscal.number_void_xml_missing`."""
    void, data = void_xml(app.read_uow(), void_id)
    return download(data, "application/xml", void.file_name(data))
