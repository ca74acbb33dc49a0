"""Store installation (OAuth): `/nuvemshop/install` sends the merchant to authorize the app,
`/nuvemshop/callback` brings the code back, exchanges it and registers the webhooks.

The `state` is random and travels in a signed, HttpOnly cookie, so it is bound to the browser that
started the install without any session store on the server.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from datetime import datetime, timezone
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lojasync.entrypoints.web.templating import render_public
from lojasync.nuvemshop.oauth import OAuthError, exchange_code
from lojasync.nuvemshop.services.install_invite import (
    SPENT,
    invite_id,
    invite_problem,
    invite_spent,
    public_url_warning,
    release_invite,
    spend_invite,
)
from lojasync.nuvemshop.services.install_store import complete_install, webhook_url_for
from lojasync.shared.numbers import ascii_digits

router = APIRouter()
log = logging.getLogger("lojasync.web.install")

STATE_COOKIE = "lojasync_install_state"
COOKIE_PATH = "/nuvemshop"
# The merchant may have to log in to the store admin before authorizing.
STATE_TTL_SECONDS = 15 * 60


@router.get("/nuvemshop/install")
def install(request: Request, convite: str | None = None) -> Response:
    """Redirect to the platform's authorize page with a fresh state bound to this browser."""
    container = request.app.state.container
    settings = container.settings
    missing = _missing_settings(settings)
    if missing:
        return _not_configured(request, missing)
    # The service URL is public (webhooks need it): without this, anyone could connect their own
    # store and send its orders and customers into this ERP.
    refused = invite_problem(container.cipher, convite) or (SPENT if invite_spent(container.uow(), convite) else None)
    if refused:
        log.warning("install refused", extra={"reason": "invite"})
        return _message(request, "Instalação não autorizada", refused, status_code=403,
                        operator_hint="Quem opera o lojasync gera o link de instalação em Integração → "
                                      "Conectar loja.")
    state = secrets.token_urlsafe(32)
    expires = int(time.time()) + STATE_TTL_SECONDS
    authorize = settings.nuvemshop_authorize_url.format(app_id=settings.nuvemshop_client_id)
    separator = "&" if "?" in authorize else "?"
    response = RedirectResponse(f"{authorize}{separator}{urlencode({'state': state})}", status_code=302)
    response.set_cookie(STATE_COOKIE, _cookie_value(container.cipher, state, expires, invite_id(convite)),
                        max_age=STATE_TTL_SECONDS,
                        path=COOKIE_PATH, httponly=True, samesite="lax",
                        secure=settings.public_url.lower().startswith("https://"))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/nuvemshop/callback")
def callback(request: Request, code: str | None = None, state: str | None = None) -> Response:
    """Check the state, exchange the code, save the store and register its webhooks."""
    container = request.app.state.container
    settings = container.settings
    missing = _missing_settings(settings)
    if missing:
        return _not_configured(request, missing)
    state_problem, spent_id = _state_problem(container.cipher, request.cookies.get(STATE_COOKIE), state)
    if state_problem:
        log.warning("install callback rejected", extra={"reason": "state"})
        return _message(request, "Instalação recusada", state_problem, status_code=400,
                        resolution="Comece de novo pelo link de instalação, neste mesmo navegador.",
                        operator_hint=_NEW_LINK)
    if not code:
        return _forget_state(_message(request, "Instalação incompleta",
                                      "A Nuvemshop não enviou o código de autorização.", status_code=400,
                                      resolution="Abra o link de instalação de novo e autorize o app na Nuvemshop.",
                                      operator_hint=_NEW_LINK))
    spent_at = datetime.now(timezone.utc)
    if not spend_invite(container.uow(), spent_id, spent_at):
        # Two browsers opened the same link: the first back from the platform connected its store (review: one
        # invite connected any number of stores until it expired).
        log.warning("install callback rejected", extra={"reason": "invite spent"})
        return _forget_state(_message(request, "Instalação não autorizada", SPENT, status_code=403,
                                      operator_hint=_NEW_LINK))
    try:
        grant = exchange_code(settings.nuvemshop_token_url, settings.nuvemshop_client_id,
                              settings.nuvemshop_client_secret, code, transport=container.http_transport,
                              timeout=settings.http_timeout, user_agent=settings.user_agent)
    except OAuthError as exc:
        release_invite(container.uow(), spent_id, spent_at)   # no store connected: the same link may be used again
        return _forget_state(_message(request, "Não foi possível concluir a instalação", exc.message,
                                      resolution=exc.resolution, status_code=502 if exc.retryable else 400,
                                      operator_hint=_NEW_LINK))
    report = complete_install(container.uow(), container.cipher, grant, settings.nuvemshop_api_url,
                              webhook_url_for(settings.public_url), container.client_for)
    # Registered is not reachable: a LAN or plain-http address took the registrations, and no webhook can arrive there
    # (review: the page said the new orders would arrive by themselves).
    return _forget_state(render_public(request, "install/installed.html", {
        "report": report, "unreachable": public_url_warning(settings.public_url)}))


# state cookie ------------------------------------------------------------------------------------

def _cookie_value(cipher, state: str, expires: int, spent_id: str) -> str:
    """The state, when it expires, and the invite it was started with (spent once the platform sends it back)."""
    return f"{state}.{expires}.{spent_id}.{cipher.sign(f'install-state|{state}|{expires}|{spent_id}')}"


def _state_problem(cipher, cookie: str | None, state: str | None) -> tuple[str | None, str]:
    """Why this callback's state is not the one this browser was given (None when it is), and the invite's id."""
    if not cookie:
        return "A sessão de instalação não foi encontrada neste navegador (cookie ausente ou expirado).", ""
    if not state:
        return "A Nuvemshop voltou sem o parâmetro state.", ""
    parts = cookie.split(".")
    if len(parts) != 4 or not ascii_digits(parts[1], 12):
        return "A sessão de instalação é inválida.", ""
    expected, expires, spent_id, signature = parts[0], int(parts[1]), parts[2], parts[3]
    if not cipher.verify(f"install-state|{expected}|{expires}|{spent_id}", signature):
        return "A sessão de instalação é inválida (assinatura não confere).", ""
    if expires < time.time():
        return "A sessão de instalação expirou.", ""
    if not hmac.compare_digest(expected.encode(), state.encode("utf-8", "replace")):
        return "O parâmetro state não confere com a sessão deste navegador (possível tentativa de CSRF).", ""
    return None, spent_id


def _forget_state(response: Response) -> Response:
    # A state serves once: the code it came with is spent either way.
    response.delete_cookie(STATE_COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax")
    return response


def _missing_settings(settings) -> list[str]:
    """The app's settings (LOJASYNC_*) the install flow cannot work without."""
    return [name for name, value in (("LOJASYNC_NUVEMSHOP_CLIENT_ID", settings.nuvemshop_client_id),
                                     ("LOJASYNC_NUVEMSHOP_CLIENT_SECRET", settings.nuvemshop_client_secret))
            if not (value and value.strip())]


# pages -------------------------------------------------------------------------------------------

# The person who opened the link may be the merchant, not the operator: say who makes a new link, and where.
_NEW_LINK = "Quem opera o lojasync gera um link de instalação novo em Integração → Conectar loja."
_INTEGRATION = [("Abrir Integração", "/integracao#conectar")]


def _not_configured(request: Request, missing: list[str]) -> Response:
    # The fix is a server setting, not something the operator does in the browser: the page names it for
    # the person who installed the server.
    return _message(request, "App da Nuvemshop não configurado",
                    "Este lojasync ainda não tem os dados do app da Nuvemshop: a instalação pela Nuvemshop não "
                    "está disponível.", status_code=503, settings=missing)


def _message(request: Request, title: str, message: str, *, status_code: int, resolution: str | None = None,
             operator_hint: str | None = None, settings: list[str] | None = None) -> Response:
    return render_public(request, "install/message.html", {
        "title": title, "message": message, "resolution": resolution, "operator_hint": operator_hint,
        "settings": settings or [], "actions": _INTEGRATION}, status_code=status_code)
