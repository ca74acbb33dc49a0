"""Asking the logged-in person for their own password again before managing users (add, disable, enable,
new password): a session left open on the shop's counter, or a stolen session cookie, is not enough to give
someone else a way in.

Wrong confirmations are throttled per user ("confirmar:<e-mail>", the account's rules: 5 free, then
doubling waits), counted before the password is checked like a login, so a stolen session cannot be used to
guess the password at argon2's speed. This key is not the login's: whoever holds the session cannot lock
the person out of logging in with it. A right confirmation takes its counted attempt back.
"""

from __future__ import annotations

import math
from datetime import datetime

from lojasync.accounts.errors import ConfirmationThrottled, PasswordNotConfirmed
from lojasync.accounts.passwords import password_check, verify_password
from lojasync.accounts.ports import AccountsUnitOfWork
from lojasync.accounts.services.clock import utc_now
from lojasync.accounts.throttle import ACCOUNT_POLICY, LoginAttempts, wait_text
from lojasync.shared.conflicts import through_conflicts


def confirmation_key(email: str) -> str:
    return f"confirmar:{email}"[:320]


def confirm_password(uow: AccountsUnitOfWork, email: str, password: str, now: datetime | None = None) -> None:
    """Return when `password` is the active user `email`'s own; otherwise raise `PasswordNotConfirmed`
    (or `ConfirmationThrottled` while too many were wrong)."""
    now = now or utc_now()
    key = confirmation_key(email)
    with uow:   # a confirmation refused anyway takes no place to check a password (read unlocked; counted below)
        _refuse_while_waiting(uow.login_attempts.get([key]).get(key), now)
    with password_check():   # taken before counting: one too busy to check is not counted (`passwords`)
        password_hash = _count(uow, key, email, now)
        right = verify_password(password_hash, password)
    if not right:
        # The failure that starts a block already says how long to wait.
        with uow:
            _refuse_while_waiting(uow.login_attempts.get([key]).get(key), now)
        raise PasswordNotConfirmed()
    with uow:
        uow.login_attempts.delete(key)
        uow.commit()


def _count(uow: AccountsUnitOfWork, key: str, email: str, now: datetime) -> str | None:
    """Refuse while blocked, else count this confirmation as failed; the password hash to check it against
    (None: no such active user, which still costs one argon2 verification)."""
    # Two first failures at the same moment both insert the key's row: the loser finds it on a second try.
    return through_conflicts(lambda: _count_once(uow, key, email, now), attempts=2)


def _count_once(uow: AccountsUnitOfWork, key: str, email: str, now: datetime) -> str | None:
    with uow:
        attempts = uow.login_attempts.get([key], for_update=True).get(key)
        _refuse_while_waiting(attempts, now)
        if attempts is None:
            attempts = LoginAttempts(key, now)
            uow.login_attempts.add(attempts)
        attempts.failed(now, ACCOUNT_POLICY)
        user = uow.users.by_email(email)
        password_hash = user.password_hash if user is not None and user.active else None
        uow.commit()
        return password_hash


def _refuse_while_waiting(attempts: LoginAttempts | None, now: datetime) -> None:
    """`ConfirmationThrottled` while this user's wrong confirmations still make them wait."""
    if attempts is not None and (wait := attempts.wait(now)) is not None:
        raise ConfirmationThrottled(wait=wait_text(wait), seconds=math.ceil(wait.total_seconds()))
