"""Pedidos/Orçamentos: the order list (filters, pages, new orders without a reload, NF-e in batch) and one
order's page (customer link, Reprocessar, Mais ações → Gerar NF-e or venda simples, its documents, history).

Every action ends in the service the CLI calls for it; an error a person can act on is shown on the page it
came from with its message and "Resolução".
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.web.auth import csrf_protect, page_person, page_user
from lojasync.entrypoints.web.company_notices import say_ibs_cbs_year
from lojasync.entrypoints.web.errors import error_status
from lojasync.entrypoints.web.pages.fiscal_access import sefaz_of
from lojasync.entrypoints.web.pages.inputs import PageId
from lojasync.entrypoints.web.pages.order_query import ORIGIN_OPTIONS, PER_PAGE, STATUS_OPTIONS, OrderQuery
from lojasync.entrypoints.web.pages.order_view import (
    HISTORY_SHOWN,
    STATUS_BADGES,
    document_step,
    document_words,
    order_page_data,
    receivables_words,
)
from lojasync.entrypoints.web.store_pushes import push_soon
from lojasync.entrypoints.web.templating import flash, redirect, render
from lojasync.finance.views import ReceivableFilter, find_receivables
from lojasync.fiscal.recipient_guard import link_refusal
from lojasync.fiscal.services.invoices import generate_invoice
from lojasync.fiscal.services.order_documents import order_documents
from lojasync.fiscal.services.simple_sales import generate_sale
from lojasync.fiscal.services.views import InvoiceView
from lojasync.nuvemshop.services.order_search import search_store_orders
from lojasync.nuvemshop.services.outcomes import Outcome
from lojasync.nuvemshop.services.resync_order import resync_order
from lojasync.nuvemshop.services.stores import list_stores
from lojasync.sales.attention import clear_attention
from lojasync.sales.customer_registration import set_state_registration
from lojasync.sales.errors import CustomerFixedByDocument
from lojasync.sales.history import ProcessedBy
from lojasync.sales.link_customer import link_customer
from lojasync.sales.status import OrderStatus
from lojasync.sales.tracking import record_tracking
from lojasync.sales.views import show_order
from lojasync.shared.errors import LojasyncError

router = APIRouter(dependencies=[Depends(page_user)])
POLL_SECONDS = 5

_RESYNC_WORDS = {
    Outcome.UPDATED: ("atualizado com o que está na loja.", "success"),
    Outcome.CREATED: ("importado.", "success"),
    Outcome.UNCHANGED: ("nada mudou desde a última importação.", "info"),
    Outcome.ATTENTION: ("precisa de atenção: {message}", "warning"),
}


# --- the list ------------------------------------------------------------------------------------------

def _orders_context(request: Request) -> dict:
    query = OrderQuery.from_params(request.query_params)
    criteria = query.criteria()
    container = request.app.state.container
    error = None
    try:
        result = search_store_orders(container.read_uow(), criteria, query.store, query.pagina, PER_PAGE)
    except LojasyncError as exc:  # a store that is no longer connected, in an old link: the list without it
        error = exc
        result = search_store_orders(container.read_uow(), criteria, None, query.pagina, PER_PAGE)
    # An empty list with no store connected says where orders come from (first-day walk: "aparecem aqui assim que
    # chegam", and nothing would ever come); with every store disabled none comes either (review).
    stores = list_stores(container.read_uow()) if not result.total else []
    no_store = not result.total and not stores
    no_active_store = bool(stores) and not any(store.active for store in stores)
    return {"query": query, "result": result, "list_error": error, "badges": STATUS_BADGES, "no_store": no_store,
            "no_active_store": no_active_store,
            "poll_seconds": POLL_SECONDS, "table_url": f"/pedidos/tabela?{query.query_string(pagina=query.pagina)}",
            "list_query": query.query_string(pagina=query.pagina)}


@router.get("/pedidos", include_in_schema=False)
def orders_page(request: Request) -> Response:
    context = _orders_context(request)
    stores = list_stores(request.app.state.container.read_uow())
    store_options = [("", "Todas")] + [(s.external_id, s.name or f"Loja {s.external_id}") for s in stores]
    return render(request, "orders/list.html", {
        **context, "status_options": STATUS_OPTIONS, "origin_options": ORIGIN_OPTIONS,
        "store_options": store_options if len(stores) > 1 or context["query"].loja else None})


@router.get("/pedidos/tabela", include_in_schema=False)
def orders_table(request: Request) -> Response:
    """The table alone, with the same filters: what the list page's htmx polling swaps in."""
    return render(request, "orders/_table.html", _orders_context(request))


# --- one order -----------------------------------------------------------------------------------------

def _list_kept(request: Request) -> str:
    """The list's filters the order page was opened with (`?lista=`), read again as filters (never used as an
    address): "← Pedidos/Orçamentos" returns to the same search, and so do the page's forms, which carry it."""
    query = OrderQuery.from_params(QueryParams(request.query_params.get("lista", "")))
    return query.query_string(pagina=query.pagina)


def _order_url(request: Request, number: int, anchor: str = "") -> str:
    kept = _list_kept(request)
    return f"/pedidos/{number}" + (f"?{urlencode({'lista': kept})}" if kept else "") + anchor


def _order_page(request: Request, number: int, status_code: int = 200, **context) -> Response:
    container = request.app.state.container
    kept = _list_kept(request)
    whole = request.query_params.get("historico") == "todo"
    order = show_order(container.read_uow(), number, money=formats.money,
                       history_latest=None if whole else HISTORY_SHOWN)
    documents = order_documents(container.read_uow(), number)
    # Only the totals are wanted (counted by the database); one row is read along.
    receivables = find_receivables(container.read_uow(), ReceivableFilter(order_number=number), limit=1)
    return render(request, "orders/detail.html", {
        "order": order, **order_page_data(order), "documents": documents, "action_error": None,
        "receivables_words": receivables_words(receivables),
        "history_total": order.get("history_total", len(order["log"])),
        "history_whole_url": f"/pedidos/{number}?{urlencode({**_kept_list(kept), 'historico': 'todo'})}#historico",
        "active_words": document_words(documents.active) if documents.active else None,
        "active_step": document_step(documents.active) if documents.active else None,
        # Generating from a cancelled order is refused: the menu says so instead of offering it.
        "cancelled": order["status"] == OrderStatus.CANCELLED.label,
        "customer_fixed": _customer_fixed(order, documents),
        "link_error": None, "link_values": {"cpf_cnpj": "", "nome": ""}, "ie_error": None, "ie_value": "",
        "tracking_error": None, "tracking_values": {"codigo": "", "link": ""},
        "back_url": f"/pedidos?{kept}" if kept else "/pedidos",
        "lista_query": f"?{urlencode({'lista': kept})}" if kept else "", **context}, status_code=status_code)


def _kept_list(kept: str) -> dict[str, str]:
    return {"lista": kept} if kept else {}


def _customer_fixed(order: dict, documents) -> LojasyncError | None:
    """Why the order's customer cannot be replaced now: the refusal the "Trocar cliente" form would get, shown
    in its place rather than after the operator has filled it in."""
    if order["customer"] and order["processed_by"]:
        return CustomerFixedByDocument(number=order["number"], document=ProcessedBy(order["processed_by"]).label,
                                       current=order["customer"]["name"])
    invoice = documents.active if isinstance(documents.active, InvoiceView) else None
    if invoice is None:
        return None
    # The link's own rule (`fiscal.recipient_guard`), so that the page never offers a form the link refuses.
    return link_refusal(order["number"], bool(order["customer"]), invoice.status,
                        f"NF-e nº {invoice.number} série {invoice.series}", invoice.status_label)


@router.get("/pedidos/{number}", include_in_schema=False)
def order_page(request: Request, number: PageId, lista: str = "") -> Response:
    # `lista`: the list's filters, as the list's link passed them (`_list_kept`).
    return _order_page(request, number)


@router.post("/pedidos/{number}/cliente", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def order_link_customer(request: Request, number: PageId, cpf_cnpj: Annotated[str, Form()] = "",
                        nome: Annotated[str, Form()] = "", trocar: Annotated[str, Form()] = "") -> Response:
    """Link a customer by CPF/CNPJ (created with the name given when none has it), as `orders link-customer`."""
    try:
        linked = link_customer(request.app.state.container.uow(), number, cpf_cnpj, nome.strip() or None,
                               actor=page_person(request), force=bool(trocar))
    except LojasyncError as exc:
        return _order_page(request, number, error_status(exc), link_error=exc,
                           link_values={"cpf_cnpj": cpf_cnpj, "nome": nome, "trocar": trocar})
    who = f"{linked['name']} ({formats.tax_id(linked['tax_id'])})"
    if not linked["changed"]:
        flash(request, f"O pedido {number} já estava vinculado a {who}: nada mudou.")
    else:
        replaced = f" (substituiu {linked['previous']['name']})" if linked["previous"] else ""
        flash(request, f"Pedido {number} vinculado a {who}{replaced}.", "success")
    return redirect(request, _order_url(request, number))


@router.post("/pedidos/{number}/cliente/ie", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def order_customer_ie(request: Request, number: PageId, cpf_cnpj: Annotated[str, Form()] = "",
                      ie: Annotated[str, Form()] = "") -> Response:
    """Set or clear the inscrição estadual of the order's customer (`customers ie`); the order's address checks
    it when the customer record has none."""
    try:
        customer = set_state_registration(request.app.state.container.uow(), cpf_cnpj, ie, order_number=number,
                                          actor=page_person(request))
    except LojasyncError as exc:
        return _order_page(request, number, error_status(exc), ie_error=exc, ie_value=ie)
    ie_kept = formats.ie(customer["state_registration"]) if customer["state_registration"] else None
    if not customer["changed"]:
        shown = f"com a inscrição estadual {ie_kept}" if ie_kept else "sem inscrição estadual"
        flash(request, f"{customer['name']} já estava {shown}: nada mudou.")
    else:
        done = f"inscrição estadual {ie_kept} gravada" if ie_kept else "inscrição estadual apagada"
        flash(request, f"{customer['name']}: {done} ({customer['contributor_label']}). Vale para as NF-e geradas "
                       "daqui em diante.", "success")
    return redirect(request, _order_url(request, number, "#cliente"))


@router.post("/pedidos/{number}/rastreio", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def order_tracking(request: Request, number: PageId, codigo: Annotated[str, Form()] = "",
                   link: Annotated[str, Form()] = "") -> Response:
    """Record the shipment's tracking code (`orders tracking`); an order from the store gets it there too."""
    try:
        recorded = record_tracking(request.app.state.container.uow(), number, codigo, link or None,
                                   actor=page_person(request))
    except LojasyncError as exc:
        return _order_page(request, number, error_status(exc), tracking_error=exc,
                           tracking_values={"codigo": codigo, "link": link})
    if not recorded["changed"]:
        flash(request, f"O pedido {number} já tinha o código de rastreio {recorded['tracking_code']}: nada mudou.")
    else:
        sent = (" A loja o recebe em instantes: o pedido fica como enviado lá e o cliente é avisado "
                "(acompanhe em Integração → Atualizações para a loja)." if recorded["from_store"] else "")
        flash(request, f"Pedido {number}: código de rastreio {recorded['tracking_code']} gravado.{sent}", "success")
        if recorded["from_store"]:
            push_soon(request)
    return redirect(request, _order_url(request, number, "#rastreio"))


@router.post("/pedidos/{number}/reprocessar", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def order_resync(request: Request, number: PageId) -> Response:
    """Read the order from the store again and import it (`orders resync`)."""
    container = request.app.state.container
    try:
        result = resync_order(container.uow(), container.client_for, container.policy(), number,
                              actor=page_person(request))
    except LojasyncError as exc:
        return _order_page(request, number, error_status(exc), action_error=exc,
                           action_title="Não foi possível reprocessar")
    words, level = _RESYNC_WORDS[result.outcome]
    flash(request, f"Pedido {number} relido da loja: {words.format(message=result.message or '')}", level)
    return redirect(request, _order_url(request, number))


@router.post("/pedidos/{number}/atencao-resolvida", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def order_attention_cleared(request: Request, number: PageId,
                            motivos: Annotated[list[str] | None, Form()] = None) -> Response:
    """The operator dealt with what flagged the order (`orders resolve`): recorded, nothing undone. Only the
    reasons the page showed (`motivos`): one raised since it was opened is kept, not cleared unseen."""
    # An unknown order: the 404 page.
    cleared, pending = clear_attention(request.app.state.container.uow(), number, page_person(request), motivos)
    if pending:
        # A reason raised since the page was opened, or by the resolution itself (an LGPD erasure it tried again and
        # that failed again: review, it was called "new since the page was opened").
        flash(request, (f"Pedido {number}: o que a página mostrava foi marcado como resolvido, mas o pedido ainda "
                        "precisa de atenção: confira abaixo.") if cleared else
              f"Pedido {number}: os motivos mudaram desde que a página foi aberta; nada foi marcado: confira abaixo.",
              "warning")
    else:
        flash(request, f"Pedido {number}: atenção marcada como resolvida." if cleared
              else f"O pedido {number} já não precisava de atenção.", "success" if cleared else "info")
    return redirect(request, _order_url(request, number))


@router.post("/pedidos/{number}/gerar-nfe", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def order_generate_invoice(request: Request, number: PageId) -> Response:
    """Mais ações → Gerar → NF-e: a pending NF-e (numbered, signed; nothing moves until it is transmitted)."""
    container = request.app.state.container
    try:
        invoice = generate_invoice(container.uow(), container.cipher, number, page_person(request),
                                   sefaz=sefaz_of(request))
    except LojasyncError as exc:
        return _order_page(request, number, error_status(exc), action_error=exc,
                           action_title="Não foi possível gerar a NF-e")
    flash(request, f"NF-e nº {invoice.number} gerada do pedido {number} (pendente). Para baixar o estoque e criar "
                   "as contas a receber, transmita-a à SEFAZ.", "success")
    say_ibs_cbs_year(request, invoice)
    return redirect(request, f"/nfe/{invoice.id}")


@router.post("/pedidos/{number}/gerar-venda", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def order_generate_sale(request: Request, number: PageId) -> Response:
    """Mais ações → Gerar → Venda simples: a pending sale (nothing moves until it is confirmed)."""
    try:
        sale = generate_sale(request.app.state.container.uow(), number, page_person(request))
    except LojasyncError as exc:
        return _order_page(request, number, error_status(exc), action_error=exc,
                           action_title="Não foi possível gerar a venda simples")
    flash(request, f"Venda simples {sale.id} gerada do pedido {number} ({formats.money(sale.total)}). Para baixar o "
                   "estoque e criar as contas a receber, confirme-a.", "success")
    return redirect(request, f"/vendas/{sale.id}")
