"""Who is calling: the logged-in person of a page, the CSRF check of its forms, the caller of the API.

Pages depend on `page_user` (no session: a redirect to /login), their POST routes on `csrf_protect`
(a form field `csrf_token` or the header `X-CSRF-Token` equal to the session's), and `/api/v1` on
`api_caller` (a bearer API token or a page session; otherwise 401 JSON in Portuguese).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

SESSION_COOKIE = "lojasync_sessao"
SESSION_SECONDS = 12 * 3600


@dataclass(frozen=True)
class WebUser:
    """The person behind a page request."""

    id: int
    email: str
    csrf_token: str


@dataclass(frozen=True)
class ApiCaller:
    """Who called the API: a token (by its name) or a logged-in person."""

    kind: str  # "token" | "session"
    name: str


class LoginRequired(Exception):
    """No valid session on a page: the handler answers with a redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url
        super().__init__(next_url)


class CsrfRefused(Exception):
    """A form without the session's CSRF token: answered 403 with a page in Portuguese."""


class ApiUnauthorized(Exception):
    """An API call without a valid token or session: answered 401 JSON."""


def optional_user(request: Request) -> WebUser | None:
    """The logged-in person, or None; read once per request."""
    if "web_user" not in request.state.__dict__:
        request.state.web_user = _session_user(request)
    return request.state.web_user


def page_user(request: Request) -> WebUser:
    """Dependency of every page: the logged-in person, or a redirect to `/login?next=<this page>`."""
    user = optional_user(request)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return user


def csrf_token_for(request: Request) -> str:
    """The token the page's forms must send back ("" without a session)."""
    user = optional_user(request)
    return user.csrf_token if user is not None else ""


async def csrf_protect(request: Request) -> None:
    """Dependency of every page's POST: the form field `csrf_token` or header `X-CSRF-Token` must match."""
    expected = csrf_token_for(request)
    sent = request.headers.get("x-csrf-token")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    # Constant time: a guesser learns nothing from how long a wrong token took.
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused()


def api_caller(request: Request) -> ApiCaller:
    """Dependency of `/api/v1`: `Authorization: Bearer <token>`, or a logged-in session."""
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and presented.strip():
        name = _token_name(request, presented.strip())
        if name is None:
            raise ApiUnauthorized()
        return ApiCaller(kind="token", name=name)
    user = optional_user(request)
    if user is None:
        raise ApiUnauthorized()
    return ApiCaller(kind="session", name=user.email)


def login_url(next_url: str) -> str:
    return f"/login?next={quote(safe_next(next_url), safe='/')}"


def safe_next(next_url: str | None) -> str:
    """Only a path of this site: `//evil.example` or `https://...` would send the person away after login."""
    if not next_url or not next_url.startswith("/") or next_url.startswith("//") or "\\" in next_url:
        return "/pedidos"
    return next_url


# --- the session mechanism (simple signed cookie; replaced by server-side sessions of the accounts module) ---

def issue_session(app, user_id: int, email: str) -> str:
    """A cookie value for this person, signed with the app's key, valid for SESSION_SECONDS."""
    payload = {"uid": user_id, "email": email, "csrf": secrets.token_urlsafe(32),
               "exp": int(time.time()) + SESSION_SECONDS}
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
    return f"{body}.{_sign(app, body)}"


def issue_api_token(app, name: str) -> str:
    body = base64.urlsafe_b64encode(json.dumps({"token": name}).encode()).decode()
    return f"{body}.{_sign(app, body)}"


def _session_user(request: Request) -> WebUser | None:
    payload = _verified(request.app, request.cookies.get(SESSION_COOKIE))
    if payload is None or payload.get("exp", 0) < time.time():
        return None
    return WebUser(id=payload["uid"], email=payload["email"], csrf_token=payload["csrf"])


def _token_name(request: Request, token: str) -> str | None:
    payload = _verified(request.app, token)
    return payload.get("token") if payload else None


def _verified(app, value: str | None) -> dict | None:
    if not value or "." not in value:
        return None
    body, _, signature = value.rpartition(".")
    if not hmac.compare_digest(signature.encode(), _sign(app, body).encode()):
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError:
        return None


def _sign(app, body: str) -> str:
    return hmac.new(app.state.session_key, body.encode(), hashlib.sha256).hexdigest()


# Shorthands for route signatures: `def page(user: PageUser)`, `def endpoint(caller: ApiUser)`.
PageUser = Annotated[WebUser, Depends(page_user)]
ApiUser = Annotated[ApiCaller, Depends(api_caller)]
