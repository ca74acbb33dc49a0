"""The body cap through a real socket (uvicorn, httptools and h11): an anonymous body that never ends is
answered 413 and the connection closed, after about the cap was read, never the whole flood."""

from __future__ import annotations

import socket

import pytest

from lojasync.entrypoints.web.app import create_app
from lojasync.serving import BackgroundServer
from tests.integration.test_webhook_receiver import RecordingQueue

CHUNK = 64 * 1024
FLOOD = 300 * 1024 * 1024


@pytest.mark.parametrize("http", ["httptools", "h11"])
@pytest.mark.parametrize("path", ["/api/v1/invoices/1/cancel", "/configuracoes/certificado"])
def test_an_endless_chunked_body_is_cut_off_with_413(app, http, path):
    with BackgroundServer(create_app(app, RecordingQueue()), http=http) as server:
        sock = socket.create_connection((server.host, server.port), timeout=10)
        content_type = b"application/json" if path.startswith("/api/") else b"multipart/form-data; boundary=b"
        sock.sendall(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: lojasync\r\nContent-Type: " + content_type
                     + b"\r\nTransfer-Encoding: chunked\r\n\r\n")
        if not path.startswith("/api/"):  # a file part that never ends
            head = b'--b\r\nContent-Disposition: form-data; name="arquivo"; filename="a.pfx"\r\n\r\n'
            sock.sendall(f"{len(head):x}\r\n".encode() + head + b"\r\n")
        chunk = f"{CHUNK:x}\r\n".encode() + b"x" * CHUNK + b"\r\n"
        sent = 0
        try:
            while sent < FLOOD:
                sock.sendall(chunk)
                sent += CHUNK
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        try:
            while data := sock.recv(65536):
                answer += data
        except (ConnectionResetError, TimeoutError):
            pass
        sock.close()
    assert sent < 32 * 1024 * 1024                  # stopped long before 300 MB (kernel buffers aside)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"grande demais" in answer


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_an_answer_given_before_the_body_is_read_closes_the_connection(app, http):
    # A malformed upload is refused at its first bytes: the rest of an endless body is not read to keep the
    # connection alive; the answer says Connection: close and the server hangs up.
    with BackgroundServer(create_app(app, RecordingQueue()), http=http) as server:
        sock = socket.create_connection((server.host, server.port), timeout=10)
        sock.sendall(b"POST /configuracoes/certificado HTTP/1.1\r\nHost: lojasync\r\nContent-Type: "
                     b"multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = f"{CHUNK:x}\r\n".encode() + b"x" * CHUNK + b"\r\n"
        sent = 0
        try:
            while sent < FLOOD:
                sock.sendall(chunk)
                sent += CHUNK
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        try:
            while data := sock.recv(65536):
                answer += data
        except (ConnectionResetError, TimeoutError):
            pass
        sock.close()
    assert sent < 32 * 1024 * 1024
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    assert b"connection: close" in answer.lower()
