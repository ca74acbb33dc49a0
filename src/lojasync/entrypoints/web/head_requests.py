"""HEAD answered as GET without the body, on every page and API route.

FastAPI routes answer only the methods they declare, so a HEAD (what uptime monitors and link checkers send,
and what HTTP expects wherever GET works) got 405 from the API and a redirect from the pages. The request is
handed on as a GET; the answer keeps its status and headers (Content-Length included) and loses its body.
"""

from __future__ import annotations

from lojasync.entrypoints.web.body_limit import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return   # a streamed body's chunks: none is sent
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
