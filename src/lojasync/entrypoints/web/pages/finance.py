"""Financeiro: contas a receber (em aberto, vencida, recebida, cancelada), filtered by situation and due date,
with totals, the order each belongs to, marking one received (baixa), and marking checked one received before its
document was cancelled."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.web.auth import csrf_protect, page_person, page_user
from lojasync.entrypoints.web.errors import error_status
from lojasync.entrypoints.web.pages.inputs import PageId
from lojasync.entrypoints.web.pages.ledger_documents import ledger_document
from lojasync.entrypoints.web.pages.paging import PER_PAGE, counted_page, page_count, page_number
from lojasync.entrypoints.web.templating import flash, redirect, render
from lojasync.finance.services import check_receivable, receive, undo_receipt, write_off_receivable
from lojasync.finance.views import ReceivableFilter, Situation, find_receivables, local_today
from lojasync.fiscal.services.views import invoice_numbers
from lojasync.nuvemshop.services.order_search import (
    StoreNumberAmbiguous,
    StoreNumberNotFound,
    order_number_for_store_number,
)
from lojasync.shared.errors import LojasyncError
from lojasync.shared.numbers import id_or_none

router = APIRouter(dependencies=[Depends(page_user)])

SITUATIONS = [("", "Todas")] + [(s.value, s.label.capitalize()) for s in Situation]
FILTERS = ("situacao", "vencimento_de", "vencimento_ate", "recebida_de", "recebida_ate", "pedido", "conferir")
PAYMENT_METHODS = {"credit_card": "cartão de crédito", "debit_card": "cartão de débito", "boleto": "boleto",
                   "pix": "Pix", "wire_transfer": "transferência", "cash": "dinheiro"}


class FilterInvalid(LojasyncError):
    code = "web.finance_filter_invalid"
    message_template = "Valor inválido em {field}: {given}."
    resolution_template = "{hint}"


def _day(value: str, field: str) -> date | None:
    """A date input sends 2026-12-31; typed by hand (a browser without a date picker) it is 31/12/2026."""
    return formats.parse_day(value, field) if value.strip() else None


def _order_number(request: Request, typed: str) -> int:
    """The order the operator means: "#139" is the store's number, as every page names it ("Loja virtual #139");
    a bare number is lojasync's (the "Pedido 40" of this list)."""
    if not typed.startswith("#"):
        number = id_or_none(typed)
        if number is None:
            raise FilterInvalid(field="Número do pedido", given=typed,
                                hint="Informe o número do pedido (40) ou o número na loja com # (#139).")
        return number
    try:
        return order_number_for_store_number(request.app.state.container.read_uow(), typed)
    except StoreNumberNotFound:
        raise FilterInvalid(field="Número do pedido", given=typed,
                            hint="Nenhum pedido tem esse número na loja: confira-o, ou informe o número do pedido "
                                 "aqui (sem #). Um pedido novo que ainda não chegou vem com a próxima "
                                 "sincronização.") from None
    except StoreNumberAmbiguous as exc:
        raise FilterInvalid(field="Número do pedido", given=typed,
                            hint=f"Lojas diferentes têm pedidos com esse número (pedidos {exc.params['orders']}): "
                                 "informe o número do pedido aqui (sem #).") from None


def _criteria(request: Request, situacao: str, vencimento_de: str, vencimento_ate: str, pedido: str,
              conferir: str = "", recebida_de: str = "", recebida_ate: str = "") -> ReceivableFilter:
    try:
        situation = Situation(situacao) if situacao else None
    except ValueError:
        raise FilterInvalid(field="Situação", given=situacao,
                            hint="Escolha em aberto, vencida, recebida ou cancelada.") from None
    number = _order_number(request, pedido.strip()) if pedido.strip() else None
    return ReceivableFilter(situation, _day(vencimento_de, "Vencimento a partir de"),
                            _day(vencimento_ate, "Vencimento até"), number, to_check=True if conferir else None,
                            received_from=_day(recebida_de, "Recebida a partir de"),
                            received_to=_day(recebida_ate, "Recebida até"))


@router.get("/financeiro", include_in_schema=False)
def finance_page(request: Request, situacao: str = "", vencimento_de: str = "", vencimento_ate: str = "",
                 recebida_de: str = "", recebida_ate: str = "", pedido: str = "", conferir: str = "",
                 pagina: str = "1") -> Response:
    return _page(request, {"situacao": situacao, "vencimento_de": vencimento_de, "vencimento_ate": vencimento_ate,
                           "recebida_de": recebida_de, "recebida_ate": recebida_ate, "pedido": pedido,
                           "conferir": "1" if conferir else ""}, page=pagina)


def _page(request: Request, filters: dict[str, str], error: LojasyncError | None = None,
          status_code: int = 200, page: str = "1", error_title: str | None = None,
          write_off: tuple[int, str] | None = None, receipt: tuple[int, str, str] | None = None) -> Response:
    listing, filter_error, number = None, None, page_number(page)
    try:
        # One page read, and the totals counted by the database: the list read whole took seconds a visit once a
        # store had a year of receivables (benchmarks/finance_page.py).
        listing = find_receivables(request.app.state.container.read_uow(), _criteria(request, **filters),
                                   limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    except LojasyncError as exc:
        filter_error, status_code = exc, 422
    items = listing.items if listing else []
    numbers = invoice_numbers(request.app.state.container.read_uow(),
                              [(r["document"], str(r["document_id"])) for r in items])
    documents = [ledger_document(r["document"], str(r["document_id"]), numbers) for r in items]
    rows = [{**r, "document_label": document["label"], "document_url": document["url"],
             "method": PAYMENT_METHODS.get((r["payment_method"] or "").lower(), r["payment_method"])}
            for r, document in zip(items, documents, strict=True)]
    matched = listing.matched if listing else 0
    result = counted_page(request, rows, number, page_count(matched), matched, path="/financeiro", params=filters)
    # Where "Marcar como recebida" comes back to: this list, with its filters and page.
    query = urlencode([(k, v) for k, v in filters.items() if v] + ([("pagina", str(result.page))] if result.page > 1
                                                                    else []))
    return render(request, "finance/list.html", {
        "result": result, "listing": listing, "filters": filters, "situations": SITUATIONS, "error": error,
        "error_title": error_title, "write_off_row": write_off[0] if write_off else None,
        "write_off_typed": write_off[1] if write_off else None,
        "receipt_row": receipt[0] if receipt else None,
        "receipt_typed": _as_date_input(receipt[1]) if receipt else None,
        "receipt_shown": receipt[2] if receipt else None,
        "filter_error": filter_error, "back": "/financeiro" + (f"?{query}" if query else ""),
        # "Ver só as a conferir": the ones the notice counted, those of this filter (review: the link dropped it).
        "to_check_url": "/financeiro?" + urlencode([(k, v) for k, v in filters.items() if v and k != "conferir"]
                                                   + [("conferir", "1")]),
        "today_iso": (listing.today if listing else local_today()).isoformat()},
        status_code=status_code)



@router.post("/financeiro/{receivable_id}/receber", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def mark_received(request: Request, receivable_id: PageId, voltar: Annotated[str, Form()] = "/financeiro",
                  recebida_em: Annotated[str, Form()] = "", mostrado_em: Annotated[str, Form()] = "") -> Response:
    """Baixa: the receivable is received on the day given, today by default (a second click changes nothing). The
    day left as the page showed it is today's, whenever the form is sent (review: a tab left open past midnight
    put the receipt in yesterday's cash)."""
    back = _back(voltar)
    try:
        received_on = None if recebida_em.strip() == mostrado_em.strip() else _day(recebida_em, "Recebida em")
        row, changed = receive(request.app.state.container.uow(), receivable_id, actor=page_person(request),
                               received_on=received_on)
    except LojasyncError as exc:
        # The day typed comes back in its row's form, and the day shown with it: a refused day left as it was
        # is refused again, instead of the form offering today (review: the day typed was lost, and sending the
        # form again as it came back put the receipt on today).
        return _refused(request, back, exc, "Recebimento não registrado",
                        receipt=(receivable_id, recebida_em, mostrado_em))
    day = f", em {formats.day(row['received_at'])}" if received_on is not None else ""
    if changed:
        flash(request, f"Conta {row['id']} recebida{day}: {formats.money(row['amount'])}.", "success")
    else:
        flash(request, f"Conta {row['id']} já estava recebida (em {formats.day(row['received_at'])}): nada mudou.",
              "info")
    return redirect(request, _landing(request, back))


@router.post("/financeiro/{receivable_id}/conferida", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def mark_checked(request: Request, receivable_id: PageId, voltar: Annotated[str, Form()] = "/financeiro") -> Response:
    """A person decided about a receivable received before its document was cancelled: it is no longer "conferir"."""
    back = _back(voltar)
    try:
        row, changed = check_receivable(request.app.state.container.uow(), receivable_id, actor=page_person(request))
    except LojasyncError as exc:
        return _refused(request, back, exc, "Conta não conferida")
    if changed:
        flash(request, f"Conta {row['id']} conferida.", "success")
    else:
        flash(request, f"Conta {row['id']} não estava marcada para conferir.", "info")
    return redirect(request, _landing(request, back))


@router.post("/financeiro/{receivable_id}/cancelar", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def write_off(request: Request, receivable_id: PageId, motivo: Annotated[str, Form()] = "",
              voltar: Annotated[str, Form()] = "/financeiro") -> Response:
    """An open receivable the customer will not pay, its document standing: cancelled, with the reason given."""
    back = _back(voltar)
    try:
        row, changed = write_off_receivable(request.app.state.container.uow(), receivable_id, motivo,
                                            actor=page_person(request))
    except LojasyncError as exc:
        # The reason typed comes back in its row's form, open, to be corrected rather than typed again.
        return _refused(request, back, exc, "Conta não cancelada", write_off=(receivable_id, motivo))
    if changed:
        flash(request, f"Conta {row['id']} cancelada: {formats.money(row['amount'])} não será recebido; o motivo "
                       "está no histórico do pedido.", "success")
    else:
        flash(request, f"Conta {row['id']} já estava cancelada.", "info")
    return redirect(request, _landing(request, back))


@router.post("/financeiro/{receivable_id}/desfazer", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def undo(request: Request, receivable_id: PageId, motivo: Annotated[str, Form()] = "",
         voltar: Annotated[str, Form()] = "/financeiro") -> Response:
    """A receipt marked by mistake: undone, with the reason given (open again, or cancelled with its document)."""
    back = _back(voltar)
    try:
        row, changed = undo_receipt(request.app.state.container.uow(), receivable_id, motivo,
                                    actor=page_person(request))
    except LojasyncError as exc:
        return _refused(request, back, exc, "Recebimento não desfeito", write_off=(receivable_id, motivo))
    if changed:
        now = ("cancelada, como estava antes do recebimento" if row["written_off"] else
               "cancelada (o documento dela foi cancelado)" if row["status"] == "cancelled" else "em aberto de novo")
        flash(request, f"Recebimento da conta {row['id']} desfeito: ela está {now}; o motivo está no histórico do "
                       "pedido.", "success")
    else:
        flash(request, f"Conta {row['id']} não estava recebida.", "info")
    return redirect(request, _landing(request, back))


def _back(voltar: str) -> str:
    return voltar if voltar.startswith("/financeiro") and not voltar.startswith("//") else "/financeiro"


def _landing(request: Request, back: str) -> str:
    """`back` once an action is done, on a page that still exists: the last row of the last page received or
    cancelled under a filter it no longer matches left that page empty (review: the operator landed on "Não há
    página 2")."""
    filters, asked = _shown_in(back)
    page = page_number(asked)
    if page == 1:
        return back
    try:
        criteria = _criteria(request, **filters)
        matched = find_receivables(request.app.state.container.read_uow(), criteria, limit=1).matched
    except LojasyncError:
        return back   # the page says what is wrong with its filters
    last = page_count(matched)
    if page <= last:
        return back
    parts = urlsplit(back)   # the same address, every parameter kept, at the last page
    kept = [(k, v) for k, values in parse_qs(parts.query).items() if k != "pagina" for v in values]
    query = urlencode(kept + ([("pagina", str(last))] if last > 1 else []))
    return parts.path + (f"?{query}" if query else "")


def _as_date_input(typed: str) -> str:
    """What a date input shows of a day typed: ISO when it is a day (a browser with a date picker shows nothing
    else), as typed otherwise (one without a picker shows the text, to be corrected)."""
    try:
        return formats.parse_day(typed, "Recebida em").isoformat()
    except LojasyncError:
        return typed


def _refused(request: Request, back: str, exc: LojasyncError, title: str,
             write_off: tuple[int, str] | None = None, receipt: tuple[int, str, str] | None = None) -> Response:
    # The list as it was shown (its filters travel in `voltar`), with the error above it.
    filters, page = _shown_in(back)
    # 404 for a receivable that does not exist; 409 for one whose state refuses the action; 422 for a reason too
    # short to keep: as the API says it.
    return _page(request, filters, error=exc, status_code=error_status(exc), page=page, error_title=title,
                 write_off=write_off, receipt=receipt)


def _shown_in(back: str) -> tuple[dict[str, str], str]:
    """The filters and the page of the list `back` addresses, as its form gives them."""
    shown = parse_qs(urlsplit(back).query)
    return {k: shown.get(k, [""])[0] for k in FILTERS}, shown.get("pagina", ["1"])[0]
