"""Device cookies through the login form: a stranger who knows an operator's e-mail locks the account for
unknown browsers only; the operator's own browser still gets in, and is throttled on its own."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lojasync.accounts.services.users import add_user, disable_user
from lojasync.entrypoints.web.app import create_app
from lojasync.entrypoints.web.auth import DEVICE_COOKIE, SESSION_COOKIE
from tests.web.conftest import USER_EMAIL, USER_PASSWORD, RecordingQueue, log_in
from tests.web.test_auth import new_client

WRONG = "senha-errada-123"


@pytest.fixture()
def operator(app, web, clock):
    """The operator's own browser, which logged in once (and so holds a device cookie), then logged out."""
    add_user(app.accounts_uow(), USER_EMAIL, USER_PASSWORD)
    assert log_in(web, USER_EMAIL, USER_PASSWORD).status_code == 303
    assert web.cookies.get(DEVICE_COOKIE)
    web.cookies.delete(SESSION_COOKIE)
    return web


def lock_the_account(app, clock, email: str = USER_EMAIL):
    """A stranger, elsewhere, without a device cookie: five wrong passwords block the account."""
    stranger = new_client(app, "192.0.2.66", clock)
    answers = [log_in(stranger, email, WRONG).status_code for _ in range(5)]
    assert answers == [401, 401, 401, 401, 429]
    return stranger


def keys(app) -> dict[str, int]:
    with app.engine.connect() as conn:
        return dict(conn.execute(text("SELECT key, failures FROM login_attempts")).all())


def test_the_device_cookie_is_httponly_lax_long_lived_and_only_sent_to_the_login(app, web, clock):
    add_user(app.accounts_uow(), USER_EMAIL, USER_PASSWORD)
    response = log_in(web, USER_EMAIL, USER_PASSWORD)
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{DEVICE_COOKIE}="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/login" in cookie
    assert "Max-Age=15552000" in cookie and "Secure" not in cookie  # 180 days; plain http here
    # Neither the e-mail nor anything that opens a session is in it.
    assert USER_EMAIL not in cookie and web.cookies.get(SESSION_COOKIE) not in cookie


def test_the_device_cookie_is_secure_over_https(app, user_on_https):
    assert "Secure" in user_on_https and "HttpOnly" in user_on_https


@pytest.fixture()
def user_on_https(app) -> str:
    from fastapi.testclient import TestClient

    add_user(app.accounts_uow(), USER_EMAIL, USER_PASSWORD)
    client = TestClient(create_app(app, RecordingQueue()), base_url="https://lojasync.example", follow_redirects=False)
    response = log_in(client, USER_EMAIL, USER_PASSWORD)
    return next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{DEVICE_COOKIE}="))


def test_a_locked_account_still_opens_from_the_operators_own_browser(app, operator, clock):
    stranger = lock_the_account(app, clock)
    # The stranger, and any browser without the cookie, stays blocked even with the right password...
    assert log_in(stranger, USER_EMAIL, USER_PASSWORD).status_code == 429
    assert log_in(new_client(app, "198.51.100.9", clock), USER_EMAIL, USER_PASSWORD).status_code == 429
    # ...while the operator's browser gets in.
    answer = log_in(operator, USER_EMAIL, USER_PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"] == "/pedidos"
    assert operator.get("/pedidos").status_code == 200
    # Her success does not clear the account's count: the stranger gets no fresh tries.
    assert log_in(stranger, USER_EMAIL, WRONG).status_code == 429
    assert keys(app)["conta:" + USER_EMAIL] == 5


def test_a_forged_expired_or_other_accounts_cookie_is_ignored(app, operator, clock):
    add_user(app.accounts_uow(), "outra@loja.com.br", USER_PASSWORD)
    real = operator.cookies.get(DEVICE_COOKIE)
    lock_the_account(app, clock)
    lock_the_account(app, clock, "outra@loja.com.br")
    nonce, expires, signature = real.split(".")
    forged = [
        f"{nonce}.{expires}.{'0' * 64}",                          # signature made up
        f"{nonce}.{int(expires) + 86400 * 365}.{signature}",     # expiry pushed out
        f"{'A' * 22}.{expires}.{signature}",                      # another device's name
        "lixo", "~" * 2000,
    ]
    for value in forged:
        browser = new_client(app, "198.51.100.10", clock)
        browser.cookies.set(DEVICE_COOKIE, value, path="/login")
        assert log_in(browser, USER_EMAIL, USER_PASSWORD).status_code == 429, value
    # The operator's real cookie vouches for her e-mail only.
    browser = new_client(app, "198.51.100.11", clock)
    browser.cookies.set(DEVICE_COOKIE, real, path="/login")
    assert log_in(browser, "outra@loja.com.br", USER_PASSWORD).status_code == 429
    # An expired one counts for nothing (the account locked again after 181 days).
    clock.advance(days=181)
    lock_the_account(app, clock)
    assert log_in(operator, USER_EMAIL, USER_PASSWORD).status_code == 429


def test_a_known_device_is_throttled_on_its_own(app, operator, clock):
    answers = [log_in(operator, USER_EMAIL, WRONG) for _ in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
    assert "Aguarde 1 minuto" in answers[-1].text
    # Blocked: not even the right password from this browser...
    assert log_in(operator, USER_EMAIL, USER_PASSWORD).status_code == 429
    # ...but the account was not counted: the operator on another computer is not affected.
    assert not any(key.startswith("conta:") for key in keys(app))
    assert log_in(new_client(app, "198.51.100.12", clock), USER_EMAIL, USER_PASSWORD).status_code == 303
    clock.advance(minutes=1, seconds=1)
    assert log_in(operator, USER_EMAIL, USER_PASSWORD).status_code == 303
    device_keys = [key for key in keys(app) if key.startswith("aparelho:")]
    assert device_keys == []  # the success cleared the device's count (its new cookie is a new device)


def test_a_device_that_keeps_failing_stops_being_trusted(app, operator, clock):
    # Ten failures, waiting out each block: then the cookie no longer spares the account's rules.
    for _ in range(10):
        answer = log_in(operator, USER_EMAIL, WRONG)
        assert answer.status_code in (401, 429)
        clock.advance(seconds=int(answer.headers.get("retry-after", 0)) + 1)
    assert not any(key.startswith("conta:") for key in keys(app))
    assert log_in(operator, USER_EMAIL, WRONG).status_code == 401
    assert keys(app)["conta:" + USER_EMAIL] == 1  # counted like any unknown browser from now on
    # Days later, with the account locked by a stranger, the cookie still opens nothing.
    clock.advance(days=3)
    lock_the_account(app, clock)
    assert log_in(operator, USER_EMAIL, USER_PASSWORD).status_code == 429


def test_one_browser_keeps_the_devices_of_several_operators(app, operator, clock):
    add_user(app.accounts_uow(), "caixa@loja.com.br", USER_PASSWORD)
    assert log_in(operator, "caixa@loja.com.br", USER_PASSWORD).status_code == 303
    operator.cookies.delete(SESSION_COOKIE)
    assert len(operator.cookies.get(DEVICE_COOKIE).split("~")) == 2
    lock_the_account(app, clock)
    lock_the_account(app, clock, "caixa@loja.com.br")
    for email in (USER_EMAIL, "caixa@loja.com.br"):
        assert log_in(operator, email, USER_PASSWORD).status_code == 303, email
        operator.cookies.delete(SESSION_COOKIE)


def test_a_disabled_user_with_a_device_cookie_is_answered_like_a_wrong_password(app, operator, clock):
    disable_user(app.accounts_uow(), USER_EMAIL)
    refused = log_in(operator, USER_EMAIL, USER_PASSWORD)
    wrong = log_in(operator, USER_EMAIL, WRONG)
    assert refused.status_code == wrong.status_code == 401
    assert "E-mail ou senha incorretos." in refused.text and "desativado" not in refused.text



def test_paced_failures_of_a_device_still_add_up_to_distrust(app, operator, clock):
    """Nine tries, then a quiet quarter of an hour, again and again: the device's count never starts over (the
    account's would), so a stolen cookie's slow guesses end its trust all the same."""
    for _ in range(10):
        answer = log_in(operator, USER_EMAIL, WRONG)
        assert answer.status_code in (401, 429)
        clock.advance(seconds=int(answer.headers.get("retry-after", 0)) + 20 * 60)   # well past 15 quiet minutes
    assert log_in(operator, USER_EMAIL, WRONG).status_code == 401
    assert keys(app)["conta:" + USER_EMAIL] == 1   # no longer trusted: counted like an unknown browser


def test_a_signing_key_that_cannot_be_read_does_not_refuse_a_right_password(app, operator, clock, monkeypatch):
    """The device cookie is the throttle's convenience: with the app's key unreadable (lost, say), the right
    password still opens a session, only without recognising or remembering the browser."""
    from lojasync.crypto import SecretKeyLost

    def lost(*args, **kwargs):
        raise SecretKeyLost(path="/dados/secret.key")

    monkeypatch.setattr(type(app.cipher), "sign", lost)
    monkeypatch.setattr(type(app.cipher), "verify", lost)
    answer = log_in(operator, USER_EMAIL, USER_PASSWORD)
    assert answer.status_code == 303 and answer.cookies.get(SESSION_COOKIE)
    assert "secret.key" not in answer.text
