"""Request/response helpers shared by the API and admin routes."""

from __future__ import annotations

import json
from decimal import Decimal

from fastapi import Request
from fastapi.responses import Response

from lojasync.simulators.nuvemshop.errors import api_error

JSON_TYPE = "application/json; charset=utf-8"


def raw_json(body: bytes, headers: dict[str, str] | None = None, status: int = 200) -> Response:
    """A response from already-encoded JSON (orders are cached encoded)."""
    return Response(content=body, status_code=status, media_type=JSON_TYPE, headers=headers)


async def json_body(request: Request, strict: bool = True):
    """The request's JSON (floats as Decimal) or None; `strict` demands Content-Type application/json."""
    raw = await request.body()
    if not raw.strip():
        return None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if strict and content_type != "application/json":
        raise api_error(415, "Content-Type must be application/json")
    try:
        return json.loads(raw, parse_float=Decimal)
    except ValueError:
        raise api_error(400, "Invalid JSON body") from None
