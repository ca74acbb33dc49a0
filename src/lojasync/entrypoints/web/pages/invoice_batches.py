"""NF-e em lote: the order list's form starts a batch, the web process runs it after answering, and the
batch's page (`/pedidos/nfe-em-lote/N`) follows it until its summary (`fiscal.services.batch_reports`).

Its router comes before the orders' one: `/pedidos/{number}` would read "nfe-em-lote" as an order number.
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from lojasync.entrypoints.web.auth import csrf_protect, page_person, page_user
from lojasync.entrypoints.web.pages.fiscal_access import push_soon, sefaz_of
from lojasync.entrypoints.web.pages.inputs import PageId
from lojasync.entrypoints.web.templating import flash, redirect, render
from lojasync.fiscal.services.batch import BATCH_LIMIT
from lojasync.fiscal.services.batch_reports import (
    KEPT_FOR,
    RECENT,
    kept_batch,
    recent_batches,
    run_batch,
    start_batch,
)
from lojasync.sales.history import Person
from lojasync.shared.numbers import id_or_none

router = APIRouter(dependencies=[Depends(page_user)])
log = logging.getLogger("lojasync.web")
# How often the page of a running batch reloads itself (a meta refresh: it works without JavaScript).
REFRESH_SECONDS = 2


@router.get("/pedidos/nfe-em-lote", include_in_schema=False)
def invoice_batches_page(request: Request) -> Response:
    """The recent batches, newest first: where a batch is found again once its page is closed (the form's
    address too, opened from the address bar or a bookmark)."""
    return render(request, "orders/batches.html",
                  {"batches": recent_batches(request.app.state.container.read_uow()), "kept_days": KEPT_FOR.days,
                   "most": RECENT})


@router.post("/pedidos/nfe-em-lote", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def invoice_batch(request: Request, pedidos: Annotated[list[str], Form()] = (),
                  voltar: Annotated[str, Form()] = "") -> Response:
    """Start a batch (the CLI's `orders invoice`) and go to its page; a company that cannot issue is refused
    here, before anything starts."""
    numbers = list(dict.fromkeys(n for n in map(id_or_none, pedidos) if n is not None))
    back = voltar if voltar.startswith("/pedidos") else "/pedidos"
    if not numbers:
        flash(request, "Selecione ao menos um pedido para gerar NF-e em lote.", "warning")
        return redirect(request, back)
    if len(numbers) > BATCH_LIMIT:
        flash(request, f"Selecione no máximo {BATCH_LIMIT} pedidos por lote (foram {len(numbers)}).", "warning")
        return redirect(request, back)
    person = page_person(request)
    batch_id = start_batch(request.app.state.container.uow, numbers, person.name, back)
    _run_after_answering(request, batch_id, numbers, person)
    # Post/redirect/get: the batch's own address, which a reload or the browser's history shows again.
    return redirect(request, f"/pedidos/nfe-em-lote/{batch_id}")


def _run_after_answering(request: Request, batch_id: int, numbers: list[int], person: Person) -> None:
    """The batch in a thread of this process: its page follows it. A daemon thread: stopping the server does not
    wait for 200 NF-e; a batch cut short says so on its page, and an NF-e left on its way settles as any other
    left awaiting SEFAZ (the worker asks SEFAZ by key)."""
    container, sefaz = request.app.state.container, sefaz_of(request)

    def run() -> None:
        try:
            report = run_batch(container.uow, container.cipher, sefaz, batch_id, numbers, person,
                               container.settings.sefaz_parallel)
        except Exception:  # noqa: BLE001 - kept on the batch (its page says it stopped) and logged by run_batch
            return
        if report.authorised:
            push_soon(request)

    threading.Thread(target=run, name=f"lojasync-lote-{batch_id}", daemon=True).start()


@router.get("/pedidos/nfe-em-lote/{batch_id}", include_in_schema=False)
def invoice_batch_page(request: Request, batch_id: PageId) -> Response:
    """A batch: its progress while it runs (the page reloads itself), then its summary, each NF-e as it is now."""
    kept = kept_batch(request.app.state.container.read_uow(), batch_id)
    back = kept.back if kept.back.startswith("/pedidos") else "/pedidos"
    return render(request, "orders/batch.html", {"report": kept.report, "back": back, "kept": kept,
                                                 "refresh": REFRESH_SECONDS if kept.running else None})
