"""Estoque: products with their stock on hand, and one product's page: its ledger (which document moved it),
a stock count, an entrada or saída, and its fiscal data (NCM, CEST, origem, unidade, GTIN, CFOP)."""

from __future__ import annotations

import re
import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from lojasync.entrypoints.cli.formats import number, signed_number
from lojasync.entrypoints.web.auth import csrf_protect, page_person, page_user
from lojasync.entrypoints.web.errors import error_status, without_slash_redirect
from lojasync.entrypoints.web.pages.inputs import whole_number
from lojasync.entrypoints.web.pages.ledger_documents import ledger_document
from lojasync.entrypoints.web.pages.paging import PER_PAGE, counted_page, page_count, page_number
from lojasync.entrypoints.web.store_pushes import push_soon
from lojasync.entrypoints.web.templating import flash, redirect, render
from lojasync.fiscal.services.company import CompanyMissing, show_company
from lojasync.fiscal.services.views import document_orders, invoice_numbers
from lojasync.shared.errors import LojasyncError
from lojasync.stock.adjustments import MAX_REASON, AdjustmentIdTaken, AdjustmentInvalid, adjust_stock
from lojasync.stock.counts import CountIdTaken, CountInvalid, count_stock
from lojasync.stock.fiscal_data import ProductFiscalData, set_fiscal_data
from lojasync.stock.product_filter import ProductFilter
from lojasync.stock.views import ProductNotFound, product_detail, stock_overview_page

router = APIRouter(dependencies=[Depends(page_user)])
# The product page's forms, by the last part of their action's address.
PRODUCT_FORMS = ("contagem", "ajuste", "dados-fiscais")

# The document behind each kind of movement: its words and where its page is.
ORIGINS = [("", "— (padrão da empresa)"), ("0", "0 - Nacional"), ("1", "1 - Estrangeira, importação direta"),
           ("2", "2 - Estrangeira, adquirida no mercado interno"), ("3", "3 - Nacional, conteúdo importado > 40%"),
           ("4", "4 - Nacional, processos produtivos básicos"), ("5", "5 - Nacional, conteúdo importado ≤ 40%"),
           ("6", "6 - Estrangeira, importação direta sem similar"),
           ("7", "7 - Estrangeira, mercado interno sem similar"), ("8", "8 - Nacional, conteúdo importado > 70%")]


# The list's "Mostrar" choices; any other value shows every product and the field says why, as the orders' list does
# for a situation it does not know (pages journey: /estoque?filtro=xx showed everything without a word).
STOCK_FILTERS = ("", "erp", "loja", "sem-ncm")


@router.get("/estoque", include_in_schema=False)
def stock_page(request: Request, busca: str = "", filtro: str = "", pagina: str = "1") -> Response:
    errors = {} if filtro in STOCK_FILTERS else {"filtro": "Filtro desconhecido: escolha um da lista."}
    # The search without accents, as the orders' ("cafe" finds "Café moído"); "id:80" finds "sem SKU (id:80)".
    criteria = ProductFilter(text=busca, managed=filtro == "erp", created_by_store=filtro == "loja",
                             without_ncm=filtro == "sem-ncm")
    number = page_number(pagina)
    # Only the page shown is read, with its counts: with 20,000 products, reading them all to show 100 took
    # 0.5-0.66 s a visit.
    rows, matched, total = stock_overview_page(request.app.state.container.read_uow(), criteria, PER_PAGE,
                                               (number - 1) * PER_PAGE)
    result = counted_page(request, rows, number, page_count(matched), matched)
    return render(request, "stock/list.html", {"result": result, "total": total,
                                               "busca": busca, "filtro": filtro, "errors": errors,
                                               "default_ncm": _default_ncm(request.app.state.container)})


def _default_ncm(container) -> str | None:
    """The company's NCM for products without their own: with it, such a product can be invoiced as it is."""
    try:
        return show_company(container.read_uow()).default_ncm
    except CompanyMissing:
        return None


# Movements a page shows, newest first: a product sold all year had 30,000, and its page took 2 s and 7 MB (review).
MOVEMENTS_PER_PAGE = 100


def _product_page(request: Request, sku: str, status_code: int = 200, page: str | None = None,
                  **context) -> Response:
    container = request.app.state.container
    number = page_number(page)
    # Only the page shown is read, newest first, each row with the whole ledger's balance up to it.
    product = product_detail(container.read_uow(), sku, MOVEMENTS_PER_PAGE, (number - 1) * MOVEMENTS_PER_PAGE,
                             newest_first=True)
    total = product["movement_count"]
    shown = counted_page(request, product["movements"], number, page_count(total, MOVEMENTS_PER_PAGE), total,
                         path=_product_url(product["reference"]), params={})
    sources = [(m["source_type"], m["source_id"]) for m in shown.items]
    numbers = invoice_numbers(container.read_uow(), sources)
    orders = document_orders(container.read_uow(), sources)
    movements = [{**m, "document": ledger_document(m["source_type"], m["source_id"], numbers),
                  "order_number": orders.get((m["source_type"], m["source_id"]))} for m in shown.items]
    values = context.pop("fiscal_values", None) or {k: v or "" for k, v in product["fiscal"].items()}
    return render(request, "stock/product.html", {
        "product": product, "movements": movements, "result": shown, "origins": ORIGINS, "fiscal_values": values,
        "count_error": None, "fiscal_error": None, "quantity": "", "count_key": uuid.uuid4().hex,
        "adjust_error": None, "adjust_quantity": "", "adjust_reason": "", "max_reason": MAX_REASON, **context},
        status_code=status_code)


@router.get("/estoque/{sku:path}", include_in_schema=False)
def product_page(request: Request, sku: str, pagina: str = "1") -> Response:
    # "/estoque/" is this route's, with no SKU, not the router's 404 that sends the other pages' addresses with a
    # trailing slash on (`errors._without_slash`): it answered 422. The list, with its search and filter.
    if not sku:
        return without_slash_redirect(request, "/estoque")
    try:
        return _product_page(request, sku, page=pagina)
    except ProductNotFound:
        # A trailing slash that is no SKU's own: the address without it, as on the other pages.
        wanted = sku.rstrip("/")
        if not wanted:
            return without_slash_redirect(request, "/estoque")
        # A refused count or fiscal form is shown at its action's address; opened again from there (address
        # bar, bookmark), the SKU pattern reads ".../contagem" as part of the SKU: the product's page instead.
        product_sku, _, form = wanted.rpartition("/")
        if form in PRODUCT_FORMS and product_sku:
            return redirect(request, _product_url(product_sku))
        if wanted != sku:
            return redirect(request, _product_url(wanted))
        raise


@router.post("/estoque/{sku:path}/contagem", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def count(request: Request, sku: str, quantidade: Annotated[str, Form()] = "",
          contagem: Annotated[str, Form()] = "") -> Response:
    """The stock count: the balance becomes what was counted and the ERP manages the product from then on.

    `contagem`: the form's own key (each page shows a new one). The same form sent again (the browser's history, a
    reload after a lost answer) is the same count: it moves nothing a second time, where it would have set the
    balance back to the old count after a sale in between (review). Sent again with another quantity, it is a count
    of its own."""
    container = request.app.state.container
    try:
        quantity = whole_number(quantidade)
    except ValueError:
        error = CountInvalid(sku=sku, quantity=quantidade.strip() or "(vazio)")
        return _product_page(request, sku, 422, count_error=error, quantity=quantidade)
    key = contagem if _FORM_KEY.fullmatch(contagem) else None
    made_by = page_person(request).label
    try:
        try:
            result = count_stock(container.uow(), sku, quantity, key and f"pagina:{key}", made_by)
        except CountIdTaken:
            result = count_stock(container.uow(), sku, quantity, made_by=made_by)
    except LojasyncError as exc:
        return _product_page(request, sku, error_status(exc), count_error=exc, quantity=quantidade)
    push_soon(request)
    if result["repeated"]:
        # The count's own figure, said as the count's: the stock now is the page's (review: "(estoque 10)" read as the
        # balance, under a card saying 1.003).
        flash(request, f"Esta contagem de {result['reference']} ({number(result['quantity'])} em estoque na hora) já "
                       "estava registrada: nada foi movimentado de novo.", "info")
    else:
        flash(request, f"Contagem de {result['reference']} registrada: estoque {number(result['quantity'])} "
                       f"(era {number(result['previous'])}; ajuste de {signed_number(result['adjustment'])}).",
              "success")
    return redirect(request, _product_url(sku))


_FORM_KEY = re.compile(r"[0-9a-f]{32}")


@router.post("/estoque/{sku:path}/ajuste", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def adjust(request: Request, sku: str, quantidade_ajuste: Annotated[str, Form()] = "",
           motivo: Annotated[str, Form()] = "", ajuste: Annotated[str, Form()] = "") -> Response:
    """An entrada or a saída: added to the balance as it is now. `ajuste`: the form's own key, as the count's: the
    same form sent again moves nothing a second time (it would have brought the goods in twice)."""
    container = request.app.state.container
    typed = {"adjust_quantity": quantidade_ajuste, "adjust_reason": motivo}
    try:
        # "+5", as the movements list writes an entrada (review: the page refused what the terminal took).
        text = quantidade_ajuste.strip()
        quantity = whole_number(text[1:] if text[:1] == "+" and text[1:2].isdigit() else text)
    except ValueError:
        error = AdjustmentInvalid(sku=sku, quantity=quantidade_ajuste.strip() or "(vazio)")
        return _product_page(request, sku, 422, adjust_error=error, **typed)
    key = ajuste if _FORM_KEY.fullmatch(ajuste) else None
    made_by = page_person(request).label
    try:
        try:
            result = adjust_stock(container.uow(), sku, quantity, motivo, key and f"pagina:{key}", made_by)
        except AdjustmentIdTaken:   # the same page sent again with another quantity: an adjustment of its own
            result = adjust_stock(container.uow(), sku, quantity, motivo, made_by=made_by)
    except LojasyncError as exc:
        return _product_page(request, sku, error_status(exc), adjust_error=exc, **typed)
    moved = result["adjustment"]
    if result["repeated"]:
        flash(request, f"Esta {'entrada' if moved > 0 else 'saída'} de {number(abs(moved))} unidade(s) de "
                       f"{result['reference']} já estava registrada: nada foi movimentado de novo.", "info")
    else:
        push_soon(request)
        flash(request, f"{'Entrada' if moved > 0 else 'Saída'} de {number(abs(moved))} unidade(s) de "
                       f"{result['reference']} registrada: estoque {number(result['quantity'])}.", "success")
    return redirect(request, _product_url(sku))


@router.post("/estoque/{sku:path}/dados-fiscais", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def fiscal_data(request: Request, sku: str, ncm: Annotated[str, Form()] = "", cest: Annotated[str, Form()] = "",
                origin: Annotated[str, Form()] = "", unit: Annotated[str, Form()] = "",
                gtin: Annotated[str, Form()] = "", cfop: Annotated[str, Form()] = "") -> Response:
    """The product's fiscal data; a field left blank is cleared (the company's default applies again)."""
    values = {"ncm": ncm, "cest": cest, "origin": origin, "unit": unit, "gtin": gtin, "cfop": cfop}
    try:
        set_fiscal_data(request.app.state.container.uow(), sku, ProductFiscalData(**values))
    except LojasyncError as exc:
        return _product_page(request, sku, error_status(exc), fiscal_error=exc, fiscal_values=values)
    flash(request, f"Dados fiscais de {sku} gravados.", "success")
    return redirect(request, _product_url(sku) + "#dados-fiscais")


def _product_url(sku: str) -> str:
    return "/estoque/" + quote(sku, safe="")
