"""Every answer of the public app carries the protective headers (`PAGE_HEADERS`), added here and nowhere else:
the rendered pages, and also the NF-e's XML and the DANFE shown inline (store text inside, framable by another
site), the JSON of the API (customers' names and addresses), redirects and the error pages other layers write
(review). A response that sets one of them itself keeps its own."""

from __future__ import annotations

from lojasync.entrypoints.web.body_limit import ASGIApp, Receive, Scope, Send

# Never inside another site's frame (clickjacking a "Cancelar NF-e" button), no content-type guessing, and no page
# address (order numbers, filters) sent to other sites.
PAGE_HEADERS = {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'",
                "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
_DEFAULTS = [(name.lower().encode(), value.encode()) for name, value in PAGE_HEADERS.items()]


def html_policy(nonce: str | None = None) -> str:
    """The Content-Security-Policy of an HTML page: scripts only from this site's own files (a script that store
    text smuggled into a page, past the templates' escaping, does not run: no inline script, no event attribute, no
    other origin), nothing loaded from elsewhere, no plugin, no <base> rewriting the links, forms sent here only.
    `nonce`: the one inline script a page carries (the API's Swagger page). Allowed, and why: inline styles (htmx
    adds its indicator's <style>; Swagger UI styles its elements), `data:` images (Swagger's icons), and eval (the
    conditions of htmx's polling triggers, "every 15s [...]", are compiled by htmx with Function())."""
    scripts = f"'self' 'nonce-{nonce}' 'unsafe-eval'" if nonce else "'self' 'unsafe-eval'"
    return (f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


# An HTML answer gets the page policy; the others (JSON, the NF-e's XML, the DANFE's PDF: a browser's PDF viewer is
# not to be second-guessed) keep the frame rule alone.
_HTML_POLICY = (b"content-security-policy", html_policy().encode())
_HTML = b"text/html"
# The API's answers name customers (CPF, addresses) as the pages do, and a browser's session may call it (Swagger's
# "Try it out"): no copy kept by the browser or a shared cache, as the pages and downloads say (review: the JSON
# alone had no Cache-Control). Its static Swagger bundle, which names nobody, may be kept.
_API = "/api/"
_API_STATIC = ("/api/v1/docs/swagger-ui", "/api/v1/docs/favicon")
_NO_STORE = (b"cache-control", b"no-store")


def protective_headers(path: str, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` of an answer to `path` with the protective ones it lacks: `PAGE_HEADERS` (an HTML page's policy in
    place of the frame rule alone), and no-store on the API's."""
    defaults = _DEFAULTS + [_NO_STORE] if path.startswith(_API) and not path.startswith(_API_STATIC) else _DEFAULTS
    present = {name.lower(): value for name, value in headers}
    if present.get(b"content-type", b"").lower().startswith(_HTML):
        defaults = [_HTML_POLICY if name == _HTML_POLICY[0] else (name, value) for name, value in defaults]
    return headers + [(name, value) for name, value in defaults if name not in present]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        path = scope.get("path", "")

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": protective_headers(path, list(message.get("headers", ())))}
            await send(message)

        await self.app(scope, receive, with_headers)
