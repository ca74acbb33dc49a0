"""Classical mapping of the accounts module's classes, on the core's registry."""

from __future__ import annotations

from lojasync.accounts.api_tokens import ApiToken
from lojasync.accounts.sessions import WebSession
from lojasync.accounts.throttle import LoginAttempts
from lojasync.accounts.users import User
from lojasync.db import accounts_tables as t
from lojasync.db.orm import mapper_registry

_started = False


def start_mappers() -> None:
    """Map once per process (bootstrap calls it after the core's)."""
    global _started
    if _started:
        return
    _started = True
    mapper_registry.map_imperatively(User, t.users)
    mapper_registry.map_imperatively(WebSession, t.web_sessions)
    mapper_registry.map_imperatively(ApiToken, t.api_tokens)
    mapper_registry.map_imperatively(LoginAttempts, t.login_attempts)
