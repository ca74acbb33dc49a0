"""NF-e: the list, one NF-e's page (Transmitir, Cancelar with its justification, SEFAZ's answer in full), and
its files (XML, DANFE). The same services as `lojasync invoices ...`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from lojasync.entrypoints.web.auth import csrf_protect, now, page_person, page_user
from lojasync.entrypoints.web.company_notices import say_ibs_cbs_year
from lojasync.entrypoints.web.downloads import download
from lojasync.entrypoints.web.errors import error_status
from lojasync.entrypoints.web.pages.fiscal_access import sefaz_of
from lojasync.entrypoints.web.pages.inputs import PageId, whole_number
from lojasync.entrypoints.web.pages.order_query import UNKNOWN_SITUATION
from lojasync.entrypoints.web.pages.paging import counted_page, page_number
from lojasync.entrypoints.web.store_pushes import push_soon
from lojasync.entrypoints.web.templating import errors_in, flash, redirect, render
from lojasync.entrypoints.worker_words import PAGE_NO_WORKER_ALONE, no_worker_words
from lojasync.finance.views import to_check_of
from lojasync.fiscal.errors import DiscardNeedsReason
from lojasync.fiscal.gateway import DUPLICATE_WITH_DIFFERENT_KEY, NUMBER_ALREADY_VOIDED, NUMBER_SPENT_AT_SEFAZ
from lojasync.fiscal.invoices import InvoiceStatus
from lojasync.fiscal.nfe_events import CancellationReasonInvalid
from lojasync.fiscal.nfe_voids import VoidReasonInvalid
from lojasync.fiscal.services.effect_words import done_words, undone_words
from lojasync.fiscal.services.invoice_cancellation import (
    cancel_invoice,
    cancellation_deadline,
    withdraw_cancellation,
)
from lojasync.fiscal.services.invoice_files import cancellation_xml, invoice_danfe, invoice_xml
from lojasync.fiscal.services.invoices import SENDING_WINDOW, approve_invoice
from lojasync.fiscal.services.number_gaps import (
    CHECK_NOTE,
    DEADLINE_NOTE,
    HOMOLOGATION_NOTE,
    numbers_to_void,
    production_gaps_left,
    production_gaps_note,
)
from lojasync.fiscal.services.number_voids import (
    VoidRangeInvalid,
    company_numbering,
    list_number_voids,
    void_numbers,
    void_xml,
    voids_covering,
)
from lojasync.fiscal.services.views import page_of_invoices, sefaz_down_words, show_invoice
from lojasync.fiscal.services.worker_work import left_to_worker
from lojasync.nuvemshop.services.lgpd.redaction import erasure_still_pending
from lojasync.shared.errors import LojasyncError

router = APIRouter(dependencies=[Depends(page_user)])
PER_PAGE = 50
STATUSES = {"pendente": InvoiceStatus.PENDING, "aguardando": InvoiceStatus.AWAITING,
            "autorizada": InvoiceStatus.AUTHORISED, "rejeitada": InvoiceStatus.REJECTED,
            "denegada": InvoiceStatus.DENIED, "cancelada": InvoiceStatus.CANCELLED,
            "descartada": InvoiceStatus.DISCARDED}
STATUS_OPTIONS = [("", "Todas")] + [(value, status.label) for value, status in STATUSES.items()]
# What can be done in each state (the services refuse the rest anyway; the page shows only what applies).
TRANSMITTABLE = {"pending", "awaiting_sefaz", "rejected"}
DISCARDABLE = {"pending", "rejected"}


@router.get("/nfe", include_in_schema=False)
def invoices_page(request: Request, situacao: str = "", pagina: str = "") -> Response:
    status = STATUSES.get(situacao)
    situacao_error = UNKNOWN_SITUATION if situacao and status is None else None
    found = page_of_invoices(request.app.state.container.read_uow(), status, page_number(pagina), PER_PAGE)
    result = counted_page(request, found.items, found.page, found.pages, found.total, path="/nfe",
                          params={"situacao": situacao if status else ""})
    return render(request, "invoices/list.html", {
        "invoices": found.items, "result": result, "situacao": situacao if status else "",
        "situacao_error": situacao_error, "status_options": STATUS_OPTIONS, "per_page": PER_PAGE})


VOIDS_SHOWN = 200
# What the pages say of a number to void: optional in homologação; due by the 10th of the next month in produção.
GAP_NOTES = {"homologation": HOMOLOGATION_NOTE, "deadline": DEADLINE_NOTE, "check": CHECK_NOTE}


def _voids_page(request: Request, status_code: int = 200, **context) -> Response:
    container = request.app.state.container
    voids, total = list_number_voids(container.read_uow(), VOIDS_SHOWN)
    return render(request, "invoices/voids.html", {
        "voids": voids, "total": total, "current_series": company_numbering(container.read_uow())[0],
        "gaps": numbers_to_void(container.read_uow()),
        "production_note": production_gaps_note(production_gaps_left(container.read_uow())),
        "gap_notes": GAP_NOTES,
        "void_error": None, "primeiro": "", "ultimo": "", "serie": "", "justificativa": "", "justificativa_error": None,
        **context},
        status_code=status_code)


@router.get("/nfe/inutilizacoes", include_in_schema=False)
def number_voids_page(request: Request, primeiro: str = "", ultimo: str = "", serie: str = "") -> Response:
    """The requests to void numbers, the numbers still to void (`invoices gaps`), and the form that makes one
    (`invoices voids`, `invoices void`); a gap's "Preencher" link fills the form with its range."""
    return _voids_page(request, **{name: value[:_TYPED_DIGITS] for name, value in
                                   (("primeiro", primeiro), ("ultimo", ultimo), ("serie", serie))})


# A number typed in the form has at most 9 digits (12 keeps room for spaces): more in a link's query is not
# from the page, and the form's own checks refuse what is kept.
_TYPED_DIGITS = 12


@router.post("/nfe/inutilizacoes", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def number_void(request: Request, primeiro: Annotated[str, Form()] = "", ultimo: Annotated[str, Form()] = "",
                serie: Annotated[str, Form()] = "", justificativa: Annotated[str, Form()] = "") -> Response:
    container = request.app.state.container
    typed = {"primeiro": primeiro, "ultimo": ultimo, "serie": serie, "justificativa": justificativa}
    try:
        first = _whole_number(primeiro, "o primeiro número")
        last = _whole_number(ultimo, "o último número") if ultimo.strip() else None
        series = _series(serie) if serie.strip() else None
        voided, changed = void_numbers(container.uow(), container.cipher, sefaz_of(request), first, last,
                                       justificativa, series=series, actor=page_person(request))
    except LojasyncError as exc:
        field_error = exc.message if isinstance(exc, VoidReasonInvalid) else None
        return _voids_page(request, error_status(exc), void_error=exc, justificativa_error=field_error,
                           **typed)
    protocol = f" (protocolo {voided.protocol})" if voided.protocol else ""
    done = f"{voided.numbers_phrase} (série {voided.series})"
    flash(request, (f"{done} {voided.voided_word} na SEFAZ{protocol}." if changed
                    else f"{done} {voided.voided_before}: nada foi enviado de novo."), "success")
    return redirect(request, "/nfe/inutilizacoes")


@router.get("/nfe/inutilizacoes/{void_id}/xml", include_in_schema=False)
def number_void_xml(request: Request, void_id: PageId) -> Response:
    """The procInutNFe (the signed request before SEFAZ voided it), as a download."""
    void, data = void_xml(request.app.state.container.read_uow(), void_id)
    return download(data, "application/xml", void.file_name(data))


def _series(text: str) -> int:
    value = text.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 3:
        raise VoidRangeInvalid(why=f"a série deve ser um número inteiro de 0 a 999 (veio \"{value[:20]}\")",
                               resolution="Informe a série dos números (de 0 a 999), ou deixe-a em branco para a "
                                          "série atual da empresa.")
    return int(value)


def _whole_number(text: str, what: str) -> int:
    # "1.000" as the other number fields of the site read it (review: the numbering form took it, this one refused it
    # while its own resolution wrote "999.999.999").
    value = text.strip()
    try:
        number = whole_number(value)
    except ValueError:
        number = None
    if number is None or number >= 10**9:
        raise VoidRangeInvalid(why=f"{what} deve ser um número inteiro de até 9 dígitos (veio \"{value[:20]}\")")
    return number


def _invoice_page(request: Request, invoice_id: int, status_code: int = 200, **context) -> Response:
    container = request.app.state.container
    invoice = show_invoice(container.read_uow(), invoice_id)
    # A discarded NF-e's number is to be voided at SEFAZ: the page says whether it was, or offers to (in the
    # environment it was numbered in, which must still be the company's: a request goes to the company's).
    voids = voids_covering(container.read_uow(), invoice.environment, invoice.series, invoice.number) \
        if invoice.status == "discarded" else []
    environment_now = company_numbering(container.read_uow())[1] if invoice.status == "discarded" else None
    # What the worker does by itself waits for one: said when none runs, as `invoices show` says it (the last notes:
    # the page's banner said it only 3 minutes later). Not when the page shows an error of it, which `render` completes.
    said = any(error.left_to_worker for error in errors_in(context))
    no_worker = (no_worker_words(container, PAGE_NO_WORKER_ALONE)
                 if left_to_worker(invoice, voids) and not said else None)
    return render(request, "invoices/detail.html", {
        "invoice": invoice, "asks_from": _asks_from(request, invoice),
        "sefaz_down": sefaz_down_words(container.read_uow(), invoice.id),
        # Not one rejected 539/206: SEFAZ holds its number, and transmitting it again is refused (review: the button
        # was offered, then refused).
        "transmittable": invoice.status in TRANSMITTABLE and invoice.rejection_code not in NUMBER_SPENT_AT_SEFAZ,
        "discardable": invoice.status in DISCARDABLE, "action_error": None, "cancel_error": None,
        "withdraw_error": None, "justificativa": "", "justificativa_error": None, "number_voids": voids,
        "void_error": None,
        "voidable_here": environment_now == invoice.environment, "gap_notes": GAP_NOTES,
        "cancel_deadline": cancellation_deadline(invoice),
        "now": now(request),
        "justificativa_inutilizacao": "", "justificativa_inutilizacao_error": None,
        # Received before the cancellation and flagged: where they are checked (the flash said only "conferir").
        "to_check": to_check_of(container.read_uow(), "nfe", str(invoice.id)) if invoice.status == "cancelled" else 0,
        "no_worker": no_worker, **context},
        status_code=status_code)


def _asks_from(request: Request, invoice) -> datetime | None:
    """When SEFAZ may be asked about an NF-e sent without an answer moments ago (its answer may still be on its
    way, so neither the worker nor Transmitir sends or asks before); None when it may be asked now."""
    if invoice.status != "awaiting_sefaz" or invoice.sent_at is None:
        return None
    due = invoice.sent_at + SENDING_WINDOW
    return due if due > now(request) else None


@router.get("/nfe/{invoice_id}", include_in_schema=False)
def invoice_page(request: Request, invoice_id: PageId) -> Response:
    return _invoice_page(request, invoice_id)


@router.post("/nfe/{invoice_id}/transmitir", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def invoice_approve(request: Request, invoice_id: PageId) -> Response:
    """Transmitir/Aprovar: send to SEFAZ and record its answer (`invoices approve`)."""
    container = request.app.state.container
    try:
        invoice, changed = approve_invoice(container.uow(), container.cipher, sefaz_of(request), invoice_id,
                                           page_person(request))
    except LojasyncError as exc:
        # No answer or no decision yet: the NF-e shows "aguardando SEFAZ" and the worker asks again.
        title = "NF-e ainda não autorizada" if exc.retryable else "Não foi possível transmitir"
        return _invoice_page(request, invoice_id, error_status(exc), action_error=exc, action_title=title)
    if changed and invoice.status == "authorised":
        push_soon(request)
    if invoice.status == "authorised":
        done = done_words(container.read_uow(), "nfe", str(invoice.id)) if changed else ""
        flash(request, (f"NF-e nº {invoice.number} autorizada: {done}." if changed
                        else f"A NF-e nº {invoice.number} já estava autorizada: nada foi feito de novo."), "success")
    elif invoice.status == "rejected":
        flash(request, f"NF-e nº {invoice.number} rejeitada pela SEFAZ ({invoice.rejection_code}). "
                       f"{invoice.rejection_resolution}", "error")
    elif invoice.status == "denied":
        flash(request, f"NF-e nº {invoice.number} com uso denegado pela SEFAZ ({invoice.rejection_code} - "
                       f"{invoice.rejection_reason}): ela não tem valor e o número foi usado; resolva a situação "
                       "cadastral indicada e emita outra NF-e para o pedido.", "error")
    elif invoice.cancelled_elsewhere:
        flash(request, f"NF-e nº {invoice.number}: {invoice.elsewhere_note}", "error")
    else:
        flash(request, f"NF-e nº {invoice.number}: {invoice.status_label}.", "warning")
    if changed:
        say_ibs_cbs_year(request, invoice)
    return redirect(request, f"/nfe/{invoice_id}")


def _unused_number_words(invoice) -> str:
    # A number SEFAZ never authorised is a gap in the series, which the issuer must close ("inutilização")
    # at SEFAZ: the NF-e's page offers it once discarded.
    if invoice.rejection_code == DUPLICATE_WITH_DIFFERENT_KEY:
        return (f"A SEFAZ já tem o número {invoice.number} (série {invoice.series}) com outra chave (rejeição 539): "
                "não há o que inutilizar.")
    if invoice.rejection_code == NUMBER_ALREADY_VOIDED:
        return (f"O número {invoice.number} (série {invoice.series}) já está inutilizado na SEFAZ (rejeição 206): não "
                "há o que inutilizar.")
    if invoice.environment == "2":   # review: it read as a legal duty with a deadline, in homologação
        return (f"O número {invoice.number} (série {invoice.series}) fica sem uso; em homologação, inutilizá-lo é "
                "opcional.")
    return f"O número {invoice.number} (série {invoice.series}) fica sem uso: inutilize-o na SEFAZ, abaixo."


@router.post("/nfe/{invoice_id}/inutilizar", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def invoice_number_void(request: Request, invoice_id: PageId,
                        justificativa_inutilizacao: Annotated[str, Form()] = "") -> Response:
    """Inutilizar the number of a discarded NF-e at SEFAZ (`invoices void NUMBER`)."""
    container = request.app.state.container
    invoice = show_invoice(container.read_uow(), invoice_id)
    if invoice.status != "discarded":   # only a discarded NF-e's number is free; the page offers nothing else
        # Only one never authorised can be discarded first; SEFAZ holds the number of any other (review: "Descarte
        # a NF-e primeiro" for a denied or a cancelled one, which cannot be discarded).
        resolution = (None if invoice.status in ("pending", "rejected") else
                      "Ela aguarda a decisão da SEFAZ: transmita-a de novo (o lojasync consulta a SEFAZ antes); o "
                      "número não se inutiliza enquanto isso." if invoice.status == "awaiting_sefaz" else
                      f"A SEFAZ registrou o número {invoice.number} com esta NF-e ({invoice.status_label}): ele não "
                      "fica sem uso e não se inutiliza.")
        return _invoice_page(request, invoice_id, 409,
                             void_error=InvoiceNotDiscarded(number=invoice.number, resolution=resolution))
    try:
        voided, changed = void_numbers(container.uow(), container.cipher, sefaz_of(request), invoice.number,
                                       reason=justificativa_inutilizacao, series=invoice.series,
                                       environment=invoice.environment, actor=page_person(request))
    except LojasyncError as exc:
        field_error = exc.message if isinstance(exc, VoidReasonInvalid) else None
        return _invoice_page(request, invoice_id, error_status(exc), void_error=exc,
                             justificativa_inutilizacao=justificativa_inutilizacao,
                             justificativa_inutilizacao_error=field_error)
    protocol = f" (protocolo {voided.protocol})" if voided.protocol else ""
    flash(request, (f"Número {invoice.number} (série {invoice.series}) inutilizado na SEFAZ{protocol}." if changed
                    else f"O número {invoice.number} já estava inutilizado: nada foi enviado de novo."), "success")
    return redirect(request, f"/nfe/{invoice_id}")


class InvoiceNotDiscarded(LojasyncError):
    code = "fiscal.void_needs_discarded_invoice"
    message_template = "A NF-e nº {number} não está descartada: o número dela não pode ser inutilizado."
    resolution_template = "Descarte a NF-e primeiro (ela não pode ter sido autorizada)."


@router.post("/nfe/{invoice_id}/cancelar", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def invoice_cancel(request: Request, invoice_id: PageId, justificativa: Annotated[str, Form()] = "") -> Response:
    """Cancelar (event 110111 at SEFAZ: stock back, receivables cancelled); a pending or rejected one is
    discarded (`invoices cancel`)."""
    container = request.app.state.container
    try:
        invoice, changed = cancel_invoice(container.uow(), container.cipher, sefaz_of(request), invoice_id,
                                          justificativa, page_person(request))
    except LojasyncError as exc:
        # Only a justification of the wrong length is the field's fault; SEFAZ's refusal or absence is not.
        field_error = exc.message if isinstance(exc, CancellationReasonInvalid | DiscardNeedsReason) else None
        return _invoice_page(request, invoice_id, error_status(exc), cancel_error=exc,
                             justificativa=justificativa, justificativa_error=field_error)
    if changed:
        push_soon(request)
    if not changed:
        flash(request, f"A NF-e nº {invoice.number} já estava {invoice.status_label}.")   # cancelada or descartada
    elif invoice.status == "discarded":
        flash(request, f"NF-e nº {invoice.number} descartada (não tinha sido autorizada: nada a devolver). "
                       f"{_unused_number_words(invoice)}", "success")
    else:
        words = undone_words(container.read_uow(), "nfe", str(invoice.id), invoice.order_number)
        flash(request, f"NF-e nº {invoice.number} cancelada: {words}.", "success")
        pending = erasure_still_pending(container.read_uow(), invoice.order_number)
        if pending is not None:   # the cancellation stands; the erasure it owed waits (LGPD)
            flash(request, f"Pedido {invoice.order_number}: {pending}", "warning")
    return redirect(request, f"/nfe/{invoice_id}")


@router.post("/nfe/{invoice_id}/retirar-cancelamento", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def invoice_withdraw_cancel(request: Request, invoice_id: PageId) -> Response:
    """Take back a cancellation kept for the worker (SEFAZ never got it) before it goes (`invoices withdraw-cancel`)."""
    try:
        invoice, changed = withdraw_cancellation(request.app.state.container.uow(), invoice_id, page_person(request))
    except LojasyncError as exc:
        return _invoice_page(request, invoice_id, error_status(exc), withdraw_error=exc)
    if changed:
        flash(request, f"Pedido de cancelamento da NF-e nº {invoice.number} retirado: nada será enviado à SEFAZ, e "
                       f"ela segue {invoice.status_label}.", "success")
    else:   # a page opened before, its form sent again
        flash(request, f"A NF-e nº {invoice.number} não tem pedido de cancelamento guardado: segue "
                       f"{invoice.status_label}.")
    return redirect(request, f"/nfe/{invoice_id}")


@router.get("/nfe/{invoice_id}/xml", include_in_schema=False)
def invoice_xml_file(request: Request, invoice_id: PageId) -> Response:
    """The nfeProc once authorised (the signed NF-e before), as a download."""
    invoice = show_invoice(request.app.state.container.read_uow(), invoice_id)
    data = invoice_xml(request.app.state.container.read_uow(), invoice_id)
    name = f"{invoice.access_key or f'nfe-{invoice.id}'}-{invoice.xml_file_suffix(data)}"
    return download(data, "application/xml", name)


@router.get("/nfe/{invoice_id}/xml-cancelamento", include_in_schema=False)
def invoice_cancellation_xml_file(request: Request, invoice_id: PageId) -> Response:
    invoice = show_invoice(request.app.state.container.read_uow(), invoice_id)
    data = cancellation_xml(request.app.state.container.read_uow(), invoice_id)
    if data is None:
        flash(request, "Esta NF-e não tem evento de cancelamento.", "warning")
        return redirect(request, f"/nfe/{invoice_id}")
    return download(data, "application/xml", f"{invoice.access_key}-cancelamento.xml")


@router.get("/nfe/{invoice_id}/danfe", include_in_schema=False)
def invoice_danfe_file(request: Request, invoice_id: PageId) -> Response:
    """The DANFE (PDF) of an authorised or cancelled NF-e; otherwise the reason, on the NF-e's page."""
    app = request.app.state.container
    invoice = show_invoice(app.read_uow(), invoice_id)
    try:
        data = invoice_danfe(app.read_uow(), app.uow, invoice_id)
    except LojasyncError as exc:
        return _invoice_page(request, invoice_id, 409, action_error=exc, action_title="DANFE indisponível")
    # Shown in the browser; `baixar=1` (the page's "Baixar DANFE"): saved under its name, as the XML is.
    return download(data, "application/pdf", f"{invoice.access_key}-danfe.pdf",
                    inline=request.query_params.get("baixar") != "1")

