"""The session's idle timeout through the web app, on an injected clock: 8 hours without a request ends the
session (pages say why on the login page, the API answers 401), and keeping it alive costs at most one
database write a minute, not one per request."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, text

from lojasync.accounts.tokens import digest
from lojasync.db.accounts_tables import web_sessions
from lojasync.entrypoints.web.auth import IDLE_MESSAGE, SESSION_COOKIE
from lojasync.settings import Settings
from tests.web.conftest import USER_EMAIL, USER_PASSWORD, csrf_of, log_in
from tests.web.test_auth import add_whoami

# The login page's word, after a form sent once the session had ended, that the form did nothing.
NOT_SENT_MESSAGE = "Nada do que você enviou foi feito"


@pytest.fixture()
def signed_in(app, clock, logged_in):
    """Logged in at the clock's start (the fixture's own login ran before the clock was set: log in again)."""
    logged_in.cookies.delete(SESSION_COOKIE)
    with app.engine.begin() as conn:
        conn.execute(text("DELETE FROM web_sessions"))
    assert log_in(logged_in, USER_EMAIL, USER_PASSWORD).status_code == 303
    return logged_in


@pytest.fixture()
def session_writes(app):
    """The statements that write web_sessions, as the database sees them."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("UPDATE WEB_SESSIONS", "DELETE FROM WEB_SESSIONS")):
            seen.append(statement)

    event.listen(app.engine, "before_cursor_execute", record)
    yield seen
    event.remove(app.engine, "before_cursor_execute", record)


def last_seen(app, client):
    with app.engine.connect() as conn:
        return conn.execute(select(web_sessions.c.last_seen_at).where(
            web_sessions.c.token_hash == digest(client.cookies.get(SESSION_COOKIE)))).scalar_one()


def test_eight_hours_without_a_request_end_the_session_with_a_message(app, signed_in, clock):
    clock.advance(hours=2)
    assert signed_in.get("/pedidos").status_code == 200          # this request counts, not the login
    clock.advance(hours=8)                                        # 10 h after the login: idle, not expired
    answer = signed_in.get("/estoque?pagina=2")
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/estoque%3Fpagina%3D2"
    assert f"{SESSION_COOKIE}=" in answer.headers["set-cookie"]  # the browser forgets it
    login_page = signed_in.get(answer.headers["location"])
    assert login_page.status_code == 200 and IDLE_MESSAGE in login_page.text
    with app.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM web_sessions")).scalar() == 0  # ended on the server too
    # Logging in again works, and the message is not shown twice.
    assert log_in(signed_in, USER_EMAIL, USER_PASSWORD, next_url="/estoque").headers["location"] == "/estoque"
    assert IDLE_MESSAGE not in signed_in.get("/estoque").text
    clock.advance(hours=7, minutes=59)
    assert signed_in.get("/estoque").status_code == 200          # a minute short of the timeout


def test_a_busy_session_still_ends_at_its_absolute_lifetime(signed_in, clock):
    for _ in range(12):
        assert signed_in.get("/pedidos").status_code == 200
        clock.advance(minutes=59)
    clock.advance(minutes=13)  # 12h01 after the login, 14 minutes after the last request
    answer = signed_in.get("/pedidos")
    assert answer.headers["location"].startswith("/login")
    # Not idle: no idleness message for a session that simply reached its end.
    assert IDLE_MESSAGE not in signed_in.get("/login").text


def test_the_last_request_is_written_at_most_once_a_minute(app, signed_in, clock, session_writes):
    start = last_seen(app, signed_in)
    for _ in range(20):
        clock.advance(seconds=2)
        assert signed_in.get("/pedidos").status_code == 200
    assert session_writes == [] and last_seen(app, signed_in) == start     # 40 seconds of requests: no write
    clock.advance(seconds=20)
    signed_in.get("/pedidos")
    signed_in.get("/pedidos")
    assert len(session_writes) == 1 and last_seen(app, signed_in) == clock.now


def test_the_api_answers_401_for_an_idle_session(app, signed_in, clock):
    add_whoami(signed_in)
    assert signed_in.get("/api/v1/teste/quem").json()["tipo"] == "session"
    clock.advance(hours=8)
    answer = signed_in.get("/api/v1/teste/quem")
    assert answer.status_code == 401
    assert answer.json()["codigo"] == "web.session_idle" and answer.json()["erro"] == IDLE_MESSAGE
    assert signed_in.get("/api/v1/teste/quem").json()["codigo"] == "web.unauthorized"  # it is gone now


def test_htmx_is_sent_to_the_login_page_with_the_message(signed_in, clock):
    clock.advance(hours=8)
    answer = signed_in.get("/pedidos", headers={"HX-Request": "true"})
    assert answer.status_code == 204 and answer.headers["hx-redirect"].startswith("/login?next=")
    assert IDLE_MESSAGE in signed_in.get("/login").text


def test_the_order_lists_refresh_comes_back_to_the_list_not_to_its_bare_table(signed_in, clock):
    """The list refreshes its table every few seconds (GET /pedidos/tabela): once the session has gone idle,
    the login must lead back to the list with its filters, not to a table without the page around it."""
    clock.advance(hours=8)
    answer = signed_in.get("/pedidos/tabela?situacao=confirmado", headers={
        "HX-Request": "true", "HX-Current-URL": "http://testserver/pedidos?situacao=confirmado&pagina=2"})
    assert answer.status_code == 204
    assert answer.headers["hx-redirect"] == "/login?next=/pedidos%3Fsituacao%3Dconfirmado%26pagina%3D2"


def test_without_the_current_page_the_tables_refresh_leads_to_its_list(signed_in, clock):
    clock.advance(hours=8)
    answer = signed_in.get("/pedidos/tabela?situacao=confirmado", headers={"HX-Request": "true"})
    assert answer.headers["hx-redirect"] == "/login?next=/pedidos%3Fsituacao%3Dconfirmado"
    # Another site's address is not followed.
    signed_in.cookies.clear()
    answer = signed_in.get("/pedidos/tabela", headers={"HX-Request": "true",
                                                       "HX-Current-URL": "https://elsewhere.example/pedidos"})
    assert answer.headers["hx-redirect"] == "/login?next=/pedidos"


def test_the_idle_timeout_is_a_setting(app, signed_in, clock, monkeypatch):
    monkeypatch.setattr(app.settings, "session_idle_minutes", 30)
    clock.advance(minutes=29)
    assert signed_in.get("/pedidos").status_code == 200
    clock.advance(minutes=30)
    assert signed_in.get("/pedidos").headers["location"].startswith("/login")


def test_the_setting_is_read_from_the_environment_and_checked(monkeypatch):
    from pydantic import ValidationError

    monkeypatch.delenv("LOJASYNC_SESSION_IDLE_MINUTES", raising=False)
    assert Settings().session_idle_minutes == 480
    monkeypatch.setenv("LOJASYNC_SESSION_IDLE_MINUTES", "45")
    assert Settings().session_idle_timeout.total_seconds() == 45 * 60
    monkeypatch.setenv("LOJASYNC_SESSION_IDLE_MINUTES", "0")
    with pytest.raises(ValidationError):
        Settings()


def test_the_pages_own_refreshes_do_not_keep_an_idle_session_open(app, signed_in, clock):
    """Pedidos/Orçamentos left open on the counter refreshes its table every few seconds by itself (htmx, with
    the poll header): served, but not use. Eight hours of nothing but refreshes end the session."""
    page = signed_in.get("/pedidos")
    assert 'hx-headers=\'{"X-Lojasync-Poll": "1"}\'' in page.text
    for _ in range(15):                              # 7 h 30 min of refreshes: still served
        clock.advance(minutes=30)
        assert signed_in.get("/pedidos/tabela", headers={"X-Lojasync-Poll": "1"}).status_code == 200
    clock.advance(minutes=31)                        # 8 h 01 min since the person's last request
    answer = signed_in.get("/pedidos/tabela", headers={"X-Lojasync-Poll": "1"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    assert IDLE_MESSAGE in signed_in.get(answer.headers["location"]).text


def test_a_form_sent_after_the_session_went_idle_leads_back_to_its_page_and_says_nothing_was_done(
        app, signed_in, clock):
    # The operator typed on Pedidos/Orçamentos (page 2), went to lunch, and clicked "Gerar NF-e em lote".
    page = signed_in.get("/pedidos?pagina=2")
    token = csrf_of(page.text)
    clock.advance(hours=9)
    answer = signed_in.post("/pedidos/nfe-em-lote", data={"csrf_token": token, "pedidos": ["1"]},
                            headers={"Referer": "http://testserver/pedidos?pagina=2"})
    # Back to the page the form was on (its address answers only POST: a GET there after login was a 405).
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/pedidos%3Fpagina%3D2"
    login_page = signed_in.get(answer.headers["location"])
    assert IDLE_MESSAGE in login_page.text and NOT_SENT_MESSAGE in login_page.text
    again = log_in(signed_in, USER_EMAIL, USER_PASSWORD, next_url="/pedidos?pagina=2")
    assert again.headers["location"] == "/pedidos?pagina=2"
    assert signed_in.get(again.headers["location"]).status_code == 200


def test_a_form_sent_without_a_referer_after_the_session_ended_leads_to_the_page_above_its_action(
        signed_in, clock):
    page = signed_in.get("/pedidos")
    clock.advance(hours=13)                                       # past the 12 hours: ended, not idle
    answer = signed_in.post("/nfe/9/cancelar", data={"csrf_token": csrf_of(page.text),
                                                     "justificativa": "Pedido devolvido pelo cliente"})
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/nfe/9"
    login_page = signed_in.get(answer.headers["location"]).text
    assert NOT_SENT_MESSAGE in login_page and IDLE_MESSAGE not in login_page


def test_a_form_sent_from_a_refusal_shown_at_its_own_action_leads_to_the_page_above(signed_in, clock):
    """A refusal (a justification too short) is rendered at the form's address, /nfe/9/cancelar: sent again
    from there after the session ended, the Referer is that address, a GET there is a 405."""
    page = signed_in.get("/pedidos")
    clock.advance(hours=9)
    answer = signed_in.post("/nfe/9/cancelar", data={"csrf_token": csrf_of(page.text), "justificativa": "curta"},
                            headers={"Referer": "http://testserver/nfe/9/cancelar"})
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/nfe/9"


def test_sair_after_the_session_went_idle_leads_to_the_login_not_to_a_refusal(signed_in, clock):
    """review: "Sair" on a page left open past the idle timeout answered 403 "Formulário recusado" (its token was
    the session's that had ended): asked to leave, the person was told the form was refused."""
    token = csrf_of(signed_in.get("/pedidos").text)
    clock.advance(hours=9)
    out = signed_in.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert signed_in.post("/logout", data={"csrf_token": token}).status_code == 303   # again: nothing to end


def test_a_login_sent_from_a_second_tab_after_the_first_logged_in_opens_the_page(signed_in, clock):
    """review: two tabs on /login after the timeout: the first one's login took the pre-session token with it, and
    the second, with the right password, got 403 "Formulário recusado"."""
    clock.advance(hours=9)
    first, second = (csrf_of(signed_in.get("/login").text) for _ in range(2))
    assert first == second
    assert signed_in.post("/login", data={"email": USER_EMAIL, "password": USER_PASSWORD, "csrf_token": first,
                                          "next": "/estoque"}).headers["location"] == "/estoque"
    again = signed_in.post("/login", data={"email": USER_EMAIL, "password": USER_PASSWORD, "csrf_token": second,
                                           "next": "/pedidos"})
    assert again.status_code == 303 and again.headers["location"] == "/pedidos"
