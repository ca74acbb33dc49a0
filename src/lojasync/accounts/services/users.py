"""Users: add (with a given or generated password), list, disable (ends their sessions), enable, new password."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lojasync.accounts.errors import InvalidEmail, UserExists, UserNotFound
from lojasync.accounts.passwords import check_rules, hash_password
from lojasync.accounts.ports import AccountsUnitOfWork
from lojasync.accounts.services.clock import utc_now
from lojasync.accounts.sessions import SESSION_IDLE_TIMEOUT
from lojasync.accounts.users import User, normalize_email


@dataclass(frozen=True)
class UserView:
    id: int
    email: str
    active: bool
    created_at: datetime | None
    last_login_at: datetime | None
    disabled_at: datetime | None
    open_sessions: int = 0


def add_user(uow: AccountsUnitOfWork, email: str, password: str, now: datetime | None = None) -> UserView:
    """Create a user who can log in with `password` (kept only as an argon2 hash)."""
    now = now or utc_now()
    address = normalize_email(email)
    check_rules(password)
    password_hash = hash_password(password)  # before the transaction: ~50 ms of CPU holding no lock
    with uow:
        if uow.users.by_email(address) is not None:
            raise UserExists(email=address)
        user = User(address, password_hash, created_at=now)
        uow.users.add(user)
        uow.commit()
        return _view(user)


def list_users(uow: AccountsUnitOfWork, now: datetime | None = None,
               idle_timeout: timedelta = SESSION_IDLE_TIMEOUT) -> list[UserView]:
    """Every user, with how many sessions are still open (neither expired nor idle)."""
    now = now or utc_now()
    with uow:
        return [_view(u, uow.web_sessions.count_of_user(u.id, now, now - idle_timeout)) for u in uow.users.list()]


def someone_can_log_in(uow: AccountsUnitOfWork) -> bool:
    """Whether any user is active: on the first day (or with every user disabled) nobody can reach the pages."""
    with uow:
        return any(user.active for user in uow.users.list())


def disable_user(uow: AccountsUnitOfWork, email: str, now: datetime | None = None) -> tuple[UserView, int, bool]:
    """The user can no longer log in and every open session of theirs ends now; returns how many ended, and whether
    this call disabled them (False: they already were, as the CLI and the page then say)."""
    now = now or utc_now()
    with uow:
        user = _get(uow, email)
        changed = user.disable(now)
        ended = uow.web_sessions.delete_of_user(user.id)
        uow.commit()
        return _view(user), ended, changed


def enable_user(uow: AccountsUnitOfWork, email: str) -> tuple[UserView, bool]:
    """The user may log in again; whether this call enabled them (False: they already could)."""
    with uow:
        user = _get(uow, email)
        changed = user.enable()
        uow.commit()
        return _view(user), changed


def set_password(uow: AccountsUnitOfWork, email: str, password: str) -> tuple[UserView, int]:
    """A new password; sessions opened with the old one end (whoever knew it is logged out)."""
    check_rules(password)
    password_hash = hash_password(password)
    with uow:
        user = _get(uow, email)
        user.password_hash = password_hash
        ended = uow.web_sessions.delete_of_user(user.id)
        uow.commit()
        return _view(user), ended


def find_user(uow: AccountsUnitOfWork, email: str) -> UserView:
    """The user as the commands below find them, or `UserNotFound`: what the terminal checks before asking for a
    password twice (README review: asked, then told the user did not exist)."""
    with uow:
        return _view(_get(uow, email))


def _get(uow: AccountsUnitOfWork, email: str) -> User:
    """The user, locked before anything of theirs changes: a login under way (which locks it too, `log_in`) either
    opened its session before, and it is ended here, or waits and sees the change."""
    try:
        address = normalize_email(email)
    except InvalidEmail:
        # An account an earlier version took with an invisible character in its e-mail (refused now): found as
        # stored, so that it can still be disabled, enabled or given a password (review).
        user = uow.users.by_email(email.strip().lower(), for_update=True)
        if user is None:
            raise
        return user
    user = uow.users.by_email(address, for_update=True)
    if user is None:
        raise UserNotFound(email=address)
    return user


def _view(user: User, open_sessions: int = 0) -> UserView:
    return UserView(id=user.id, email=user.email, active=user.active, created_at=user.created_at,
                    last_login_at=user.last_login_at, disabled_at=user.disabled_at, open_sessions=open_sessions)
