"""Integração: the connected stores and their state, connecting one (the install link, or its id and token),
webhook registration, last sync and lag, failed notifications with their Resolução and Reprocessar,
Sincronizar agora, and the updates waiting for the store (stock, NF-e keys) with Reenviar."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Annotated

from babel.dates import format_timedelta
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.web.auth import csrf_protect, page_user
from lojasync.entrypoints.web.pages.inputs import PageId
from lojasync.entrypoints.web.templating import flash, redirect, render
from lojasync.entrypoints.web.webhooks import lgpd_webhook_paths
from lojasync.nuvemshop.errors import EventStoreDisabled, EventStoreInactive, StoreNotFound
from lojasync.nuvemshop.services.events_admin import left_advice, left_words, list_events, retry_events
from lojasync.nuvemshop.services.install_invite import (
    MAX_INVITE_HOURS,
    InviteHoursInvalid,
    InviteRevocation,
    make_invite,
    public_url_warning,
    revoke_invite,
    setup_warnings,
)
from lojasync.nuvemshop.services.install_store import store_webhooks, webhook_url_for
from lojasync.nuvemshop.services.integration_views import StoreState, retry_failed_updates, store_states
from lojasync.nuvemshop.services.store_updates import list_store_updates
from lojasync.nuvemshop.services.stores import add_store, set_store_enabled, store_log
from lojasync.nuvemshop.services.sync_runs import REQUEST_PATIENCE, request_sync
from lojasync.sales.history_text import level_label
from lojasync.shared.errors import LojasyncError

router = APIRouter(dependencies=[Depends(page_user)])

FAILED_EVENTS_SHOWN = 50
UPDATES_SHOWN = 20
# A sync asked for this long ago that has not begun: the page asks whether a worker is up.
QUEUED_LONG = timedelta(minutes=2)


def duration(seconds: float | None) -> str:
    """`5 minutos`, `2 horas`: how long, in words."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return "menos de 1 minuto"
    return format_timedelta(timedelta(seconds=seconds), locale="pt_BR", threshold=1.5)


def _page(request: Request, status_code: int = 200, **context) -> Response:
    container = request.app.state.container
    stores = store_states(container.read_uow())
    updates = {s.external_id: list_store_updates(container.read_uow(), s.external_id, limit=UPDATES_SHOWN)
               for s in stores if s.pending_updates or s.failed_updates}
    events = list_events(container.read_uow(), failed_only=True, limit=FAILED_EVENTS_SHOWN)
    return render(request, "integration/index.html", {
        "stores": stores, "updates": updates, "events": events, "duration": duration, "now": datetime.now(timezone.utc),
        "queued_long": QUEUED_LONG.total_seconds(), "request_patience": REQUEST_PATIENCE.total_seconds(),
        # Past three intervals without a reconciliation, the page says it is late (storm review: nothing told the
        # operator that it had not run for as long as a webhook storm lasted, or that no worker was up).
        "reconcile_seconds": container.import_settings().reconcile_every.total_seconds(),
        "several_stores": len(stores) > 1, "error": None, "error_title": None, "connect_values": {},
        # The API the install link uses too (LOJASYNC_NUVEMSHOP_API_URL: the store simulator, a test store); the form
        # showed Nuvemshop's own whatever it said (first-day walk).
        "default_api_url": container.settings.nuvemshop_api_url, "invite_hours": "24",
        "max_invite_hours": MAX_INVITE_HOURS,
        # What to set in the partner portal: the LGPD notifications name no event, each has an address of its own.
        "lgpd_urls": [container.settings.public_url.rstrip("/") + path for path in lgpd_webhook_paths()],
        # Addresses the platform cannot reach are no addresses to set (review: 127.0.0.1 was listed, unwarned).
        "lgpd_warning": public_url_warning(container.settings.public_url),
        **context}, status_code=status_code)


@router.get("/integracao", include_in_schema=False)
def integration_page(request: Request) -> Response:
    return _page(request)


def _store(request: Request, external_id: str) -> StoreState:
    for store in store_states(request.app.state.container.read_uow()):
        if store.external_id == external_id:
            return store
    raise StoreNotFound(external_store_id=external_id)


# connecting a store ----------------------------------------------------------------------------------------

_HOURS = re.compile(r"[0-9]{1,6}(?:[.,][0-9]{1,6})?")


@router.post("/integracao/conectar", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def install_link(request: Request, horas: Annotated[str, Form()] = "24") -> Response:
    """Conectar loja: the link with a signed invite the merchant opens to install the app (as `store
    install-link`). Shown once on this answer; a new one can be made at any time."""
    container = request.app.state.container
    settings = container.settings
    try:
        # Digits with one decimal comma (or point), as a person types hours: float() alone read "1e1" and "1_0" as 10.
        if not _HOURS.fullmatch(horas.strip()):
            raise ValueError(horas)
        hours = float(horas.strip().replace(",", "."))
        if not math.isfinite(hours):
            raise ValueError(horas)
        invite = make_invite(container.cipher, hours)
    except ValueError:   # not a number: refused in make_invite's words, with what was typed
        return _page(request, 422, error=InviteHoursInvalid(hours=horas.strip() or "(vazio)"),
                     error_title="Link não gerado", invite_hours=horas)
    except LojasyncError as exc:
        return _page(request, 422, error=exc, error_title="Link não gerado", invite_hours=horas)
    link = f"{settings.public_url.rstrip('/')}/nuvemshop/install?convite={invite}"
    warnings = setup_warnings(settings.nuvemshop_client_id, settings.nuvemshop_client_secret, settings.public_url)
    return render(request, "integration/connect.html", {"link": link, "hours": formats.measure(hours, 2),
                                                        "warnings": warnings},
                  headers={"Cache-Control": "no-store"})


_SPENT_STORE = " Uma loja já conectada por ele continua na lista acima (use Desativar para parar de importar dela)."


@router.post("/integracao/revogar-link", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def revoke_link(request: Request, link: Annotated[str, Form()] = "") -> Response:
    """Revoke an install link not used yet (as `store revoke-link`)."""
    container = request.app.state.container
    try:
        outcome = revoke_invite(container.uow(), container.cipher, link)
    except LojasyncError as exc:
        return _page(request, 422, error=exc, error_title="Link não revogado")
    flash(request, outcome.value + (_SPENT_STORE if outcome is InviteRevocation.ALREADY_SPENT else ""), "success")
    return redirect(request, "/integracao")


@router.post("/integracao/lojas", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def connect_with_token(request: Request, loja: Annotated[str, Form()] = "", token: Annotated[str, Form()] = "",
                       api: Annotated[str, Form()] = "", nome: Annotated[str, Form()] = "") -> Response:
    """Connect a store by its id and access token (as `store add`), checked with the store first."""
    container = request.app.state.container
    try:
        view, created = add_store(container.uow(), container.cipher, loja, token,
                                  api or container.settings.nuvemshop_api_url, nome.strip() or None,
                                  check=container.client_for)
    except LojasyncError as exc:
        # The token is never sent back to the page. The store out of reach is 503 (with Retry-After), as the API
        # says it; anything else is what was typed.
        return _page(request, 503 if exc.retryable else 422, error=exc, error_title="Loja não conectada",
                     connect_values={"loja": loja, "api": api, "nome": nome})
    if not view.active:   # disabled by an operator: a new token does not switch it back on
        flash(request, f"Loja {view.external_id} atualizada; ela continua desativada: use Reativar para voltar a "
                       "importar dela.", "success")
        return redirect(request, "/integracao")
    # A store connected by its token has no webhooks yet (the install link registers them): without them the orders
    # arrive only with the periodic reconciliation. The terminal said so (store add), the page did not (first-day walk).
    flash(request, f"Loja {view.external_id} {'conectada' if created else 'atualizada'}. Use Conferir webhooks "
                   "para registrar os avisos em tempo real (sem eles os pedidos chegam só na conferência periódica) "
                   "e Sincronizar agora para importar os pedidos que já existem.", "success")
    return redirect(request, "/integracao")


# store actions ---------------------------------------------------------------------------------------------

@router.post("/integracao/lojas/{external_id}/sincronizar", include_in_schema=False,
             dependencies=[Depends(csrf_protect)])
def sync_now(request: Request, external_id: str, completa: Annotated[str, Form()] = "") -> Response:
    """Sincronizar agora: a sync of the store's changed orders (all of them with `completa`) for the worker."""
    store = _store(request, external_id)
    if store.state in ("inactive", "paused"):
        flash(request, f"Loja {external_id} não sincronizada: {store.reason} Resolução: {store.resolution}", "warning")
        return redirect(request, "/integracao")
    # Recorded first: the page says it waits from now on, and what it did once the worker's sync ends.
    request_sync(request.app.state.container.uow(), store.id, datetime.now(timezone.utc), full=bool(completa))
    request.app.state.queue.sync_soon(store.id, full=bool(completa), requested=True)
    flash(request, f"Sincronização {'completa ' if completa else ''}da loja {external_id} na fila: os pedidos novos e "
                   "alterados aparecem em Pedidos/Orçamentos em instantes, e o resultado em Resultado da última "
                   "sincronização.", "success")
    return redirect(request, "/integracao")


@router.post("/integracao/lojas/{external_id}/reenviar", include_in_schema=False,
             dependencies=[Depends(csrf_protect)])
def resend_updates(request: Request, external_id: str) -> Response:
    """Reenviar: the updates the store refused go back in the queue, and the worker is woken to send them."""
    store_id, again = retry_failed_updates(request.app.state.container.uow(), external_id)
    request.app.state.queue.push_soon(store_id)
    flash(request, f"{again} atualização(ões) recolocada(s) na fila da loja {external_id}." if again
              else f"Nenhuma atualização recusada pela loja {external_id}; as pendentes foram enviadas ao worker.",
          "success" if again else "info")
    return redirect(request, "/integracao#atualizacoes")


@router.post("/integracao/lojas/{external_id}/desativar", include_in_schema=False,
             dependencies=[Depends(csrf_protect)])
def disable(request: Request, external_id: str) -> Response:
    set_store_enabled(request.app.state.container.uow(), external_id, enabled=False)
    flash(request, f"Loja {external_id} desativada: nada mais é importado dela; os pedidos já importados ficam.",
          "success")
    return redirect(request, "/integracao")


@router.post("/integracao/lojas/{external_id}/reativar", include_in_schema=False,
             dependencies=[Depends(csrf_protect)])
def enable(request: Request, external_id: str) -> Response:
    view = set_store_enabled(request.app.state.container.uow(), external_id, enabled=True)
    request_sync(request.app.state.container.uow(), view.id, datetime.now(timezone.utc))
    request.app.state.queue.sync_soon(view.id, requested=True)
    flash(request, f"Loja {external_id} reativada; uma sincronização foi colocada na fila.", "success")
    return redirect(request, "/integracao")


@router.get("/integracao/lojas/{external_id}/webhooks", include_in_schema=False)
def webhooks_page(request: Request, external_id: str) -> Response:
    """What the store has registered against what lojasync expects (asks the store: one API call)."""
    return _webhooks(request, external_id, create=False)


@router.post("/integracao/lojas/{external_id}/webhooks", include_in_schema=False,
             dependencies=[Depends(csrf_protect)])
def register_webhooks(request: Request, external_id: str) -> Response:
    """Register in the store the webhooks that are missing (as `store webhooks`)."""
    return _webhooks(request, external_id, create=True)


def _webhooks(request: Request, external_id: str, create: bool) -> Response:
    container = request.app.state.container
    url = webhook_url_for(container.settings.public_url)
    report = store_webhooks(container.uow(), container.client_for, external_id, url, create=create)
    return render(request, "integration/webhooks.html", {"store": external_id, "report": report, "created_now": create},
                  status_code=200 if report.error is None else 502)


@router.get("/integracao/lojas/{external_id}/registro", include_in_schema=False)
def store_log_page(request: Request, external_id: str) -> Response:
    entries = store_log(request.app.state.container.read_uow(), external_id, limit=200)
    return render(request, "integration/log.html", {"store": external_id, "entries": entries,
                                                    "level_label": level_label})


# notifications -------------------------------------------------------------------------------------------

@router.post("/integracao/eventos/{event_id}/reprocessar", include_in_schema=False,
             dependencies=[Depends(csrf_protect)])
def retry_event(request: Request, event_id: PageId) -> Response:
    """Reprocessar: the failed notification goes back to the queue and the store's drain is scheduled."""
    try:
        outcome = retry_events(request.app.state.container.uow(), event_id)
    except EventStoreInactive as exc:   # said here, as Sincronizar agora says it of an inactive store
        how = " (Reativar loja, aqui em Integração)" if isinstance(exc, EventStoreDisabled) else ""
        flash(request, f"Notificação {event_id} não reprocessada: {exc.message} Resolução: {exc.resolution}{how}",
              "warning")
        return redirect(request, "/integracao#eventos")
    for store in outcome.stores:
        request.app.state.queue.drain_soon(store.id)
    flash(request, f"Notificação {event_id} recolocada na fila: o pedido será lido de novo da loja.", "success")
    return redirect(request, "/integracao#eventos")


@router.post("/integracao/eventos/reprocessar-todos", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def retry_all_events(request: Request) -> Response:
    outcome = retry_events(request.app.state.container.uow(), all_failed=True)
    for store in outcome.stores:
        request.app.state.queue.drain_soon(store.id)
    if outcome.left:   # put back, the worker would ignore them: left failed, and said so
        flash(request, ("Notificações com erro recolocadas na fila; " if outcome.stores
                        else "Nenhuma notificação recolocada na fila: ")
              + f"{left_words(outcome)}. " + left_advice(outcome, lambda stores: "Reativar loja, aqui em Integração",
                                                          "reinstale o app na loja ou cadastre o token novo"),
              "warning")
    else:
        flash(request, "Notificações com erro recolocadas na fila." if outcome.stores
              else "Nenhuma notificação com erro.", "success" if outcome.stores else "info")
    return redirect(request, "/integracao#eventos")
