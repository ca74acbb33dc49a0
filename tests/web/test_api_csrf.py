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
    assert answer.status_code == 200 and answer.json()["retried"] is False


def test_a_bearer_token_post_needs_no_csrf_header(web, api_token):
    answer = web.post("/api/v1/events/retry", headers={"Authorization": f"Bearer {api_token}"})
    assert answer.status_code == 200 and answer.json()["retried"] is False


def test_a_session_read_needs_no_csrf_header(logged_in):
    assert logged_in.get("/api/v1/events").status_code == 200
    assert logged_in.head("/api/v1/events").status_code == 200   # a read: never 403


def test_a_broken_body_is_refused_for_who_sends_it_before_what_it_says(web):
    """FastAPI reads a JSON body before the router's dependencies: a broken body from nobody got 422 "não é
    um JSON válido", from a session without the CSRF header too; each now gets what any other call of theirs
    gets (401, 403)."""
    broken = {"content": "{", "headers": {"Content-Type": "application/json"}}
    anonymous = web.post("/api/v1/invoices/1/cancel", **broken)
    assert anonymous.status_code == 401 and anonymous.json()["codigo"] == "web.unauthorized"
    forged = web.post("/api/v1/invoices/1/cancel", **{**broken, "headers": {**broken["headers"],
                                                                          "Authorization": "Bearer falso"}})
    assert forged.status_code == 401
    # Nor does an unknown query parameter tell an anonymous caller which parameters the route takes.
    probing = web.get("/api/v1/orders", params={"foo": "1"})
    assert probing.status_code == 401 and "aceita" not in probing.text


def test_a_broken_body_from_a_session_without_the_csrf_header_is_403_and_with_it_422(logged_in):
    broken = {"content": "{", "headers": {"Content-Type": "application/json"}}
    assert logged_in.post("/api/v1/invoices/1/cancel", **broken).json()["codigo"] == "web.api_csrf"
    token = csrf_of(logged_in.get("/pedidos").text)
    answer = logged_in.post("/api/v1/invoices/1/cancel", content="{", headers={
        "Content-Type": "application/json", "X-CSRF-Token": token})
    assert answer.status_code == 422 and "não é um JSON válido" in answer.json()["erro"]
