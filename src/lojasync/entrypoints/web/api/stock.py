"""`/api/v1/stock`: each product's stock on hand (the sum of its ledger), one product's movements with the
document that caused each, and the stock count: the services `lojasync stock list|movements|count` calls."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request, Response
from pydantic import Field

from lojasync.bootstrap import Container
from lojasync.entrypoints.web.address_numbers import WholeNumber
from lojasync.entrypoints.web.api.deps import container
from lojasync.entrypoints.web.api.routing import api_router
from lojasync.entrypoints.web.api.types import TOTAL_HEADER, WITH_TOTAL, ApiInput, ApiModel
from lojasync.entrypoints.web.auth import api_person
from lojasync.entrypoints.web.store_pushes import push_soon
from lojasync.fiscal.services.views import document_orders
from lojasync.sales.history import Person
from lojasync.shared.numbers import LARGEST_ID
from lojasync.stock.adjustments import MAX_REASON, adjust_stock
from lojasync.stock.counts import MAX_COUNT, count_stock
from lojasync.stock.fiscal_data import ProductFiscalData, set_fiscal_data
from lojasync.stock.views import counted_stock_levels, counted_stock_movements

router = api_router("/stock", "Estoque")


class StockLevelOut(ApiModel):
    product_id: int
    sku: str | None
    reference: str = Field(description="Como informar o produto em /stock/movements?sku=: o SKU, ou id:N quando a "
                           "loja o mandou sem SKU.")
    name: str
    quantity: int = Field(description="Estoque: a soma das movimentações.")
    managed: bool = Field(description="O ERP controla o estoque (houve contagem) e o envia à loja.")
    reserved: int = Field(description="Unidades de pedidos ainda sem NF-e autorizada ou venda confirmada, feitos "
                          "depois da primeira contagem (a loja já as tirou do estoque dela).")
    available: int | None = Field(description="O que vai para a loja: o estoque menos o reservado (nunca "
                                  "negativo); nulo quando o ERP não controla o estoque do produto.")
    ncm: str | None = Field(description="Dados fiscais do próprio produto; nulo: vale o padrão da empresa.")
    cest: str | None
    origin: str | None = Field(description="Origem da mercadoria, 0 a 8.")
    unit: str | None
    gtin: str | None
    cfop: str | None


class MovementOut(ApiModel):
    id: int
    at: datetime
    quantity: int
    balance: int = Field(description="Saldo depois desta movimentação.")
    reason: str
    source_type: str = Field(description="nfe, nfe_cancel, simple_sale, simple_sale_cancel, count ou adjustment "
                                         "(entrada ou saída).")
    source_id: str
    line: int
    order_number: int | None = Field(None, description="O pedido do documento que moveu (nenhum numa contagem ou "
                                                       "numa entrada ou saída).")
    made_by: str | None = Field(None, description=(
        "Quem fez a movimentação: quem contou ou registrou a entrada ou saída (\"operador ana@loja.com.br\", "
        "\"operador token de API erp\"), ou quem aprovou ou cancelou o documento (\"sistema\": o lojasync, ao "
        "saber da autorização pela SEFAZ). Nenhum nas movimentações gravadas antes desta informação existir."))


@router.get("", response_model=list[StockLevelOut], summary="Estoque de cada produto, por SKU",
            responses=WITH_TOTAL)
def levels(response: Response,
           search: Annotated[str, Query(description=(
               "Busca, como a da página Estoque: parte do SKU ou do nome do produto (sem acentos ou maiúsculas), "
               "ou id:N de um produto sem SKU. Com ela, os encontrados vêm por nome (como na página), "
               "limit e offset paginam os encontrados e X-Total-Count diz quantos são; vazia, todos os produtos."))
           ] = "",
           limit: Annotated[WholeNumber | None, Query(ge=1, le=1000, description=(
               "Quantos, por SKU (com search, por nome); sem ele, todos (como sempre foi).")
           )] = None,
           offset: Annotated[WholeNumber, Query(ge=0, le=LARGEST_ID, description=(
               "Quantos pular: a próxima página é offset + limit."))] = 0,
           app: Container = Depends(container)) -> list[StockLevelOut]:
    # Without limit every product, as before paging (as GET /receivables); the header either way.
    rows, total = counted_stock_levels(app.read_uow(), limit, offset, search)
    response.headers[TOTAL_HEADER] = str(total)
    return [StockLevelOut.model_validate(row) for row in rows]


@router.get("/movements", response_model=list[MovementOut],
            summary="As movimentações de um produto, da mais antiga para a mais nova, com o saldo",
            responses=WITH_TOTAL)
def movements(response: Response,
              sku: Annotated[str, Query(min_length=1, max_length=100,
                                        description="SKU do produto (id:N sem SKU: veja `reference`).")],
              limit: Annotated[WholeNumber | None, Query(ge=1, le=1000, description=(
                  "Quantas, da mais antiga; sem ele, todas (como sempre foi).")
              )] = None,
              offset: Annotated[WholeNumber, Query(ge=0, le=LARGEST_ID, description=(
                  "Quantas pular: a próxima página é offset + limit. O saldo de cada uma é sempre o de todas as "
                  "movimentações até ela."))] = 0,
              app: Container = Depends(container)) -> list[MovementOut]:
    # Without limit the whole ledger, as before paging (as GET /stock); a page reads only its rows (a product sold all
    # year had 30,000 movements). The total in the header either way.
    rows, total = counted_stock_movements(app.read_uow(), sku, limit, offset)
    response.headers[TOTAL_HEADER] = str(total)
    orders = document_orders(app.read_uow(), [(r["source_type"], r["source_id"]) for r in rows])
    return [MovementOut.model_validate({**row, "order_number": orders.get((row["source_type"], row["source_id"]))})
            for row in rows]


class StockCount(ApiInput):
    sku: str = Field(min_length=1, max_length=100, description="SKU do produto (id:N sem SKU: veja `reference`).")
    quantity: int = Field(ge=0, le=MAX_COUNT, strict=True,
                          description="Quantas unidades há em estoque (o saldo passa a ser este).")
    count_id: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$",
                                 description=(
        "Chave do seu sistema para esta contagem: repetida (depois de uma chamada sem resposta), a chamada responde a "
        "contagem já registrada, com `repeated` verdadeiro, e nada se move de novo."))


class StockCountOut(ApiModel):
    sku: str | None
    reference: str
    name: str
    quantity: int = Field(description="O estoque depois da contagem.")
    previous: int = Field(description="O estoque antes dela.")
    adjustment: int = Field(description="A movimentação que a contagem gravou (quantity - previous).")
    repeated: bool = Field(description="A mesma count_id já estava registrada: nada foi gravado agora.")


@router.post("/counts", response_model=StockCountOut,
             summary="Registra a contagem de um produto: o saldo passa a ser a quantidade contada")
def count(body: StockCount, request: Request, app: Container = Depends(container),
          person: Person = Depends(api_person)) -> StockCountOut:
    """Dali em diante o ERP controla o estoque do produto e o envia à loja a cada movimentação (a primeira vez,
    logo depois desta chamada)."""
    result = count_stock(app.uow(), body.sku, body.quantity, body.count_id, person.label)
    if not result["repeated"]:
        push_soon(request)
    return StockCountOut.model_validate(result)


class StockAdjustment(ApiInput):
    sku: str = Field(min_length=1, max_length=100, description="SKU do produto (id:N sem SKU: veja `reference`).")
    quantity: int = Field(ge=-MAX_COUNT, le=MAX_COUNT, strict=True, description=(
        "Quantas unidades entram (10: mercadoria recebida) ou saem (-3: perda, avaria); diferente de zero."))
    reason: str | None = Field(default=None, max_length=MAX_REASON,
                               description="O motivo, que aparece nas movimentações (a nota do fornecedor).")
    adjustment_id: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$",
                                      description=(
        "Chave do seu sistema para este ajuste: repetida (depois de uma chamada sem resposta), a chamada responde o "
        "ajuste já registrado, com `repeated` verdadeiro, e nada se move de novo."))


class StockAdjustmentOut(ApiModel):
    sku: str | None
    reference: str
    name: str
    quantity: int = Field(description="O estoque depois do ajuste (numa repetição, o de agora).")
    adjustment: int = Field(description="O que o ajuste moveu (+ entrada, - saída).")
    reason: str = Field(description="O motivo gravado na movimentação (\"Entrada: ...\", \"Saída avulsa\").")
    repeated: bool = Field(description="A mesma adjustment_id já estava registrada: nada foi gravado agora.")


@router.post("/adjustments", response_model=StockAdjustmentOut,
             summary="Registra uma entrada ou saída de estoque de um produto já contado",
             description=("Soma ao saldo de agora (uma venda aprovada no meio continua contada, o que uma contagem "
                          "nova apagaria). Um produto nunca contado é recusado (409 stock.product_not_counted): o "
                          "estoque dele ainda é da loja; faça antes a contagem (POST /api/v1/stock/counts). Uma "
                          "saída maior que o estoque também (409 stock.adjustment_beyond_stock)."))
def adjust(body: StockAdjustment, request: Request, app: Container = Depends(container),
           person: Person = Depends(api_person)) -> StockAdjustmentOut:
    result = adjust_stock(app.uow(), body.sku, body.quantity, body.reason, body.adjustment_id, person.label)
    if not result["repeated"]:
        push_soon(request)
    return StockAdjustmentOut.model_validate(result)


def _fiscal(description: str, longest: int):
    # `longest` is for the text as typed, before the service takes the separators away (a GTIN "as printed under
    # the barcode", "789 1000 315507"; review: the API refused what the page and the CLI took); the service says,
    # in Portuguese, what the cleaned value lacks.
    return Field(default=None, max_length=longest, description=description)


class FiscalDataIn(ApiInput):
    """Only the fields sent change: a field left out stays as it is; null or "" clears it (the company's default
    applies again, as a blank field of the product's page)."""

    sku: str = Field(min_length=1, max_length=100, description="SKU do produto (id:N sem SKU: veja `reference`).")
    ncm: str | None = _fiscal("NCM, 8 dígitos (pontos são ignorados).", 16)
    cest: str | None = _fiscal("CEST, 7 dígitos.", 16)
    origin: str | None = _fiscal("Origem da mercadoria, 0 a 8.", 1)
    unit: str | None = _fiscal("Unidade comercial, até 6 caracteres (UN, KG, CX...).", 6)
    gtin: str | None = _fiscal("GTIN/EAN com dígito verificador (espaços e hífens são ignorados).", 32)
    cfop: str | None = _fiscal("CFOP de venda próprio do produto: 5101 a 5124, 6101 a 6124 ou 5405.", 5)


class FiscalDataOut(ApiModel):
    sku: str | None
    reference: str
    name: str
    ncm: str | None
    cest: str | None
    origin: str | None
    unit: str | None
    gtin: str | None
    cfop: str | None


@router.patch("/fiscal-data", response_model=FiscalDataOut,
              summary="Grava dados fiscais de um produto (NCM, CEST, origem, unidade, GTIN, CFOP)")
def fiscal_data(body: FiscalDataIn, app: Container = Depends(container)) -> FiscalDataOut:
    """Os mesmos dados do formulário do produto em Estoque e de `lojasync products set`: conferidos antes de
    gravar (NCM de 8 dígitos, GTIN com dígito verificador...), todos os problemas numa resposta 422."""
    sent = body.model_dump(exclude_unset=True, exclude={"sku"})
    data = ProductFiscalData(**{name: "" if value is None else value for name, value in sent.items()})
    return FiscalDataOut.model_validate(set_fiscal_data(app.uow(), body.sku, data))
