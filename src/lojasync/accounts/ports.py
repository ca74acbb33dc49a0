"""What the accounts use cases need from persistence (the database adapter provides it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from lojasync.accounts.api_tokens import ApiToken
from lojasync.accounts.sessions import SignedIn, WebSession
from lojasync.accounts.throttle import LoginAttempts
from lojasync.accounts.users import User


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...

    def by_email(self, email: str, *, for_update: bool = False) -> User | None: ...

    def list(self) -> list[User]: ...


class SessionRepository(Protocol):
    def add(self, session: WebSession) -> None: ...

    def signed_in(self, token_hash: str, now: datetime) -> SignedIn | None:
        """The active user of an unexpired session with this token hash (with its last-seen time: idleness
        is the caller's rule)."""

    def touch(self, session_id: int, now: datetime, precision: timedelta) -> int:
        """Record a request at `now` unless one was recorded less than `precision` ago."""

    def delete(self, token_hash: str) -> int: ...

    def delete_of_user(self, user_id: int) -> int: ...

    def delete_expired(self, now: datetime, idle_before: datetime) -> int:
        """Delete sessions past their lifetime, or not seen since `idle_before`."""

    def count_of_user(self, user_id: int, now: datetime, idle_before: datetime) -> int: ...


class ApiTokenRepository(Protocol):
    def add(self, token: ApiToken) -> None: ...

    def by_hash(self, token_hash: str) -> ApiToken | None: ...

    def by_id(self, token_id: int) -> ApiToken | None: ...

    def active_by_name(self, name: str) -> ApiToken | None: ...

    def list(self) -> list[ApiToken]: ...


class LoginAttemptRepository(Protocol):
    def get(self, keys: list[str], for_update: bool = False) -> dict[str, LoginAttempts]: ...

    def add(self, attempts: LoginAttempts) -> None: ...

    def delete(self, key: str) -> None: ...

    def delete_stale(self, before: datetime) -> int: ...


class AccountsUnitOfWork(Protocol):
    users: UserRepository
    web_sessions: SessionRepository
    api_tokens: ApiTokenRepository
    login_attempts: LoginAttemptRepository

    def __enter__(self) -> AccountsUnitOfWork: ...

    def __exit__(self, *args) -> None: ...

    def commit(self) -> None: ...
