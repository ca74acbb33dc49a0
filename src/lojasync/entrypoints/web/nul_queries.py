"""A NUL character in an address's query ("?q=ab%00c") is dropped before any route reads it.

No value lojasync searches or keeps can hold one (PostgreSQL's text cannot; the bodies and the store's payloads
are cleaned the same way), and left in, the same search answered differently on PostgreSQL and SQLite.
"""

from __future__ import annotations

from lojasync.entrypoints.web.body_limit import ASGIApp, Receive, Scope, Send


class NulFreeQueries:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and b"%00" in scope.get("query_string", b""):
            query = scope["query_string"]
            while b"%00" in query:   # one pass would leave "%%0000" as "%00"
                query = query.replace(b"%00", b"")
            scope = {**scope, "query_string": query}
        await self.app(scope, receive, send)
