"""Fixtures of the back office's tests: a client over the web app, logged in or not, and an API token."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from lojasync.entrypoints.web.app import create_app
from lojasync.entrypoints.web.auth import SESSION_COOKIE, issue_api_token, issue_session

USER_EMAIL = "operador@loja.com.br"
USER_PASSWORD = "senha-de-teste-1234"


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


@pytest.fixture()
def web(app) -> TestClient:
    """A client over `create_app` for the migrated, empty test database; not logged in.
    Redirects are not followed, so tests see them; `web.queue` is the recording queue."""
    queue = RecordingQueue()
    client = TestClient(create_app(app, queue), follow_redirects=False)
    client.queue = queue
    return client


@pytest.fixture()
def logged_in(web) -> TestClient:
    """The same client with a logged-in user (`logged_in.user_email`)."""
    web.cookies.set(SESSION_COOKIE, issue_session(web.app, 1, USER_EMAIL))
    web.user_email = USER_EMAIL
    return web


@pytest.fixture()
def api_token(web) -> str:
    """A bearer token for `/api/v1` (send it as `Authorization: Bearer <token>`)."""
    return issue_api_token(web.app, "integracao-testes")


_CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"|name="csrf-token"\s+content="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of a page (its forms' hidden field, or the meta tag)."""
    match = _CSRF.search(html)
    if match is None:
        raise AssertionError("página sem token CSRF")
    return match.group(1) or match.group(2)


@pytest.fixture(name="csrf_of")
def csrf_of_fixture():
    """`csrf_of(html)` as a fixture, for tests that prefer not to import from conftest."""
    return csrf_of
