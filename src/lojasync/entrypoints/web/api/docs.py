"""`/api/v1/openapi.json` and `/api/v1/docs` (Swagger UI), behind a token or a session like the rest of the
API. The schema describes `/api/v1` only (the pages, the webhook and the install routes stay out of it), and
Swagger UI's files come from the installed package `fastapi_offline`: no CDN, the product runs offline."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.routing import iter_route_contexts

from lojasync.entrypoints.web.api.routing import PREFIX, ApiRoute
from lojasync.entrypoints.web.auth import ApiCaller, api_caller, optional_user
from lojasync.entrypoints.web.security_headers import html_policy
from lojasync.entrypoints.web.templating import templates

ASSETS = Path(fastapi_offline.__file__).parent / "static"
_FILES = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css", "favicon.png": "image/png"}

DESCRIPTION = """
API JSON do lojasync: os mesmos serviços das páginas e da linha de comando.

**Acesso:** cabeçalho `Authorization: Bearer TOKEN`, com um token criado por `lojasync tokens add NOME` (mostrado
uma vez só, revogável), ou a sessão de quem entrou pelo navegador.

**Erros:** JSON `{"erro", "codigo", "resolucao"}` em português: 404 não encontrado, 409 a situação atual não
permite a operação, 422 dados inválidos, 503 tente de novo mais tarde.

**Dinheiro:** texto com duas casas decimais (`"123.45"`), nunca número de ponto flutuante.
"""

router = APIRouter(prefix=PREFIX, route_class=ApiRoute, dependencies=[Depends(api_caller)],
                   include_in_schema=False)


def api_schema(request: Request) -> dict:
    """The OpenAPI schema of `/api/v1` (built once per app)."""
    app = request.app
    cached = getattr(app.state, "api_schema", None)
    if cached is None:
        routes = [r for r in iter_route_contexts(app.routes) if (r.path or "").startswith(PREFIX + "/")]
        cached = get_openapi(title="lojasync API", version="1", description=DESCRIPTION, routes=routes)
        cached.setdefault("components", {})["securitySchemes"] = {
            "token": {"type": "http", "scheme": "bearer", "description": "Token de `lojasync tokens add NOME`."}}
        cached["security"] = [{"token": []}]
        app.state.api_schema = cached = _standard_bounds(cached)
    return cached


# pydantic writes the bounds of a number validated first by a function (`address_numbers.WholeNumber`: every id,
# page and limit) as its own keywords, which JSON Schema does not know: generators and validators ignored them, and
# a call valid by the schema (?limit=0) was refused (review).
_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _standard_bounds(schema: Any) -> Any:
    """`schema` with every numeric schema's ge/le/gt/lt as JSON Schema's minimum/maximum/exclusive*."""
    if isinstance(schema, list):
        return [_standard_bounds(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    numeric = schema.get("type") in ("integer", "number")
    return {(_BOUNDS[key] if numeric and key in _BOUNDS else key): _standard_bounds(value)
            for key, value in schema.items()}


@router.get("/openapi.json")
def openapi(request: Request) -> JSONResponse:
    return JSONResponse(api_schema(request))


@router.get("/docs")
def docs(request: Request, caller: ApiCaller = Depends(api_caller)) -> HTMLResponse:
    """Swagger UI. Opened from the browser's session, it carries that session's CSRF token so that "Try it out"
    works for the calls that change something too (a page of this site, like the others, so it may know it)."""
    user = optional_user(request) if caller.kind == "session" else None
    # Its one inline script (Swagger UI's set-up) runs by this answer's own nonce; no other inline script does.
    nonce = secrets.token_urlsafe(16)
    response = templates.TemplateResponse(request, "api/docs.html", {
        "prefix": PREFIX, "csrf_token": user.csrf_token if user else None, "nonce": nonce})
    response.headers["Cache-Control"] = "no-store"   # it holds the session's CSRF token
    response.headers["Content-Security-Policy"] = html_policy(nonce)
    return response


@router.get("/docs/{name}")
def asset(name: str) -> FileResponse:
    if name not in _FILES:
        raise HTTPException(status_code=404)
    return FileResponse(ASSETS / name, media_type=_FILES[name])
