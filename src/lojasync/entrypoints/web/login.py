"""The login and logout pages, and `/`, which sends a person to the order list."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from lojasync.accounts.errors import LoginThrottled, PasswordChecksBusy
from lojasync.accounts.services.login import log_in, log_out
from lojasync.accounts.services.users import someone_can_log_in
from lojasync.entrypoints.web.auth import (
    DEVICE_COOKIE,
    SESSION_COOKIE,
    PageUser,
    client_address,
    idle_timeout,
    login_csrf_protect,
    logout_csrf_protect,
    now,
    optional_user,
    safe_next,
    set_device_cookie,
    set_session_cookie,
)
from lojasync.entrypoints.web.templating import flash, redirect, render
from lojasync.shared.errors import LojasyncError

router = APIRouter(include_in_schema=False)

# How each refusal is answered: too many tries is 429 (with Retry-After), too many logins at once on the server 503
# (with it too), else 401 (a disabled user too: the service answers it like a wrong password, so the page never
# confirms that password).
_STATUS = {LoginThrottled: 429, PasswordChecksBusy: 503}


def _login_page(request: Request, next_url: str | None, email: str = "", error: LojasyncError | None = None,
                status_code: int = 200, headers: dict | None = None) -> Response:
    # With no active user, "ask whoever runs lojasync to add you in Configurações → Usuários" is a dead end (first-day
    # walk): nobody can open that page, the first user is made on the server.
    nobody = not someone_can_log_in(request.app.state.container.accounts_read_uow())
    return render(request, "login.html", {"next_url": safe_next(next_url), "email": email, "error": error,
                                          "nobody_can_log_in": nobody}, status_code=status_code, headers=headers)


@router.get("/")
def home(user: PageUser) -> Response:
    return RedirectResponse("/pedidos", status_code=303)


@router.get("/login")
def login_page(request: Request, next_url: str | None = Query(None, alias="next")) -> Response:
    if optional_user(request) is not None:
        return RedirectResponse(safe_next(next_url), status_code=303)
    return _login_page(request, next_url)


@router.post("/login", dependencies=[Depends(login_csrf_protect)])
async def login(request: Request, email: str = Form(""), password: str = Form(""),
                next_url: str = Form("", alias="next")) -> Response:
    container = request.app.state.container
    try:
        # argon2 takes tens of milliseconds of CPU: off the event loop.
        opened = await run_in_threadpool(partial(
            log_in, container.accounts_uow(), email, password, client_address(request), now(request),
            device_cookie=request.cookies.get(DEVICE_COOKIE), signer=container.cipher,
            idle_timeout=idle_timeout(request)))
    except LojasyncError as exc:
        status_code = _STATUS.get(type(exc), 401)
        seconds = exc.params.get("seconds")
        return await run_in_threadpool(partial(
            _login_page, request, next_url, email[:254], exc, status_code,
            {"Retry-After": str(seconds)} if seconds else None))
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        # A new login replaces whatever session this browser had (no session fixation).
        await run_in_threadpool(log_out, container.accounts_uow(), previous)
    response = RedirectResponse(safe_next(next_url), status_code=303)
    set_session_cookie(request, response, opened.token)
    if opened.device_cookie:
        set_device_cookie(request, response, opened.device_cookie)
    return response


@router.post("/logout", dependencies=[Depends(logout_csrf_protect)])
async def logout(request: Request) -> Response:
    await run_in_threadpool(log_out, request.app.state.container.accounts_uow(), request.cookies.get(SESSION_COOKIE))
    flash(request, "Você saiu do lojasync.", "info")
    response = redirect(request, "/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
