"""The web app: POST /<Service> for the five SOAP services, and the admin routes under /_simulator.

The SOAP calls are answered by a plain ASGI function ahead of FastAPI: FastAPI's routing and request
handling cost about 0.5 ms a call, a sixth of an NF-e's round trip to the simulator
(benchmarks/invoice_throughput.py). The admin routes stay on FastAPI.

A slow answer and a dropped one wait without holding a thread, and stop waiting as soon as the client
hangs up, so a test's short timeout does not leave the server busy for the full delay.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from lojasync.simulators.sefaz.admin import admin_router
from lojasync.simulators.sefaz.simulator import CONTENT_TYPE, SefazSimulator
from lojasync.simulators.sefaz.soap import MAX_BODY, SoapFault, fault

# A dropped answer is held until the client gives up; one still waiting after this gets what a proxy in
# front of SEFAZ sends when the service never answers: 504 with no SOAP body.
DROP_HOLD_SECONDS = 120.0


async def _wait(request: Request, seconds: float) -> bool:
    """Sleep up to `seconds`; False as soon as the client disconnects."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if await request.is_disconnected():
            return False
        await asyncio.sleep(min(0.05, left))
    return True


async def _capped_body(request: Request) -> bytes | None:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _soap_reply(simulator: SefazSimulator, request: Request, service: str) -> Response:
    body = await _capped_body(request)
    if body is None:
        return Response(fault(SoapFault("Mensagem muito grande")), 413, media_type=CONTENT_TYPE)
    reply = simulator.handle(service, request.headers.get("content-type"), body)
    if reply.delay and not await _wait(request, reply.delay):
        return Response(status_code=499)  # nobody is listening any more
    if reply.dropped:
        await _wait(request, DROP_HOLD_SECONDS)
        return Response(status_code=504)
    return Response(reply.body, reply.status, media_type=CONTENT_TYPE)


class SoapServices:
    """POST /<Service> goes to the simulator; every other request to `rest` (the admin routes, 404s)."""

    def __init__(self, simulator: SefazSimulator, rest: ASGIApp) -> None:
        self.simulator = simulator
        self.rest = rest

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and scope["method"] == "POST" and path.count("/") == 1 and len(path) > 1:
            request = Request(scope, receive)
            response = await _soap_reply(self.simulator, request, path[1:])
            await response(scope, receive, send)
            return
        await self.rest(scope, receive, send)


def create_app(simulator: SefazSimulator) -> SoapServices:
    admin = FastAPI(title="SEFAZ simulator", docs_url=None, redoc_url=None, openapi_url=None)
    admin.include_router(admin_router(simulator))
    return SoapServices(simulator, admin)
