"""Who is calling: the logged-in person of a page, the CSRF check of its forms, the caller of the API.

Pages depend on `page_user` (no session: a redirect to /login), their POST routes on `csrf_protect`
(a form field `csrf_token` or the header `X-CSRF-Token` equal to the session's), and `/api/v1` on
`api_caller` (a bearer API token or a page session; otherwise 401 JSON in Portuguese; with a session, a call
that is not GET/HEAD/OPTIONS must also send the header `X-CSRF-Token`, otherwise 403 JSON).

The session cookie holds a random token; the server keeps only its hash (accounts module), so a forged,
expired, idle or logged-out cookie opens nothing; a session that just ended for idleness is told apart, so
the login page (or the API's 401) can say why. The device cookie (accounts/devices.py) lives only on
/login: it is sent with login attempts and nothing else. Before login, the login form's CSRF token is a random value in
a cookie of its own, compared with the form's (double submit): no site can log a browser in as someone else.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.routing import Match

from lojasync.accounts.devices import DEVICE_LIFETIME
from lojasync.accounts.services.api_tokens import token_caller
from lojasync.accounts.services.clock import utc_now
from lojasync.accounts.services.sessions import recognise_session
from lojasync.accounts.users import normalize_email
from lojasync.sales.history import Person
from lojasync.shared.errors import LojasyncError

SESSION_COOKIE = "lojasync_sessao"
LOGIN_CSRF_COOKIE = "lojasync_csrf_login"
DEVICE_COOKIE = "lojasync_aparelho"
DEVICE_COOKIE_PATH = "/login"
IDLE_MESSAGE = "Sua sessão expirou por inatividade. Entre novamente."
# Said on the login page when the session ended between showing a form and sending it.
NOT_SENT_MESSAGE = ("Nada do que você enviou foi feito: a sessão terminou antes. Entre novamente e repita a ação "
                    "na página.")
# Sent by the pages' own periodic refreshes (htmx polling): served, but not counted as the person's use.
POLL_HEADER = "x-lojasync-poll"
# Methods that change nothing: an API call with the session cookie needs no CSRF header for them.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class WebUser:
    """The person behind a page request."""

    id: int
    email: str
    csrf_token: str


@dataclass(frozen=True)
class ApiCaller:
    """Who called the API: a token (by its name) or a logged-in person (by e-mail)."""

    kind: str  # "token" | "session"
    name: str


class LoginRequired(Exception):
    """No valid session on a page: the handler answers with a redirect to the login page (saying why when
    the session has just ended for idleness)."""

    def __init__(self, next_url: str, idle: bool = False, form_lost: bool = False) -> None:
        self.next_url = next_url
        self.idle = idle
        self.form_lost = form_lost
        super().__init__(next_url)


class CsrfRefused(Exception):
    """A form without the session's CSRF token: answered 403 with a page in Portuguese."""


class ApiUnauthorized(Exception):
    """An API call without a valid token or session: answered 401 JSON. `sent`: what the Authorization header held
    ("" none, "bearer" a token not known, "other" another scheme), so that the answer says which mistake it was."""

    def __init__(self, idle: bool = False, sent: str = "") -> None:
        self.idle = idle
        self.sent = sent
        super().__init__()


class ApiCsrfRefused(Exception):
    """An API call that changes something, made with the session cookie but without the session's
    `X-CSRF-Token` header: answered 403 JSON."""


def now(request: Request) -> datetime:
    """The app's clock (tests replace `app.state.clock` to move time without sleeping)."""
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else utc_now()


def client_address(request: Request) -> str | None:
    """The caller's address. Behind a proxy, uvicorn already took it from X-Forwarded-For when the proxy is
    trusted (FORWARDED_ALLOW_IPS; 127.0.0.1 by default)."""
    return request.client.host if request.client else None


def is_https(request: Request) -> bool:
    # Same rule for the scheme: X-Forwarded-Proto from a trusted proxy becomes request.url.scheme.
    return request.url.scheme == "https"


def idle_timeout(request: Request) -> timedelta:
    return request.app.state.container.settings.session_idle_timeout


def optional_user(request: Request) -> WebUser | None:
    """The logged-in person, or None; looked up once per request."""
    # request.state lives in the ASGI scope: every Request object of this request shares it.
    if not hasattr(request.state, "web_user"):
        request.state.web_user = _session_user(request)
    return request.state.web_user


def session_went_idle(request: Request) -> bool:
    """This request's session cookie named a session that has just ended for lack of use."""
    optional_user(request)
    return getattr(request.state, "session_idle", False)


def page_user(request: Request) -> WebUser:
    """Dependency of every page: the logged-in person, or a redirect to `/login?next=<this page>`."""
    user = optional_user(request)
    if user is None:
        if request.method in SAFE_METHODS:
            raise LoginRequired(_page_shown(request), idle=session_went_idle(request))
        # A form's action answers only POST: after login, a GET there was a 405. Back to the form's page.
        raise LoginRequired(form_page(request), idle=session_went_idle(request), form_lost=True)
    return user


def _page_shown(request: Request) -> str:
    """The page to come back to after login: the request's own address, except for htmx's refresh of a piece
    of a page (/pedidos/tabela), which is no page to land on: then the page the browser shows (HX-Current-URL)."""
    query = f"?{request.url.query}" if request.url.query else ""
    if request.headers.get("hx-request"):
        shown = urlsplit(request.headers.get("hx-current-url", ""))
        if shown.netloc == request.url.netloc and _opens_with_get(request, shown.path):
            return shown.path + (f"?{shown.query}" if shown.query else "")
    # Without the header (an old htmx, a proxy that drops it): the page the piece belongs to, same filters.
    return FRAGMENT_PAGES.get(request.url.path, request.url.path) + query


# Pieces of a page that htmx refreshes, and the page each belongs to.
FRAGMENT_PAGES = {"/pedidos/tabela": "/pedidos"}


def form_page(request: Request) -> str:
    """The page a form was sent from: the Referer when it is a page of this site, else the path above the
    action (`/nfe/9/cancelar` -> `/nfe/9`). A form's answer shown at the action's own address (a refusal
    rendered by the POST) is no page to come back to: only POST answers there."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and _opens_with_get(request, referer.path):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return page_above(request)


def page_above(request: Request) -> str:
    """The nearest address above the request's that opens with GET (`/nfe/9/cancelar` -> `/nfe/9`): the page
    a form posting to the request's address is on."""
    path = request.url.path.rstrip("/")
    while "/" in path.lstrip("/"):
        path = path.rsplit("/", 1)[0]
        if _opens_with_get(request, path):
            return path
    return "/pedidos"


def _opens_with_get(request: Request, path: str) -> bool:
    scope = {"type": "http", "method": "GET", "path": path, "root_path": ""}
    return path.startswith("/") and any(route.matches(scope)[0] == Match.FULL for route in request.app.routes)


def csrf_token_for(request: Request) -> str:
    """The token this page's forms must send back: the session's, or before login the login cookie's."""
    user = optional_user(request)
    if user is not None:
        return user.csrf_token
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or getattr(request.state, "new_login_csrf", None)
    if not token or len(token) > 100:
        token = secrets.token_urlsafe(32)
        request.state.new_login_csrf = token
    return token


def finish_response(request: Request, response: Response) -> None:
    """Set the cookies this request decided on (the login form's CSRF token when it was just made)."""
    token = getattr(request.state, "new_login_csrf", None)
    if token and optional_user(request) is None:
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=is_https(request),
                            path="/")


async def csrf_protect(request: Request) -> None:
    """Dependency of every page's POST: the form field `csrf_token` or header `X-CSRF-Token` must match."""
    user = optional_user(request)
    _check(await _sent_token(request), user.csrf_token if user is not None else request.cookies.get(LOGIN_CSRF_COOKIE))


async def login_csrf_protect(request: Request) -> None:
    """The login form's check: always the pre-session token (a stale tab may still carry an old session). But a
    second tab's login, after the first tab logged the same person in (which took the pre-session token with it),
    passes: it opens no one else's session (the password is still checked), and it was told "Formulário recusado"."""
    user = optional_user(request)
    if user is not None and await _typed_email(request) == user.email:
        return
    _check(await _sent_token(request), request.cookies.get(LOGIN_CSRF_COOKIE))


async def logout_csrf_protect(request: Request) -> None:
    """"Sair" ends this browser's session: with none (gone idle, ended in another tab) there is nothing to protect,
    and what was asked is done already. It answered 403 "Formulário recusado", the page's token being the session's
    that had ended; a forged request can only log out a browser that is logged out."""
    if optional_user(request) is not None:
        await csrf_protect(request)


async def _typed_email(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    typed = (await request.form()).get("email")
    try:
        return normalize_email(typed) if isinstance(typed, str) else None
    except LojasyncError:   # not an e-mail: the login itself says so
        return None


async def _sent_token(request: Request) -> str | None:
    sent = request.headers.get("x-csrf-token")
    if sent:
        return sent
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


def _check(sent: str | None, expected: str | None) -> None:
    # Constant time: a guesser learns nothing from how long a wrong token took.
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused()


def api_caller(request: Request) -> ApiCaller:
    """Dependency of `/api/v1`: `Authorization: Bearer <token>`, or a logged-in session."""
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and presented.strip():
        container = request.app.state.container
        token = token_caller(container.accounts_read_uow(), presented.strip(), now(request),
                             writer=container.accounts_uow)
        if token is None:
            raise ApiUnauthorized(sent="bearer")
        return ApiCaller(kind="token", name=token.name)
    user = optional_user(request)
    if user is None:
        raise ApiUnauthorized(idle=session_went_idle(request), sent="other" if scheme.strip() else "")
    # The browser sends the session cookie with any site's form or script: a call that changes something
    # must also carry the session's CSRF token, which only this site's pages know. A bearer token is never
    # sent by the browser on its own, so token callers need no such header.
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token", "")
        if not sent or not hmac.compare_digest(sent.encode(), user.csrf_token.encode()):
            raise ApiCsrfRefused()
    return ApiCaller(kind="session", name=user.email)


def api_person(caller: ApiCaller = Depends(api_caller)) -> Person:
    """Who the order history names for an API call: the token by its name, or the logged-in user. The router
    already depends on `api_caller`; FastAPI runs it once per request and hands both the same caller."""
    return Person.api_token(caller.name) if caller.kind == "token" else Person.user(caller.name)


def page_person(request: Request) -> Person:
    """Who the order history names for a page's action: the logged-in user (the router's `page_user` has
    already refused a request without one)."""
    return Person.user(page_user(request).email)


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    # No max-age: the browser forgets it when closed; the server ends it after SESSION_LIFETIME anyway.
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=is_https(request), path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")


def set_device_cookie(request: Request, response: Response, value: str) -> None:
    # Long-lived (a browser stays known for months), sent only to /login.
    response.set_cookie(DEVICE_COOKIE, value, max_age=int(DEVICE_LIFETIME.total_seconds()), httponly=True,
                        samesite="lax", secure=is_https(request), path=DEVICE_COOKIE_PATH)


def login_url(next_url: str) -> str:
    return f"/login?next={quote(safe_next(next_url), safe='/')}"


def safe_next(next_url: str | None) -> str:
    """Only a path of this site: `//evil.example` or `https://...` would send the person away after login."""
    if not next_url or not next_url.startswith("/") or next_url.startswith("//") or "\\" in next_url \
            or any(ord(c) < 32 for c in next_url):
        return "/pedidos"
    return next_url


def _session_user(request: Request) -> WebUser | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    container = request.app.state.container
    check = recognise_session(container.accounts_read_uow(), container.accounts_uow, token, now(request),
                              idle_timeout(request), by_person=request.headers.get(POLL_HEADER) != "1")
    request.state.session_idle = check.idle
    found = check.user
    if found is None:
        return None
    return WebUser(id=found.user_id, email=found.email, csrf_token=found.csrf_token)


# Shorthands for route signatures: `def page(user: PageUser)`, `def endpoint(caller: ApiUser)`.
PageUser = Annotated[WebUser, Depends(page_user)]
ApiUser = Annotated[ApiCaller, Depends(api_caller)]
