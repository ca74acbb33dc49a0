"""Logging in and out, and recognising a session cookie.

A blocked account or address is refused before its password is even checked, so a guesser learns nothing
while blocked. The password is verified outside any transaction (argon2 costs ~50 ms of CPU).
"""

from __future__ import annotations

import math
from datetime import datetime

from lojasync.accounts.errors import InvalidEmail, InvalidLogin, LoginThrottled, UserDisabled
from lojasync.accounts.passwords import hash_password, needs_rehash, verify_password
from lojasync.accounts.ports import AccountsUnitOfWork
from lojasync.accounts.services.clock import utc_now
from lojasync.accounts.sessions import NewSession, SignedIn, WebSession
from lojasync.accounts.throttle import (
    ACCOUNT_POLICY,
    ADDRESS_POLICY,
    LoginAttempts,
    account_key,
    address_key,
    wait_text,
)
from lojasync.accounts.tokens import digest, new_secret
from lojasync.accounts.users import normalize_email
from lojasync.shared.errors import WriteConflict

# A cookie longer than this is not one of ours: no need to hash it or look it up.
MAX_TOKEN_LENGTH = 200


def log_in(uow: AccountsUnitOfWork, email: str, password: str, address: str | None,
           now: datetime | None = None) -> NewSession:
    """Check the e-mail and password and open a session; refuse while the account or address is blocked."""
    now = now or utc_now()
    login = _login_name(email)
    policies = {account_key(login): ACCOUNT_POLICY, address_key(address): ADDRESS_POLICY}
    with uow:
        _refuse_if_blocked(uow.login_attempts.get(list(policies)).values(), now)
        user = uow.users.by_email(login)
        password_hash = user.password_hash if user is not None else None
    if not verify_password(password_hash, password):
        _record_failure(uow, policies, now)
        raise InvalidLogin()
    with uow:
        user = uow.users.by_email(login)
        if user is None or user.password_hash != password_hash:
            raise InvalidLogin()  # deleted or given a new password meanwhile
        if not user.active:
            raise UserDisabled()
        uow.login_attempts.delete(account_key(login))
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = now
        uow.web_sessions.delete_expired(now)
        token = new_secret()
        session = WebSession(user.id, digest(token), new_secret(), now, address=address)
        uow.web_sessions.add(session)
        uow.commit()
        return NewSession(token=token, user=SignedIn(user_id=user.id, email=user.email, session_id=session.id,
                                                     csrf_token=session.csrf_token, expires_at=session.expires_at))


def signed_in(uow: AccountsUnitOfWork, token: str | None, now: datetime | None = None) -> SignedIn | None:
    """Whose session this cookie opens: None when forged, expired, logged out or of a disabled user."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    with uow:
        return uow.web_sessions.signed_in(digest(token), now or utc_now())


def log_out(uow: AccountsUnitOfWork, token: str | None) -> bool:
    """End the session of this cookie (the cookie is worthless afterwards)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return False
    with uow:
        ended = uow.web_sessions.delete(digest(token))
        uow.commit()
        return ended > 0


def _login_name(email: str) -> str:
    try:
        return normalize_email(email)
    except InvalidEmail:
        # Still counted and throttled: a malformed name must not be a free way to probe.
        return email.strip().lower()[:254]


def _refuse_if_blocked(attempts, now: datetime) -> None:
    waits = [wait for a in attempts if (wait := a.wait(now)) is not None]
    if waits:
        longest = max(waits)
        raise LoginThrottled(wait=wait_text(longest), seconds=math.ceil(longest.total_seconds()))


def _record_failure(uow: AccountsUnitOfWork, policies: dict, now: datetime) -> None:
    # Two first failures of a key at the same moment both insert its row: the loser finds it on a second try.
    for attempt in range(2):
        try:
            found = _count_failure(uow, policies, now)
            break
        except WriteConflict:
            if attempt:
                raise
    # The failure that starts a block already says how long to wait.
    _refuse_if_blocked(found.values(), now)


def _count_failure(uow: AccountsUnitOfWork, policies: dict, now: datetime) -> dict[str, LoginAttempts]:
    with uow:
        found = uow.login_attempts.get(list(policies), for_update=True)
        for key, policy in policies.items():
            attempts = found.get(key)
            if attempts is None:
                attempts = LoginAttempts(key, now)
                uow.login_attempts.add(attempts)
                found[key] = attempts
            attempts.failed(now, policy)
        # Keys quiet for a day are forgotten: the table never grows with every name a guesser tried.
        uow.login_attempts.delete_stale(now - ACCOUNT_POLICY.max_delay * 24)
        uow.commit()
    return found
