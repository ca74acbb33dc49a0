"""The web app: POST /<Service> (or /<authoriser>/<Service>: authorisers.py) for the five SOAP services, and
the admin routes under /_simulator.

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
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from lojasync.simulators.sefaz.admin import admin_router
from lojasync.simulators.sefaz.authorisers import split_path
from lojasync.simulators.sefaz.simulator import CONTENT_TYPE, Reply, SefazSimulator
from lojasync.simulators.sefaz.soap import MAX_BODY, SoapFault, fault

# A dropped answer is held until the client gives up; one still waiting after this gets what a proxy in
# front of SEFAZ sends when the service never answers: 504 with no SOAP body.
DROP_HOLD_SECONDS = 120.0
_CONTENT_TYPE = CONTENT_TYPE.encode("latin-1")


async def _wait(request: Request, seconds: float) -> bool:
    """Sleep up to `seconds`; False as soon as the client disconnects."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if await request.is_disconnected():
            return False
        await asyncio.sleep(min(0.05, left))
    return True


async def _capped_body(receive: Receive) -> bytes | None:
    """The request's body, None once it passes MAX_BODY; ClientDisconnect (as Starlette's stream) if the
    client hangs up first."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _content_type(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value.decode("latin-1")
    return None


async def _send(send: Send, status: int, body: bytes) -> None:
    """What `Response(body, status, media_type=CONTENT_TYPE)` sends, without building one."""
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", _CONTENT_TYPE)]})
    await send({"type": "http.response.body", "body": body})


async def _late_reply(request: Request, reply: Reply) -> Response:
    """A reply the switches delay or drop."""
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
        if scope["type"] == "http" and scope["method"] == "POST" and len(path) > 1 \
                and (path.count("/") == 1 or split_path(path[1:])[0] is not None):
            await self._soap(scope, receive, send, path[1:])
            return
        await self.rest(scope, receive, send)

    async def _soap(self, scope: Scope, receive: Receive, send: Send, service: str) -> None:
        # Raw ASGI messages rather than Starlette's Request and Response: about 30 us less a call (of ~45), and
        # the same headers and bytes on the wire.
        body = await _capped_body(receive)
        if body is None:
            await _send(send, 413, fault(SoapFault("Mensagem muito grande")))
            return
        reply = self.simulator.handle(service, _content_type(scope), body)
        if reply.delay or reply.dropped:
            response = await _late_reply(Request(scope, receive), reply)
            await response(scope, receive, send)
            return
        await _send(send, reply.status, reply.body)


def create_app(simulator: SefazSimulator) -> SoapServices:
    admin = FastAPI(title="SEFAZ simulator", docs_url=None, redoc_url=None, openapi_url=None)
    admin.include_router(admin_router(simulator))
    return SoapServices(simulator, admin)
