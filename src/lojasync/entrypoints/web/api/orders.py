"""`/api/v1/orders`: Pedidos/Orçamentos. The filtered list (a page at a time, newest first), one order with
its lines, payment, customer (or why there is none), store states, history and documents; generate an NF-e
or a venda simples from it; read it again from the store. The services `lojasync orders` calls."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Response
from pydantic import ConfigDict, Field

from lojasync.bootstrap import Container
from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.web.api.deps import container, sefaz
from lojasync.entrypoints.web.api.invoices import InvoiceOut, invoice_out
from lojasync.entrypoints.web.api.routing import LOCATION, PREFIX, api_router
from lojasync.entrypoints.web.api.sales import SaleOut, sale_out
from lojasync.entrypoints.web.api.types import TOTAL_HEADER, ApiInput, ApiModel, Id, IsoDay, Money, WholeNumber
from lojasync.entrypoints.web.auth import api_person
from lojasync.fiscal.services.invoices import Sefaz, generate_invoice
from lojasync.fiscal.services.order_documents import order_documents
from lojasync.fiscal.services.simple_sales import generate_sale
from lojasync.nuvemshop.services.order_search import search_store_orders
from lojasync.nuvemshop.services.resync_order import resync_order
from lojasync.sales.attention import clear_attention
from lojasync.sales.history import Person
from lojasync.sales.order_filter import MAX_SEARCH_LENGTH, OrderFilter
from lojasync.sales.orders import ORIGIN_ONLINE_STORE
from lojasync.sales.status import OrderStatus
from lojasync.sales.views import for_scripts, show_order
from lojasync.shared.errors import LojasyncError
from lojasync.shared.local_zone import day_end, day_start

router = api_router("/orders", "Pedidos")
MAX_PER_PAGE = 200
# Days a period may name: beyond them a day's first moment in UTC would not fit in a datetime.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


class PeriodInvalid(LojasyncError):
    code = "web.period_invalid"
    message_template = "Período inválido: {reason}."
    resolution_template = "Informe dias entre 01/01/1900 e 31/12/2999, o inicial antes do final (AAAA-MM-DD)."


class OrderSituation(StrEnum):
    """As `lojasync orders list --status` takes it."""

    OPEN = "em-aberto"
    CONFIRMED = "confirmado"
    CANCELLED = "cancelado"


# The ids are OrderStatus.key, which the answers carry (sales.views.for_scripts).
STATUS_OF = {OrderSituation(status.key): status for status in OrderStatus}


class Origin(StrEnum):
    """Where orders came from, as the answers' `origin` says it (and as the Pedidos page's filter writes it). Any
    other value was taken and answered an empty page, as if there were no such orders."""

    NUVEMSHOP = ORIGIN_ONLINE_STORE
    ONLINE_STORE = "loja-virtual"


ORIGIN_OF = {Origin.NUVEMSHOP: ORIGIN_ONLINE_STORE, Origin.ONLINE_STORE: ORIGIN_ONLINE_STORE}


class OrderLineOut(ApiModel):
    sku: str | None
    name: str
    quantity: int
    unit_price: Money
    total: Money
    product_id: int | None


class CustomerOut(ApiModel):
    id: int
    name: str
    tax_id: str = Field(description="CPF ou CNPJ, só dígitos (e letras, no CNPJ alfanumérico).")


class OrderSummaryOut(ApiModel):
    number: int = Field(description="Número do pedido no ERP.")
    status: OrderSituation
    status_label: str
    origin: str | None = Field(description='De onde veio: "nuvemshop" (Loja virtual) ou nada (feito no ERP).')
    origin_label: str | None
    store_order_id: str | None = Field(description="Id do pedido na loja.")
    store_order_number: str | None = Field(description="Número do pedido na loja.")
    store_id: str | None = Field(None, description="O id da loja de onde veio (duas lojas podem ter um pedido nº 100).")
    customer: CustomerOut | None
    customer_link: str | None = Field(description='"store" (veio da loja) ou "manual".')
    customer_problem: str | None = Field(description="Sem cliente: por quê (ex.: CPF inválido).")
    contact_name: str | None
    total: Money
    currency: str = Field("BRL", description='A moeda em que a loja vendeu (ISO 4217), a dos valores do pedido: "BRL", '
                          "ou outra que a loja informou (o lojasync não emite NF-e nem venda simples em outra moeda).")
    needs_attention: bool
    attention_reason: str | None = Field(description="O que precisa de atenção: um motivo por linha.")
    attention_reasons: list[str] = Field(description="Os mesmos motivos, um por item, do mais antigo ao mais novo.")
    placed_at: datetime | None
    lines: list[OrderLineOut]


class OrderPageOut(ApiModel):
    items: list[OrderSummaryOut]
    total: int = Field(description="Quantos pedidos atendem ao filtro, em todas as páginas.")
    page: int
    per_page: int
    pages: int


class HistoryEntryOut(ApiModel):
    at: datetime
    level: str
    event: str
    actor: str = Field(description="store, webhook, sync, operator ou system.")
    actor_name: str | None = Field(None, description="Quem, quando foi uma pessoa (actor operator): o e-mail do "
                                   "usuário, \"token de API <nome>\" ou \"terminal (<login>)\"; vazio nas "
                                   "entradas anteriores a este campo.")
    message: str


class DocumentsOut(ApiModel):
    invoices: list[InvoiceOut]
    sales: list[SaleOut]


class TrackingOut(ApiModel):
    code: str = Field(description="Código de rastreio dado pela transportadora.")
    url: str | None = Field(description="Página de rastreio do envio.")


class ShippingOut(ApiModel):
    carrier: str | None = Field(description="Código da transportadora na loja (correios, jadlog...).")
    option: str | None = Field(description="A opção de envio escolhida na loja (\"Correios - PAC\").")
    pickup: bool = Field(description="Retirada na loja: nada é transportado (a NF-e diz modFrete 9).")
    branch: str | None = Field(description="A unidade da loja onde o cliente retira.")
    how: str = Field(description="A opção (ou a retirada) em palavras: \"Correios - PAC\", \"Retirada na loja\".")
    words: str = Field(description="Como o pedido sai, em palavras: \"Envio: Correios - PAC\", "
                                   "\"Retirada na loja\".")


class CustomerDetailsOut(CustomerOut):
    """The customer of one order: the reference plus what the NF-e makes of it (its IE, indIEDest)."""

    kind: str = Field(description="CPF ou CNPJ.")
    state_registration: str | None = Field(description="A IE guardada: dígitos, ISENTO ou vazio.")
    contributor: str = Field(description="contributor (indIEDest 1), exempt (2) ou non_contributor (9).")
    contributor_label: str


class StoreStateOut(ApiModel):
    model_config = ConfigDict(extra="allow")   # a platform's own states beyond these, as the order keeps them

    order_id: str | None = Field(None, description="O id do pedido na loja.")
    number: str | None = Field(None, description="O número do pedido na loja (o que o cliente vê).")
    store_id: str | None = Field(None, description="O id da loja de onde veio (duas lojas podem ter um pedido nº 100).")
    store_name: str | None = Field(None, description="O nome da loja, quando a loja o informou.")
    status: str | None = Field(None, description="Situação na loja (open, closed, cancelled).")
    payment_status: str | None = Field(None, description="Pagamento na loja (pending, authorized, paid...).")
    shipping_status: str | None = Field(None, description="Envio na loja (unpacked, fulfilled...).")
    cancel_reason: str | None = Field(None, description="Motivo do cancelamento na loja, quando cancelado.")
    updated_at: datetime | None = Field(None, description="Última alteração do pedido na loja.")
    synced_at: datetime | None = Field(None, description="Quando o lojasync o leu da loja pela última vez.")


class OrderOut(OrderSummaryOut):
    customer: CustomerDetailsOut | None
    contact: dict[str, Any]
    subtotal: Money
    discount: Money
    freight: Money
    payment: dict[str, Any] = Field(description="method, gateway, installments.")
    billing_address: dict[str, Any] | None
    shipping_address: dict[str, Any] | None
    shipping: ShippingOut | None = Field(None, description="Como o pedido sai da loja; nulo quando a loja não disse "
                                         "(ou o pedido foi importado antes de o lojasync guardar isso).")
    marketplace: str | None = Field(None, description='Onde foi vendido quando não na própria loja ("Mercado Livre"): '
                                    "a NF-e declara o intermediador; nulo para a loja.")
    paid_at: datetime | None = Field(None, description="Quando a loja recebeu o pagamento (as parcelas contam daí); "
                                     "nulo se não foi pago ou foi importado antes de o lojasync guardar isso.")
    note: str | None
    processed_by: str | None = Field(description='"nfe" ou "simple_sale": o documento que processou o pedido.')
    tracking: TrackingOut | None = Field(None, description="O código de rastreio do envio, quando registrado.")
    store: StoreStateOut | None = Field(description="Situações do pedido na loja.")
    history: list[HistoryEntryOut]
    documents: DocumentsOut


class ResyncOut(ApiModel):
    order_number: int | None
    outcome: Literal["created", "updated", "unchanged", "attention"] = Field(description=(
        "created, updated, unchanged ou attention (o pedido já processado mudou na loja: sinalizado, nada aplicado). "
        "Relido e não importado é um erro, `nuvemshop.resync_not_imported` (409, ou 503 quando tentar de novo pode "
        "dar certo), com o motivo e a resolução."))
    message: str | None


class Resolution(ApiInput):
    reasons: list[Annotated[str, Field(max_length=4000)]] | None = Field(None, max_length=100, description=(
        "Os motivos que você viu (`attention_reasons` do pedido), como a página os mostra: um motivo surgido depois "
        "fica pendente, não é resolvido sem ser visto. Sem o campo, todos os motivos de agora."))


class ResolutionOut(ApiModel):
    order_number: int
    changed: bool = Field(description="Se esta chamada marcou algo como resolvido (falso: já não precisava de "
                                      "atenção, ou nenhum dos motivos enviados está mais pendente).")
    attention_reasons: list[str] = Field(description=(
        "O que ainda precisa de atenção: um motivo surgido depois dos enviados, ou levantado pela própria resolução "
        "(um apagamento LGPD que falhou de novo). Vazia quando o pedido já não precisa de atenção."))


# The total is in the body (`total`, with `pages`), and also in the header every other list of /api/v1 says it in:
# a pager written for those read no total here (API journey).
_WITH_TOTAL = {200: {"headers": {TOTAL_HEADER: {
    "description": "Quantos pedidos atendem ao filtro, em todas as páginas (o mesmo que `total`).",
    "schema": {"type": "integer"}}}}}


@router.get("", response_model=OrderPageOut, responses=_WITH_TOTAL,
            summary="Lista os pedidos, do mais novo para o mais antigo, em páginas")
def list_(
    response: Response,
    status: Annotated[OrderSituation | None, Query(description="Situação.")] = None,
    origin: Annotated[Origin | None, Query(description='Origem: "nuvemshop" (ou "loja-virtual"), a Loja virtual.')]
    = None,
    store: Annotated[str | None, Query(pattern=r"^[0-9]{1,20}$", description="Só desta loja (id na Nuvemshop).")]
    = None,
    placed_from: Annotated[IsoDay | None, Query(description="Feitos a partir deste dia (inclusive).")] = None,
    placed_to: Annotated[IsoDay | None, Query(description="Feitos até este dia (inclusive).")] = None,
    needs_attention: Annotated[bool | None, Query(description="Só os que precisam (ou não) de atenção.")] = None,
    without_customer: Annotated[bool | None, Query(description=(
        "Só pedidos sem cliente (true) ou só os com cliente (false), como needs_attention."))] = None,
    q: Annotated[str | None, Query(max_length=MAX_SEARCH_LENGTH, description=(
        "Busca: número do pedido, número na loja (#1234: só o número), parte do nome do cliente (sem acentos "
        "ou maiúsculas) ou CPF/CNPJ (com ou sem pontuação)."))] = None,
    page: Annotated[WholeNumber, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[WholeNumber, Query(ge=1, le=MAX_PER_PAGE)] = 50,
    app: Container = Depends(container),
) -> OrderPageOut:
    for day in (placed_from, placed_to):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise PeriodInvalid(reason=f"{formats.day(day)} fora do intervalo aceito")
    if placed_from and placed_to and placed_from > placed_to:
        raise PeriodInvalid(reason=f"de {formats.day(placed_from)} até {formats.day(placed_to)}")
    criteria = OrderFilter(status=STATUS_OF.get(status), origin=ORIGIN_OF.get(origin),
                           without_customer=without_customer, needs_attention=needs_attention,
                           placed_from=day_start(placed_from) if placed_from else None,
                           placed_before=day_end(placed_to) if placed_to else None, text=q)
    result = search_store_orders(app.read_uow(), criteria, store, page, per_page)
    response.headers[TOTAL_HEADER] = str(result.total)
    return OrderPageOut(items=[OrderSummaryOut.model_validate(for_scripts(o)) for o in result.items],
                        total=result.total, page=result.page, per_page=per_page, pages=result.pages)


@router.get("/{number}", response_model=OrderOut,
            summary="Um pedido: itens, totais, pagamento, cliente (ou por que não há), histórico e documentos")
def show(number: Id, app: Container = Depends(container)) -> OrderOut:
    order = show_order(app.read_uow(), number, money=formats.money)
    documents = order_documents(app.read_uow(), number)
    return OrderOut.model_validate({
        **for_scripts(order),
        "documents": {"invoices": [invoice_out(i) for i in documents.invoices],
                      "sales": [sale_out(s) for s in documents.sales]}})


@router.post("/{number}/nfe", response_model=InvoiceOut, status_code=201,
             responses={201: {"description": "A NF-e gerada.", "headers": LOCATION}},
             summary="Gera a NF-e do pedido (pendente: numerada, assinada e validada; nada se move até a aprovação)")
def generate_nfe(number: Id, response: Response, app: Container = Depends(container),
                 gateway: Sefaz = Depends(sefaz), who: Person = Depends(api_person)) -> InvoiceOut:
    invoice = invoice_out(generate_invoice(app.uow(), app.cipher, number, who, sefaz=gateway))
    # Where the new NF-e lives, as the 409 of a repeated call says it (routing._location_of_existing).
    response.headers["Location"] = f"{PREFIX}/invoices/{invoice.id}"
    return invoice


@router.post("/{number}/simple-sale", response_model=SaleOut, status_code=201,
             responses={201: {"description": "A venda simples gerada.", "headers": LOCATION}},
             summary="Gera uma venda simples do pedido (pendente: nada se move até ser confirmada)")
def generate_simple_sale(number: Id, response: Response, app: Container = Depends(container),
                         who: Person = Depends(api_person)) -> SaleOut:
    sale = sale_out(generate_sale(app.uow(), number, who))
    response.headers["Location"] = f"{PREFIX}/sales/{sale.id}"
    return sale


@router.post("/{number}/resync", response_model=ResyncOut, summary="Relê o pedido na loja agora e atualiza o ERP")
def resync(number: Id, app: Container = Depends(container), who: Person = Depends(api_person)) -> ResyncOut:
    result = resync_order(app.uow(), app.client_for, app.policy(), number, actor=who)
    return ResyncOut(order_number=result.order_number, outcome=result.outcome.value, message=result.message)


@router.post("/{number}/resolve", response_model=ResolutionOut,
             summary="Marca como resolvido o que fez o pedido precisar de atenção (fica no histórico; nada é desfeito)")
def resolve(number: Id, body: Resolution | None = None, app: Container = Depends(container),
            who: Person = Depends(api_person)) -> ResolutionOut:
    """`lojasync orders resolve` and the order page's "Marcar como resolvido": only a person's word that they looked;
    a new problem flags the order again."""
    seen = body.reasons if body is not None else None
    cleared, pending = clear_attention(app.uow(), number, who, seen)
    return ResolutionOut(order_number=number, changed=cleared, attention_reasons=pending)
