"""The pages' templates (Jinja2) with pt-BR filters, and `render`, which every page uses.

The filters are the CLI's formatters (babel): a value reads the same in the terminal and in the browser.
Flash messages live in a short-lived cookie: a page that redirects after a POST says what happened on the
next page, and nothing about it is kept on the server.
"""

from __future__ import annotations

import base64
import json
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.web.error_actions import error_link
from lojasync.entrypoints.web.retry import retry_headers
from lojasync.entrypoints.web.sections import SECTIONS
from lojasync.entrypoints.web.terminal_words import for_page
from lojasync.entrypoints.web.url_filters import sku_path
from lojasync.shared.errors import LojasyncError

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
FLASH_COOKIE = "lojasync_avisos"
FLASH_LEVELS = ("info", "sucesso", "aviso", "erro")
MAX_FLASH_COOKIE = 4096  # a browser keeps at most ~4 KB per cookie anyway
# Levels as callers say them in English, mapped to the words shown (and the CSS classes).
_LEVEL_NAMES = {"info": "info", "success": "sucesso", "warning": "aviso", "error": "erro"}


def date_input_value(value: object) -> object:
    """A day as a date input holds it (2026-01-31): one typed 31/01/2026 (accepted, and filtering the list) showed
    an empty field, the browser dropping a value not in ISO form, and the next "Filtrar" lost the period (review). A
    value that is no day stays as typed, beside its error."""
    if not isinstance(value, str) or not value.strip():
        return value
    try:
        return formats.parse_day(value, "").isoformat()
    except LojasyncError:
        return value


templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters.update({
    "date_input_value": date_input_value,
    "money": formats.money,
    "date": formats.day,
    "datetime": formats.when,
    "tax_id": formats.tax_id,
    "phone": formats.phone,
    "ie": formats.ie,
    "number": formats.number,
    "signed_number": formats.signed_number,
    "movement_reason": formats.movement_reason,
    "sku_path": sku_path,
    "for_page": for_page,
})
# Jinja2Templates turns autoescape on for .html: every value is escaped unless a template says otherwise.

# The CSRF token of the page being rendered. Macros imported without context (`{% from "_forms.html" import
# csrf_field %}`, Jinja's default) cannot see the page's variables, only globals: this one reads it here.
_rendering_csrf: ContextVar[str] = ContextVar("rendering_csrf", default="")
templates.env.globals["current_csrf_token"] = lambda: _rendering_csrf.get()
templates.env.globals["error_link"] = error_link
templates.env.globals["sections"] = SECTIONS


def flash(request: Request, text: str, level: str = "info") -> None:
    """Keep a message for the next page (shown by base.html): set on the response by `render`/`redirect`."""
    level = _LEVEL_NAMES.get(level, level if level in FLASH_LEVELS else "info")
    # request.state lives in the ASGI scope: the route's and render's Request objects share it.
    if not hasattr(request.state, "flash_out"):
        request.state.flash_out = []
    request.state.flash_out.append({"text": text, "level": level})


def redirect(request: Request, url: str, status_code: int = 303) -> Response:
    """A redirect after a form (303: the browser follows with GET), carrying the flash messages."""
    from fastapi.responses import RedirectResponse

    response = RedirectResponse(url, status_code=status_code)
    write_flash(request, response)
    return response


def errors_in(context: dict[str, Any]) -> list[LojasyncError]:
    """The errors a page shows: context values, and those one level inside a dict or list (a form's `errors` by
    field: review, the settings page's were missed)."""
    found = []
    for value in context.values():
        inner = value.values() if isinstance(value, dict) else value if isinstance(value, list | tuple) else (value,)
        found.extend(item for item in inner if isinstance(item, LojasyncError))
    return found


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    """Render a page with the logged-in user, the CSRF token and the pending flash messages."""
    from lojasync.entrypoints.web.auth import csrf_token_for, finish_response, optional_user
    from lojasync.entrypoints.web.company_notices import company_notices
    from lojasync.entrypoints.web.worker_notice import worker_notice
    from lojasync.entrypoints.worker_words import PAGE_NO_WORKER, with_worker_words

    user = optional_user(request)
    shown = _read_flash(request) + _take_flash(request)
    for error in errors_in(context or {}):
        if error.left_to_worker:
            # "o lojasync a consulta sozinho" holds only with a worker running: said on the page that shows the
            # error, at once (the banner says it 3 minutes later, and only with a store connected), in the page's
            # words (no terminal command).
            with_worker_words(getattr(request.app.state, "container", None), error, PAGE_NO_WORKER)
    full = {
        "user": user,
        "csrf_token": csrf_token_for(request),
        "flashes": shown,
        "company_notices": company_notices(request) if user is not None else [],
        "worker_notice": worker_notice(request) if user is not None else None,
        "current_path": request.url.path,
        **(context or {}),
    }
    if status_code == 503 and not (headers and "Retry-After" in headers):
        # Try again later, said to the browser and to any client reading the page as the API says it: when.
        error = next((value for value in full.values() if isinstance(value, LojasyncError)), None)
        headers = {**(headers or {}), **retry_headers(status_code, error)}
    # TemplateResponse renders at once, inside this block.
    rendering = _rendering_csrf.set(full["csrf_token"])
    try:
        response = templates.TemplateResponse(request, name, full, status_code=status_code, headers=headers)
    finally:
        _rendering_csrf.reset(rendering)
    response.headers.setdefault("Cache-Control", "no-store")   # the protective headers: `security_headers`
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    finish_response(request, response)
    return response


def render_public(request: Request, name: str, context: dict[str, Any] | None = None,
                  status_code: int = 200) -> HTMLResponse:
    """Render a page of `public.html` (no login: the store's install flow): no session is looked up and no
    cookie is set, `no-store` still applies (and the protective headers, `security_headers`)."""
    response = templates.TemplateResponse(request, name, context or {}, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def _take_flash(request: Request) -> list[dict[str, str]]:
    pending = getattr(request.state, "flash_out", [])
    request.state.flash_out = []
    return pending


def _read_flash(request: Request) -> list[dict[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    # Ours are a few hundred bytes; anything larger was written by someone else and is not worth decoding.
    if not raw or len(raw) > MAX_FLASH_COOKIE:
        return []
    try:
        items = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except (ValueError, RecursionError):
        # A crafted cookie (bad base64 or JSON, or "[[[[..." nested past Python's recursion limit) must not
        # break every page of that browser: it is ignored (and deleted by `render`).
        return []
    if not isinstance(items, list):
        return []
    # Anyone can write this cookie: only strings of a known level are kept (and escaped when shown).
    return [{"text": str(i.get("text", ""))[:500], "level": i.get("level") if i.get("level") in FLASH_LEVELS
             else "info"} for i in items[:10] if isinstance(i, dict)]


def write_flash(request: Request, response: Response) -> None:
    """Put the pending flash messages in the cookie of `response` (`redirect` does it for its own)."""
    pending = _take_flash(request)
    if pending:
        # Base64: a cookie value cannot hold JSON's quotes and commas as they are.
        value = base64.urlsafe_b64encode(json.dumps(pending).encode()).decode()
        response.set_cookie(FLASH_COOKIE, value, max_age=120, path="/",
                            httponly=True, samesite="lax", secure=request.url.scheme == "https")
