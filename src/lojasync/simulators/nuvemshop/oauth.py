"""App installation like the platform's: `GET /apps/{app_id}/authorize` (auto-approved) redirects with a
single-use code that lives 30 s of simulator time; `POST /apps/authorize/token` trades it for a token."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from lojasync.simulators.nuvemshop.errors import not_found

CODE_TTL = 30.0
SCOPE = "read_orders,write_orders,read_customers,read_products,write_products"


class TokenError(Exception):
    """An OAuth error answer `{error, error_description}`; `status` may be 200, as on the platform."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.body = {"error": error, "error_description": description}


@dataclass
class Grant:
    store_id: str
    issued: datetime
    used: bool = False


class CodeBook:
    """Authorization codes (callers hold the simulator lock)."""

    def __init__(self, ttl: float = CODE_TTL) -> None:
        self.ttl = ttl
        self.grants: dict[str, Grant] = {}

    def issue(self, store_id: str, now: datetime) -> str:
        code = secrets.token_hex(16)
        self.grants[code] = Grant(store_id, now)
        return code

    def redeem(self, code: str, now: datetime) -> str:
        """The store id the code was issued for; marks it used. Expired/used codes answer HTTP 200."""
        grant = self.grants.get(code)
        if grant is None:
            raise TokenError(400, "invalid_grant", "The authorization code is invalid")
        if grant.used:
            raise TokenError(200, "invalid_grant", "The authorization code has already been used")
        if (now - grant.issued).total_seconds() > self.ttl:
            raise TokenError(200, "invalid_grant", "The authorization code has expired")
        grant.used = True
        return grant.store_id


def with_query(url: str, **params: str | None) -> str:
    parts = urlsplit(url)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


async def token_params(request: Request) -> dict[str, str]:
    """Form (urlencoded) or JSON body; query parameters fill in anything missing."""
    raw = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    params: dict = {}
    if raw.strip():
        if content_type == "application/json":
            try:
                params = json.loads(raw)
            except ValueError:
                raise TokenError(400, "invalid_request", "The body is not valid JSON") from None
            if not isinstance(params, dict):
                raise TokenError(400, "invalid_request", "The body must be a JSON object")
        else:
            params = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    for key, value in request.query_params.items():
        params.setdefault(key, value)
    return {k: str(v) for k, v in params.items() if v is not None}


def oauth_router(sim) -> APIRouter:
    router = APIRouter()

    @router.get("/apps/{app_id}/authorize")
    async def authorize(app_id: str, state: str | None = None, store_id: str | None = None) -> Response:
        """The merchant approves at once; `store_id` (a simulator extension) picks the store."""
        if app_id != sim.config.app_id:
            raise not_found("App not found")
        return RedirectResponse(sim.authorize(state=state, store_id=store_id), status_code=302)

    @router.post("/apps/authorize/token")
    async def token(request: Request) -> Response:
        try:
            params = await token_params(request)
            body = sim.exchange_code(params.get("client_id"), params.get("client_secret"), params.get("code"),
                                     params.get("grant_type"))
        except TokenError as exc:
            return JSONResponse(exc.body, exc.status)
        return JSONResponse(body)

    return router
