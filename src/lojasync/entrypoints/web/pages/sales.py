"""Vendas simples: the list and one sale's page with Confirmar (stock down, receivables created, once) and
Cancelar (both reversed). The same services as `lojasync sales ...`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from lojasync.entrypoints.web.auth import csrf_protect, page_person, page_user
from lojasync.entrypoints.web.errors import error_status
from lojasync.entrypoints.web.pages.inputs import PageId
from lojasync.entrypoints.web.pages.order_query import UNKNOWN_SITUATION
from lojasync.entrypoints.web.pages.paging import counted_page, page_number
from lojasync.entrypoints.web.store_pushes import push_soon
from lojasync.entrypoints.web.templating import flash, redirect, render
from lojasync.finance.views import to_check_of
from lojasync.fiscal.services.effect_words import done_words, undone_words
from lojasync.fiscal.services.simple_sales import cancel_sale, confirm_sale
from lojasync.fiscal.services.views import page_of_sales, sale_customer, show_sale
from lojasync.fiscal.simple_sales import SaleStatus
from lojasync.nuvemshop.services.lgpd.redaction import erasure_still_pending
from lojasync.shared.errors import LojasyncError

router = APIRouter(dependencies=[Depends(page_user)])
PER_PAGE = 50
STATUSES = {"pendente": SaleStatus.PENDING, "confirmada": SaleStatus.CONFIRMED, "cancelada": SaleStatus.CANCELLED}
STATUS_OPTIONS = [("", "Todas")] + [(value, status.label) for value, status in STATUSES.items()]


@router.get("/vendas", include_in_schema=False)
def sales_page(request: Request, situacao: str = "", pagina: str = "") -> Response:
    status = STATUSES.get(situacao)
    situacao_error = UNKNOWN_SITUATION if situacao and status is None else None
    found = page_of_sales(request.app.state.container.read_uow(), status, page_number(pagina), PER_PAGE)
    result = counted_page(request, found.items, found.page, found.pages, found.total, path="/vendas",
                          params={"situacao": situacao if status else ""})
    return render(request, "sales/list.html", {"sales": found.items, "result": result,
                                               "situacao": situacao if status else "", "situacao_error": situacao_error,
                                               "status_options": STATUS_OPTIONS, "per_page": PER_PAGE})


def _sale_page(request: Request, sale_id: int, status_code: int = 200, **context) -> Response:
    sale = show_sale(request.app.state.container.read_uow(), sale_id)
    # Received before the cancellation and flagged: where they are checked (the flash said only "conferir").
    to_check = (to_check_of(request.app.state.container.read_uow(), "simple_sale", str(sale.id))
                if sale.status == "cancelled" else 0)
    customer = sale_customer(request.app.state.container.read_uow(), sale)
    return render(request, "sales/detail.html", {"sale": sale, "customer": customer, "action_error": None,
                                                 "to_check": to_check, **context}, status_code=status_code)


@router.get("/vendas/{sale_id}", include_in_schema=False)
def sale_page(request: Request, sale_id: PageId) -> Response:
    return _sale_page(request, sale_id)


@router.post("/vendas/{sale_id}/confirmar", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def sale_confirm(request: Request, sale_id: PageId) -> Response:
    try:
        sale, changed = confirm_sale(request.app.state.container.uow(), sale_id, page_person(request))
    except LojasyncError as exc:
        return _sale_page(request, sale_id, error_status(exc), action_error=exc,
                          action_title="Venda simples não confirmada")
    if changed:
        push_soon(request)
        done = done_words(request.app.state.container.read_uow(), "simple_sale", str(sale.id))
        flash(request, f"Venda simples {sale.id} confirmada: {done}.", "success")
    else:
        flash(request, f"A venda simples {sale.id} já estava confirmada: nada foi feito de novo.")
    return redirect(request, f"/vendas/{sale_id}")


@router.post("/vendas/{sale_id}/cancelar", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def sale_cancel(request: Request, sale_id: PageId, estado: Annotated[str, Form()] = "") -> Response:
    # The status the page showed: "A venda ainda não foi confirmada: nada muda" must not cancel one confirmed since.
    shown = SaleStatus(estado) if estado in {s.value for s in SaleStatus} else None
    try:
        sale, changed = cancel_sale(request.app.state.container.uow(), sale_id, page_person(request), shown=shown)
    except LojasyncError as exc:
        return _sale_page(request, sale_id, error_status(exc), action_error=exc,
                          action_title="Venda simples não cancelada")
    if changed:
        push_soon(request)
        read_uow = request.app.state.container.read_uow()
        undone = (f": {undone_words(read_uow, 'simple_sale', str(sale.id), sale.order_number)}"
                  if sale.confirmed_at else "")
        flash(request, f"Venda simples {sale.id} cancelada{undone}.", "success")
        # Only a confirmed sale kept the buyer's data (a pending one owed no erasure): asked only then.
        if sale.confirmed_at and (pending := erasure_still_pending(read_uow, sale.order_number)):
            flash(request, f"Pedido {sale.order_number}: {pending}", "warning")
    else:
        flash(request, f"A venda simples {sale.id} já estava cancelada: nada foi feito de novo.")
    return redirect(request, f"/vendas/{sale_id}")
