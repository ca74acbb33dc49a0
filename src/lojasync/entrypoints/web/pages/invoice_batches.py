"""NF-e em lote: the order list's form starts a batch, the web process runs it after answering, and the
batch's page (`/pedidos/nfe-em-lote/N`) follows it until its summary (`fiscal.services.batch_reports`).

Its router comes before the orders' one: `/pedidos/{number}` would read "nfe-em-lote" as an order number.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from lojasync.entrypoints.web.auth import csrf_protect, page_person, page_user
from lojasync.entrypoints.web.batch_runs import run_after_answering
from lojasync.entrypoints.web.pages.fiscal_access import sefaz_of
from lojasync.entrypoints.web.pages.inputs import PageId
from lojasync.entrypoints.web.store_pushes import push_soon
from lojasync.entrypoints.web.templating import flash, redirect, render
from lojasync.entrypoints.worker_words import PAGE_NO_WORKER_ALONE, no_worker_words
from lojasync.fiscal.services.batch import BATCH_LIMIT
from lojasync.fiscal.services.batch_reports import (
    KEPT_FOR,
    RECENT,
    kept_batch,
    recent_batches,
    start_batch,
)
from lojasync.shared.numbers import id_or_none

router = APIRouter(dependencies=[Depends(page_user)])
# How often the page of a running batch reloads itself (a meta refresh: it works without JavaScript).
REFRESH_SECONDS = 2


# The list's address kept with the batch (its column holds 2,000 characters): a longer one (a search of a whole
# paragraph, its accents encoded) goes back to the plain list, instead of the database refusing the batch.
LONGEST_ADDRESS = 2000


def _list_address(given: str) -> str:
    """The order list to go back to (with its filters), never an address elsewhere."""
    return given if given.startswith("/pedidos") and len(given) <= LONGEST_ADDRESS else "/pedidos"


@router.get("/pedidos/nfe-em-lote", include_in_schema=False)
def invoice_batches_page(request: Request) -> Response:
    """The recent batches, newest first: where a batch is found again once its page is closed (the form's
    address too, opened from the address bar or a bookmark)."""
    return render(request, "orders/batches.html",
                  {"batches": recent_batches(request.app.state.container.read_uow()), "kept_days": KEPT_FOR.days,
                   "most": RECENT})


@router.post("/pedidos/nfe-em-lote", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def invoice_batch(request: Request, pedidos: Annotated[list[str], Form()] = (),
                  voltar: Annotated[str, Form()] = "", transmitir: Annotated[str, Form()] = "1") -> Response:
    """Start a batch (the CLI's `orders invoice`) and go to its page; a company that cannot issue is refused
    here, before anything starts."""
    numbers = list(dict.fromkeys(n for n in map(id_or_none, pedidos) if n is not None))
    back = _list_address(voltar)
    if not numbers:
        flash(request, "Selecione ao menos um pedido para gerar NF-e em lote.", "warning")
        return redirect(request, back)
    if len(numbers) > BATCH_LIMIT:
        flash(request, f"Selecione no máximo {BATCH_LIMIT} pedidos por lote (foram {len(numbers)}).", "warning")
        return redirect(request, back)
    person, container = page_person(request), request.app.state.container
    # "0": the rest of a batch that only generated (its resume button), which goes on only generating.
    approve = transmitir != "0"
    sefaz = sefaz_of(request)
    batch_id = start_batch(container.uow, numbers, person.name, back, approve=approve, simulated=sefaz.simulated,
                           box=container.cipher)
    run_after_answering(container, sefaz, batch_id, numbers, person, wake=lambda: push_soon(request),
                        approve=approve)
    # Post/redirect/get: the batch's own address, which a reload or the browser's history shows again.
    return redirect(request, f"/pedidos/nfe-em-lote/{batch_id}")


@router.get("/pedidos/nfe-em-lote/{batch_id}", include_in_schema=False)
def invoice_batch_page(request: Request, batch_id: PageId) -> Response:
    """A batch: its progress while it runs (the page reloads itself), then its summary, each NF-e as it is now."""
    container = request.app.state.container
    kept = kept_batch(container.read_uow(), batch_id)
    back = _list_address(kept.back)
    # Its NF-e still awaiting SEFAZ are the worker's to settle: said once when none runs (the last notes: the rows
    # are copies of the errors, without the words every error page adds).
    no_worker = (no_worker_words(container, PAGE_NO_WORKER_ALONE)
                 if any(item.waits_for_worker for item in kept.report.items) else None)
    return render(request, "orders/batch.html", {"report": kept.report, "back": back, "kept": kept,
                                                 "refresh": REFRESH_SECONDS if kept.running else None,
                                                 "no_worker": no_worker})
