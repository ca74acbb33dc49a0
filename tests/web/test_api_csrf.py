"""`/api/v1` with the browser's session cookie: a call that changes something must carry the session's
`X-CSRF-Token` (another site can make the browser send the cookie, not the token); a bearer token and reads
need no such header."""

from __future__ import annotations

from tests.web.conftest import csrf_of


def test_a_session_post_without_the_csrf_header_is_refused(logged_in):
    answer = logged_in.post("/api/v1/events/retry")
    assert answer.status_code == 403
    body = answer.json()
    assert body["codigo"] == "web.api_csrf"
    assert "X-CSRF-Token" in body["resolucao"] and "Bearer" in body["resolucao"]
    wrong = logged_in.post("/api/v1/events/retry", headers={"X-CSRF-Token": "outro-token"})
    assert wrong.status_code == 403
    # An empty header is no token.
    assert logged_in.post("/api/v1/events/retry", headers={"X-CSRF-Token": ""}).status_code == 403


def test_a_session_post_with_the_pages_csrf_token_works(logged_in):
    token = csrf_of(logged_in.get("/pedidos").text)
    answer = logged_in.post("/api/v1/events/retry", headers={"X-CSRF-Token": token})
    assert answer.status_code == 200 and answer.json() == {"stores": [], "retried": False}


def test_a_bearer_token_post_needs_no_csrf_header(web, api_token):
    answer = web.post("/api/v1/events/retry", headers={"Authorization": f"Bearer {api_token}"})
    assert answer.status_code == 200 and answer.json() == {"stores": [], "retried": False}


def test_a_session_read_needs_no_csrf_header(logged_in):
    assert logged_in.get("/api/v1/events").status_code == 200
    assert logged_in.head("/api/v1/events").status_code in (200, 405)   # never 403
