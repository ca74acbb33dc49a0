"""Admin routes under /_simulator/ (no SOAP, no authentication): switches, clock, what SEFAZ knows."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from lojasync.simulators.sefaz.simulator import SefazSimulator


def _error(message: str, status: int = 422) -> Response:
    return JSONResponse({"erro": message}, status)


async def _body(request: Request) -> dict | Response:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        return _error("corpo deve ser JSON", 400)
    return body if isinstance(body, dict) else _error("corpo deve ser um objeto JSON")


def admin_router(sim: SefazSimulator) -> APIRouter:
    router = APIRouter(prefix="/_simulator")

    @router.get("/switches")
    async def switches() -> Response:
        return JSONResponse(sim.switches_now().as_dict())

    @router.post("/switches")
    async def set_switches(request: Request) -> Response:
        """Body: any of the `Switches` fields; `"reset": true` turns everything off first."""
        body = await _body(request)
        if isinstance(body, Response):
            return body
        if body.pop("reset", False):
            sim.reset_switches()
        try:
            return JSONResponse(sim.set_switches(**body))
        except ValueError as exc:
            return _error(str(exc))

    @router.get("/stats")
    async def stats() -> Response:
        return JSONResponse(sim.stats())

    @router.get("/nfe/{key}")
    async def nfe(key: str) -> Response:
        record = sim.nfe(key)
        return JSONResponse(record) if record else _error("NF-e desconhecida", 404)

    @router.post("/clock")
    async def clock(request: Request) -> Response:
        body = await _body(request)
        if isinstance(body, Response):
            return body
        seconds = body.get("advance", 0)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            return _error("advance deve ser um numero de segundos >= 0")
        return JSONResponse({"agora": sim.advance_clock(seconds)})

    @router.post("/reset")
    async def reset() -> Response:
        sim.reset()
        return JSONResponse({"ok": True})

    return router
