"""The login and logout pages, and `/`, which sends a person to the order list."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from lojasync.entrypoints.web.auth import WebUser, csrf_protect, optional_user, page_user, safe_next
from lojasync.entrypoints.web.templating import render

router = APIRouter()


@router.get("/", include_in_schema=False)
def home(user: WebUser = Depends(page_user)) -> Response:
    return RedirectResponse("/pedidos", status_code=303)


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next_url: str | None = Query(None, alias="next")) -> Response:
    if optional_user(request) is not None:
        return RedirectResponse(safe_next(next_url), status_code=303)
    return render(request, "login.html", {"next_url": safe_next(next_url), "email": "", "error": None})


@router.post("/logout", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def logout(request: Request) -> Response:
    from lojasync.entrypoints.web.auth import SESSION_COOKIE

    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
