"""A cap on every request body, checked before any route (and so before the login check) reads it.

Without it a route that takes a form or JSON reads the whole body first: an anonymous caller could fill the
memory with one large JSON or the temporary disk with one large upload, and only then be sent to the login.
A declared `Content-Length` over the cap is answered 413 at once, without reading a byte; a chunked body
(no length) is counted as it arrives and refused as soon as it passes the cap.

The webhook receiver keeps its own cap (`webhooks.MAX_BODY`, answered with its metrics): it is not counted
twice here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.responses import HTMLResponse, JSONResponse, Response

from lojasync.entrypoints.web.templating import templates
from lojasync.entrypoints.web.webhooks import lgpd_webhook_paths

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KIB = 1024
DEFAULT_LIMIT = 256 * KIB
# A real A1 file is a few kilobytes; the route itself refuses more than 512 KiB with its own message, so
# this cap only has to leave room for that file plus the form's other fields and the multipart framing.
PATH_LIMITS: dict[str, int | None] = {
    "/configuracoes/certificado": 1024 * KIB,
    "/webhooks/nuvemshop": None,  # capped by the receiver itself (webhooks.MAX_BODY), the LGPD addresses too
    **dict.fromkeys(lgpd_webhook_paths()),
}
API_PREFIX = "/api/"


def limit_for(path: str) -> int | None:
    """The most bytes a body may have on this path (None: the route applies its own cap)."""
    return PATH_LIMITS.get(path.rstrip("/") or "/", DEFAULT_LIMIT)


class BodyTooLarge(Exception):
    """Raised from `receive` once the streamed body passes the cap: whatever was reading it stops there."""


class BodyLimit:
    """Pure ASGI middleware (no BaseHTTPMiddleware: it would buffer and could not stop a stream)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope.get("path", ""))
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await too_large(scope, limit)(scope, receive, send)
            return

        received = 0
        exceeded = False
        started = False
        body_done = declared == 0 or (declared is None and not _has_header(scope, b"transfer-encoding"))

        async def limited_receive() -> Message:
            nonlocal received, exceeded, body_done
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge()
                body_done = body_done or not message.get("more_body", False)
            elif message["type"] == "http.disconnect":
                body_done = True
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            # Once the cap was passed, whatever the app answers (the framework may turn the interrupted read
            # into a 400 of its own) is replaced by the 413 below.
            if exceeded:
                return
            if message["type"] == "http.response.start":
                started = True
                if not body_done:
                    # Answered before the body was read (the login redirect, a 401, a malformed form): close
                    # the connection after the answer, or the server would go on reading and discarding a
                    # body that may never end just to keep the connection alive.
                    message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        # The reader stopped by the cap may let the exception through: the 413 below answers instead.
        with contextlib.suppress(BodyTooLarge):
            await self.app(scope, limited_receive, guarded_send)
        if exceeded and not started:
            await too_large(scope, limit)(scope, receive, send)


def _has_header(scope: Scope, wanted: bytes) -> bool:
    return any(name == wanted for name, _ in scope.get("headers", ()))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            # A malformed length is the server's problem (uvicorn refuses it); here only a number counts.
            return int(text) if text.isascii() and text.isdigit() else None
    return None


def too_large(scope: Scope, limit: int) -> Response:
    """413 in Portuguese: JSON under /api/, a short page otherwise. `Connection: close` makes the server
    drop the connection instead of reading (and discarding) the rest of the body."""
    size = f"{limit // KIB} KiB" if limit < 1024 * KIB else f"{limit // (1024 * KIB)} MiB"
    message = f"O conteúdo enviado é grande demais (limite de {size})."
    headers = {"Connection": "close"}
    if scope.get("path", "").startswith(API_PREFIX):
        resolution = "Envie menos dados por chamada (por exemplo, divida a operação em partes menores)."
        return JSONResponse({"erro": message, "codigo": "web.body_too_large", "resolucao": resolution},
                            status_code=413, headers=headers)
    resolution = "Volte à página e confira o que foi preenchido ou o arquivo escolhido antes de enviar de novo."
    html = templates.get_template("body_too_large.html").render(message=message, resolution=resolution)
    return HTMLResponse(html, status_code=413, headers={**headers, "Cache-Control": "no-store"})
