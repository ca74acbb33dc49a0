"""The request body cap (body_limit.py): a large body is refused with 413 before any route (and the login
check) reads it, whether its size is declared or it arrives in chunks; normal forms and a certificate file
still pass."""

from __future__ import annotations

import asyncio

from lojasync.entrypoints.web.body_limit import DEFAULT_LIMIT, PATH_LIMITS
from lojasync.entrypoints.web.webhooks import MAX_BODY as WEBHOOK_MAX_BODY
from tests.web.conftest import csrf_of

CHUNK = 64 * 1024
HUGE = 300 * 1024 * 1024


def call_asgi(asgi_app, method: str, path: str, headers: list[tuple[bytes, bytes]], chunks):
    """Drive the app as the server would, with a body that arrives chunk by chunk; returns the answer's
    status, headers and body, and how many body bytes the app asked for."""
    pulled = 0
    messages: list[dict] = []

    async def receive():
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        messages.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"host", b"testserver"), *headers], "client": ("203.0.113.9", 40000),
             "server": ("testserver", 80), "state": {}}
    asyncio.run(asgi_app(scope, receive, send))
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body, pulled


def endless(total: int):
    sent = 0
    while sent < total:
        yield b"x" * CHUNK
        sent += CHUNK


def test_a_declared_large_json_is_refused_before_login_without_reading_it(web):
    declared = str(HUGE).encode()
    status, headers, body, pulled = call_asgi(
        web.app, "POST", "/api/v1/invoices/1/cancel",
        [(b"content-type", b"application/json"), (b"content-length", declared)], endless(HUGE))
    assert status == 413                         # not 401 after reading, nor 422 after parsing 300 MB
    assert pulled == 0                           # not one byte read
    assert headers[b"connection"] == b"close"
    assert b'"codigo":"web.body_too_large"' in body and b"limite de 256 KiB" in body
    assert b'"resolucao"' in body


def test_a_chunked_large_body_is_cut_off_at_the_limit(web):
    # No Content-Length (chunked): counted as it arrives, refused just past the cap, not read to the end.
    status, _, body, pulled = call_asgi(web.app, "POST", "/api/v1/invoices/1/cancel",
                                        [(b"content-type", b"application/json")], endless(HUGE))
    assert status == 413 and b"web.body_too_large" in body
    assert DEFAULT_LIMIT < pulled <= DEFAULT_LIMIT + CHUNK


def test_a_chunked_large_upload_to_a_page_gets_a_page_in_portuguese(web):
    boundary = b"limite"
    head = (b"--limite\r\nContent-Disposition: form-data; name=\"arquivo\"; filename=\"a.pfx\"\r\n"
            b"Content-Type: application/x-pkcs12\r\n\r\n")
    chunks = iter([head, *endless(400 * 1024 * 1024)])
    status, headers, body, pulled = call_asgi(
        web.app, "POST", "/configuracoes/certificado",
        [(b"content-type", b"multipart/form-data; boundary=" + boundary)], chunks)
    limit = PATH_LIMITS["/configuracoes/certificado"]
    assert status == 413 and pulled <= limit + CHUNK + len(head)   # never 386 MB on the temporary disk
    assert headers[b"content-type"].startswith(b"text/html")
    page = body.decode()
    assert "O conteúdo enviado é grande demais (limite de 1 MiB)." in page and "Resolução:" in page


def test_an_anonymous_declared_large_form_gets_413_through_the_client(web):
    answer = web.post("/configuracoes/certificado", content=b"x",
                      headers={"content-type": "multipart/form-data; boundary=b", "content-length": str(HUGE)})
    assert answer.status_code == 413 and "grande demais" in answer.text


def test_normal_forms_and_api_calls_still_work(logged_in):
    page = logged_in.get("/configuracoes")
    answer = logged_in.post("/configuracoes/ambiente", data={"csrf_token": csrf_of(page.text),
                                                             "environment": "homologacao"})
    assert answer.status_code in (303, 422)      # reached the route (no company yet: 422 with its own message)
    assert answer.status_code != 413
    # Just under the cap: the route answers (401 without a token), not the cap.
    assert logged_in.post("/api/v1/events/retry", content=b" " * (DEFAULT_LIMIT - 1),
                          headers={"content-type": "application/json", "authorization": "Bearer x"}
                          ).status_code == 401


def test_a_600_kib_certificate_passes_the_cap_and_is_refused_by_the_route(logged_in):
    token = csrf_of(logged_in.get("/configuracoes").text)
    answer = logged_in.post("/configuracoes/certificado", data={"csrf_token": token, "senha": "x"},
                            files={"arquivo": ("grande.pfx", b"\x30" * (600 * 1024), "application/x-pkcs12")})
    assert answer.status_code == 422
    assert "O arquivo enviado é grande demais para um certificado A1." in answer.text
    assert "Resolução" in answer.text


def test_the_webhook_keeps_its_own_cap(web):
    # Not capped twice: the receiver answers (and counts the rejection in its metrics) itself.
    assert PATH_LIMITS["/webhooks/nuvemshop"] is None and WEBHOOK_MAX_BODY >= DEFAULT_LIMIT
    answer = web.post("/webhooks/nuvemshop", content=b"x" * (WEBHOOK_MAX_BODY + 1))
    assert answer.status_code == 413 and answer.json() == {"erro": "Notificação grande demais."}
