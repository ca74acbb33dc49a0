"""Store installation (OAuth): `/nuvemshop/install` sends the merchant to authorize the app,
`/nuvemshop/callback` brings the code back, exchanges it and registers the webhooks.

The `state` is random and travels in a signed, HttpOnly cookie, so it is bound to the browser that
started the install without any session store on the server.
"""

from __future__ import annotations

import hmac
import html
import logging
import secrets
import time
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lojasync.nuvemshop.oauth import OAuthError, exchange_code
from lojasync.nuvemshop.services.install_invite import invite_problem
from lojasync.nuvemshop.services.install_store import InstallReport, complete_install, webhook_url_for
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
    problem = _configuration_problem(settings)
    if problem:
        return _page("App da Nuvemshop não configurado", problem, status_code=503)
    # The service URL is public (webhooks need it): without this, anyone could connect their own
    # store and send its orders and customers into this ERP.
    refused = invite_problem(container.cipher, convite)
    if refused:
        log.warning("install refused", extra={"reason": "invite"})
        return _page("Instalação não autorizada", refused, status_code=403)
    state = secrets.token_urlsafe(32)
    expires = int(time.time()) + STATE_TTL_SECONDS
    authorize = settings.nuvemshop_authorize_url.format(app_id=settings.nuvemshop_client_id)
    separator = "&" if "?" in authorize else "?"
    response = RedirectResponse(f"{authorize}{separator}{urlencode({'state': state})}", status_code=302)
    response.set_cookie(STATE_COOKIE, _cookie_value(container.cipher, state, expires), max_age=STATE_TTL_SECONDS,
                        path=COOKIE_PATH, httponly=True, samesite="lax",
                        secure=settings.public_url.lower().startswith("https://"))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/nuvemshop/callback")
def callback(request: Request, code: str | None = None, state: str | None = None) -> Response:
    """Check the state, exchange the code, save the store and register its webhooks."""
    container = request.app.state.container
    settings = container.settings
    problem = _configuration_problem(settings)
    if problem:
        return _page("App da Nuvemshop não configurado", problem, status_code=503)
    state_problem = _state_problem(container.cipher, request.cookies.get(STATE_COOKIE), state)
    if state_problem:
        log.warning("install callback rejected", extra={"reason": "state"})
        return _page("Instalação recusada", state_problem + " Comece de novo em "
                     "<a href=\"/nuvemshop/install\">/nuvemshop/install</a>, neste mesmo navegador.",
                     status_code=400, raw=True)
    if not code:
        return _forget_state(_page("Instalação incompleta",
                                   "A Nuvemshop não enviou o código de autorização. Instale o app de novo.",
                                   status_code=400))
    try:
        grant = exchange_code(settings.nuvemshop_token_url, settings.nuvemshop_client_id,
                              settings.nuvemshop_client_secret, code, transport=container.http_transport,
                              timeout=settings.http_timeout, user_agent=settings.user_agent)
    except OAuthError as exc:
        return _forget_state(_page("Não foi possível concluir a instalação",
                                   f"{exc.message}\nResolução: {exc.resolution}",
                                   status_code=502 if exc.retryable else 400))
    report = complete_install(container.uow(), container.cipher, grant, settings.nuvemshop_api_url,
                              webhook_url_for(settings.public_url), container.client_for)
    return _forget_state(_installed_page(report))


# state cookie ------------------------------------------------------------------------------------

def _cookie_value(cipher, state: str, expires: int) -> str:
    return f"{state}.{expires}.{cipher.sign(f'install-state|{state}|{expires}')}"


def _state_problem(cipher, cookie: str | None, state: str | None) -> str | None:
    """Why this callback's state is not the one this browser was given, or None when it is."""
    if not cookie:
        return "A sessão de instalação não foi encontrada neste navegador (cookie ausente ou expirado)."
    if not state:
        return "A Nuvemshop voltou sem o parâmetro state."
    parts = cookie.split(".")
    if len(parts) != 3 or not ascii_digits(parts[1], 12):
        return "A sessão de instalação é inválida."
    expected, expires, signature = parts[0], int(parts[1]), parts[2]
    if not cipher.verify(f"install-state|{expected}|{expires}", signature):
        return "A sessão de instalação é inválida (assinatura não confere)."
    if expires < time.time():
        return "A sessão de instalação expirou."
    if not hmac.compare_digest(expected.encode(), state.encode("utf-8", "replace")):
        return "O parâmetro state não confere com a sessão deste navegador (possível tentativa de CSRF)."
    return None


def _forget_state(response: Response) -> Response:
    # A state serves once: the code it came with is spent either way.
    response.delete_cookie(STATE_COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax")
    return response


def _configuration_problem(settings) -> str | None:
    missing = [name for name, value in (("LOJASYNC_NUVEMSHOP_CLIENT_ID", settings.nuvemshop_client_id),
                                        ("LOJASYNC_NUVEMSHOP_CLIENT_SECRET", settings.nuvemshop_client_secret))
               if not (value and value.strip())]
    if not missing:
        return None
    return (f"Defina {' e '.join(missing)} com os dados do app no Portal de Parceiros da Nuvemshop "
            "e reinicie o lojasync. Enquanto isso, uma loja pode ser conectada cadastrando o id da loja e o "
            "token de acesso.")


# pages -------------------------------------------------------------------------------------------

def _installed_page(report: InstallReport) -> HTMLResponse:
    store = report.store
    webhooks = report.webhooks
    name = f" ({html.escape(store.name)})" if store.name else ""
    verb = "conectada" if report.new_store else "reconectada (token atualizado)"
    parts = [f"<p>Loja <strong>{html.escape(store.external_id)}</strong>{name} {verb} ao lojasync.</p>"]
    if report.missing_scopes:
        parts.append("<p><strong>Atenção:</strong> o app não recebeu as permissões "
                     f"{html.escape(', '.join(report.missing_scopes))}; sem elas os pedidos chegam incompletos. "
                     "Ajuste as permissões do app no Portal de Parceiros e instale de novo.</p>")
    if webhooks.error:
        parts.append(f"<p><strong>Não foi possível consultar os webhooks da loja:</strong> "
                     f"{html.escape(webhooks.error)}</p>")
    rows = "".join(
        f"<tr><td>{html.escape(i.event)}</td><td>{html.escape(i.state.value)}</td>"
        f"<td>{html.escape(i.error or '')}</td></tr>" for i in webhooks.items)
    parts.append(f"<p>Webhooks para <code>{html.escape(webhooks.url)}</code>:</p>"
                 f"<table><tr><th>Evento</th><th>Situação</th><th>Erro</th></tr>{rows}</table>")
    if webhooks.complete:
        parts.append(f"<p>Todos os {len(webhooks.items)} webhooks estão registrados "
                     f"({len(webhooks.created)} criados agora). Os pedidos novos chegarão sozinhos.</p>")
    else:
        parts.append("<p>Faltam webhooks: corrija o problema indicado e rode "
                     f"<code>lojasync store webhooks --store {html.escape(store.external_id)}</code>.</p>")
    parts.append("<p>Os pedidos que já existem na loja são importados pela reconciliação periódica do worker; "
                 "para importá-los agora, rode <code>lojasync sync</code>.</p>")
    return _page("Loja conectada", "".join(parts), raw=True)


def _page(title: str, body: str, *, status_code: int = 200, raw: bool = False) -> HTMLResponse:
    content = body if raw else "".join(f"<p>{html.escape(line)}</p>" for line in body.splitlines())
    document = (
        "<!doctype html><html lang=\"pt-BR\"><head><meta charset=\"utf-8\">"
        f"<title>lojasync: {html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:48rem;margin:2rem auto;line-height:1.4}"
        "td,th{border-bottom:1px solid #ddd;padding:.2rem .6rem;text-align:left}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{content}</body></html>")
    return HTMLResponse(document, status_code=status_code, headers={"Cache-Control": "no-store"})

