"""Fixtures of the back office's tests: a client over the web app, logged in or not, and an API token."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from lojasync.accounts import passwords
from lojasync.accounts.services.api_tokens import add_token
from lojasync.accounts.services.users import add_user
from lojasync.entrypoints.web.app import create_app

USER_EMAIL = "operador@loja.com.br"
USER_PASSWORD = "senha-de-teste-1234"


@pytest.fixture(autouse=True)
def cheap_password_hashing():
    """argon2 with its production costs takes up to a second per hash on a busy 2-core machine; the web
    tests log in hundreds of times. Same algorithm (argon2id), tiny costs; the production parameters are
    tested on their own (tests/integration/test_accounts.py)."""
    previous = passwords.use_parameters(time_cost=1, memory_cost=8, parallelism=1)
    yield
    passwords.restore(previous)


class RecordingQueue:
    """Stands in for the task queue: records what the pages ask the worker to do."""

    def __init__(self) -> None:
        self.drains: list[int] = []
        self.huey = self

    def claim_drain(self, store_id: int) -> bool:
        return True

    def schedule_drain(self, store_id: int) -> None:
        self.drains.append(store_id)

    def pending_count(self) -> int:
        return len(self.drains)

    def __getattr__(self, name: str):
        # Any other task (sync, push, resync...) is recorded by name with its arguments.
        if name.startswith("_"):
            raise AttributeError(name)

        def record(*args, **kwargs):
            self.__dict__.setdefault("calls", []).append((name, args, kwargs))
        return record


class Clock:
    """A clock the test moves by hand: throttling and expiry without sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture()
def web(app) -> TestClient:
    """A client over `create_app` for the migrated, empty test database; not logged in.
    Redirects are not followed, so tests see them; `web.queue` is the recording queue."""
    queue = RecordingQueue()
    client = TestClient(create_app(app, queue), follow_redirects=False)
    client.queue = queue
    return client


@pytest.fixture()
def clock(web) -> Clock:
    """The app's clock (`app.state.clock`), moved by hand; ask for it before `logged_in` so that the login
    happens on it."""
    web.app.state.clock = clock = Clock()
    return clock


def log_in(client: TestClient, email: str, password: str, next_url: str = "/pedidos"):
    """Log in through the login form, as a browser does (its CSRF cookie and field included)."""
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "next": next_url,
                                       "csrf_token": token})


@pytest.fixture()
def logged_in(app, web) -> TestClient:
    """The same client with a user created through the accounts service and logged in through the form
    (`logged_in.user_email`)."""
    add_user(app.accounts_uow(), USER_EMAIL, USER_PASSWORD)
    response = log_in(web, USER_EMAIL, USER_PASSWORD)
    assert response.status_code == 303, response.text
    web.user_email = USER_EMAIL
    return web


@pytest.fixture()
def api_token(app) -> str:
    """A bearer token for `/api/v1` created through the service (send `Authorization: Bearer <token>`)."""
    secret, _ = add_token(app.accounts_uow(), "integracao-testes")
    return secret


_FIELD = re.compile(r'name="csrf_token"\s+value="([^"]*)"')
_META = re.compile(r'name="csrf-token"\s+content="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of a page: its forms' hidden field (what a browser sends; an empty one is a bug and
    fails here), or the meta tag htmx uses when the page has no form."""
    fields = _FIELD.findall(html)
    if fields:
        assert all(fields), "formulário com o campo csrf_token vazio"
        assert len(set(fields)) == 1, "formulários da mesma página com tokens diferentes"
        return fields[0]
    match = _META.search(html)
    if match is None:
        raise AssertionError("página sem token CSRF")
    return match.group(1)


@pytest.fixture(name="csrf_of")
def csrf_of_fixture():
    """`csrf_of(html)` as a fixture, for tests that prefer not to import from conftest."""
    return csrf_of
