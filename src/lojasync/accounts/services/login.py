"""Logging in and out (recognising a session cookie on each request: services/sessions.py).

An attempt is counted under its device's key when the browser sends a valid device cookie for the e-mail
typed, else under the account's and the address's (throttle.py explains why; devices.py what the cookie
is). A blocked key is refused before its password is even checked, so a guesser learns nothing while
blocked. Every attempt is counted as a failure *before* its password is checked (in the same locked
transaction that looks for a block): attempts made at the same moment cannot all pass the check first and
count afterwards, so no more than the free ones ever reach the password check. A success then takes its
attempt back. The password is verified outside any transaction (argon2 costs ~50 ms of CPU).

A disabled account is refused with the same answer as a wrong password, and only after the password check:
the answer never confirms that a guessed password was right.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from lojasync.accounts.devices import Device, Signer, recognised_device, remember_device
from lojasync.accounts.errors import InvalidEmail, InvalidLogin, LoginThrottled
from lojasync.accounts.passwords import hash_password, needs_rehash, password_check, verify_password
from lojasync.accounts.ports import AccountsUnitOfWork
from lojasync.accounts.services.clock import utc_now
from lojasync.accounts.services.sessions import MAX_TOKEN_LENGTH
from lojasync.accounts.sessions import SESSION_IDLE_TIMEOUT, NewSession, SignedIn, WebSession
from lojasync.accounts.throttle import (
    ACCOUNT_POLICY,
    ADDRESS_POLICY,
    DEVICE_POLICY,
    LoginAttempts,
    account_key,
    address_key,
    device_key,
    wait_text,
)
from lojasync.accounts.tokens import digest, new_secret
from lojasync.accounts.users import normalize_email
from lojasync.shared.conflicts import through_conflicts
from lojasync.shared.errors import LojasyncError

log = logging.getLogger("lojasync.accounts")


def log_in(uow: AccountsUnitOfWork, email: str, password: str, address: str | None,
           now: datetime | None = None, *, device_cookie: str | None = None, signer: Signer | None = None,
           idle_timeout: timedelta = SESSION_IDLE_TIMEOUT) -> NewSession:
    """Check the e-mail and password and open a session; refuse while the keys counting this attempt are
    blocked. With a `signer`, `device_cookie` (the browser's) may vouch for the browser, and the new session
    carries the device cookie to send back."""
    now = now or utc_now()
    login = _login_name(email)
    device = _device_of(signer, device_cookie, login, now)
    # An attempt refused anyway is refused before a place is taken: a guesser's blocked tries, cheap to send, took
    # the places and kept the operator out with "too busy" (review). Read without a lock; counted below with one.
    _refuse_if_blocked_now(uow, login, address, device, now)
    # The place to check the password is taken first: a login the server is too busy to check is refused without
    # being counted (`passwords`).
    with password_check():
        counted = _record_failure(uow, login, address, device, now)
        password_hash = counted.password_hash
        right = verify_password(password_hash, password)
    if not right:
        # The failure that starts a block already says how long to wait.
        _refuse_if_blocked(counted.attempts, now)
        raise InvalidLogin()
    # Hashed again with today's parameters before the transaction: no place to hash in is waited for under a lock.
    rehashed = hash_password(password) if password_hash is not None and needs_rehash(password_hash) else None
    with uow:
        # Locked: a new password or a disabling being committed is waited for, and seen (review: read unlocked on
        # PostgreSQL, the session this login opened was added after theirs were ended, and outlived the password
        # it was opened with).
        user = uow.users.by_email(login, for_update=True)
        if user is None or user.password_hash != password_hash or not user.active:
            # Deleted or given a new password meanwhile, or disabled: the same answer as a wrong password (and
            # the attempt stays counted), so a guesser never learns that a disabled account's password is right.
            raise InvalidLogin()
        if counted.device is not None:
            # The account's count stays: clearing it would hand a guesser who locked it fresh tries.
            uow.login_attempts.delete(device_key(counted.device.nonce))
        else:
            uow.login_attempts.delete(account_key(login))
            _take_back(uow, address_key(address), counted.before[address_key(address)],
                       counted.failures[address_key(address)])
        if rehashed is not None:
            user.password_hash = rehashed
        user.last_login_at = now
        uow.web_sessions.delete_expired(now, idle_before=now - idle_timeout)
        token = new_secret()
        session = WebSession(user.id, digest(token), new_secret(), now, address=address)
        uow.web_sessions.add(session)
        uow.commit()
        signed = SignedIn(user_id=user.id, email=user.email, session_id=session.id, csrf_token=session.csrf_token,
                          expires_at=session.expires_at, last_seen_at=now)
    cookie = _remembered(signer, device_cookie, login, now)
    return NewSession(token=token, user=signed, device_cookie=cookie)


# The device cookie is a convenience of the throttle: a signing key that cannot be read (lost, unreadable) must
# not turn every correct password into a refusal. Without it, the browser is simply not recognised.
def _device_of(signer: Signer | None, cookie: str | None, login: str, now: datetime) -> Device | None:
    if signer is None:
        return None
    try:
        return recognised_device(signer, cookie, login, now)
    except (LojasyncError, OSError) as exc:
        log.warning("device cookie not checked", extra={"error_class": type(exc).__name__})
        return None


def _remembered(signer: Signer | None, cookie: str | None, login: str, now: datetime) -> str | None:
    if signer is None:
        return None
    try:
        return remember_device(signer, cookie, login, now)
    except (LojasyncError, OSError) as exc:
        log.warning("device cookie not issued", extra={"error_class": type(exc).__name__})
        return None


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


@dataclass
class _Counted:
    """An attempt counted before its password check: the counters it was counted under after it (and their
    failures), what they were before (None: no row yet), the password hash to check (None: no such user), and
    the device it was counted as (None: counted under the account and address)."""

    attempts: list[LoginAttempts]
    failures: dict[str, int]
    before: dict[str, tuple | None]
    password_hash: str | None
    device: Device | None


def _record_failure(uow: AccountsUnitOfWork, login: str, address: str | None, device: Device | None,
                    now: datetime) -> _Counted:
    # Two first failures of a key at the same moment both insert its row: the loser finds it on a second try.
    return through_conflicts(lambda: _count_failure(uow, login, address, device, now), attempts=2)


def _count_failure(uow: AccountsUnitOfWork, login: str, address: str | None, device: Device | None,
                   now: datetime) -> _Counted:
    """In one locked transaction: choose the keys (device, or account and address), refuse if one is blocked,
    else count this attempt as a failure of each."""
    with uow:
        device, policies, found = _counters(uow, login, address, device, lock=True)
        _refuse_if_blocked(found.values(), now)
        before = {key: _state(found[key]) if key in found else None for key in policies}
        for key, policy in policies.items():
            attempts = found.get(key)
            if attempts is None:
                attempts = LoginAttempts(key, now)
                uow.login_attempts.add(attempts)
                found[key] = attempts
            attempts.failed(now, policy)
        reported = list(found.values())
        if device is not None and found[device_key(device.nonce)].distrusted():
            # From the next attempt on, this browser is counted like an unknown one; this one is answered as a
            # plain wrong password, not with the cookie's remaining life as a wait.
            found[device_key(device.nonce)].distrust_until(device.expires_at)
            reported = []
        # Keys quiet for a day are forgotten: the table never grows with every name a guesser tried.
        uow.login_attempts.delete_stale(now - ACCOUNT_POLICY.max_delay * 24)
        user = uow.users.by_email(login)
        password_hash = user.password_hash if user is not None else None
        counted = _Counted(reported, {key: a.failures for key, a in found.items()}, before, password_hash, device)
        uow.commit()
    return counted


def _refuse_if_blocked_now(uow: AccountsUnitOfWork, login: str, address: str | None, device: Device | None,
                           now: datetime) -> None:
    """`_refuse_if_blocked` for the counters this attempt would be counted under (see `_count_failure`), read as they
    are now, unlocked."""
    with uow:
        _refuse_if_blocked(_counters(uow, login, address, device, lock=False)[2].values(), now)


def _counters(uow: AccountsUnitOfWork, login: str, address: str | None, device: Device | None, *, lock: bool
              ) -> tuple[Device | None, dict, dict[str, LoginAttempts]]:
    """The keys an attempt counts under, with their policies and their counters as they are: the device's alone while
    it is trusted, else the account's and the address's (`device` None then)."""
    if device is not None:
        key = device_key(device.nonce)
        known = uow.login_attempts.get([key], for_update=lock).get(key)
        if known is not None and known.distrusted():
            device = None
    policies = ({device_key(device.nonce): DEVICE_POLICY} if device is not None
                else {account_key(login): ACCOUNT_POLICY, address_key(address): ADDRESS_POLICY})
    return device, policies, uow.login_attempts.get(list(policies), for_update=lock)


def _state(attempts: LoginAttempts) -> tuple:
    return attempts.failures, attempts.last_failure_at, attempts.blocked_until


def _take_back(uow: AccountsUnitOfWork, key: str, before: tuple | None, counted_failures: int) -> None:
    """A successful login takes back the failure counted for its address (an office behind one address logs
    in many times a day). When nothing else was counted since, the counter is put back as it was; otherwise
    only the count goes down (the blocks of the other attempts stand)."""
    attempts = uow.login_attempts.get([key], for_update=True).get(key)
    if attempts is None:
        return
    if attempts.failures != counted_failures:
        attempts.failures = max(0, attempts.failures - 1)
    elif before is None:
        uow.login_attempts.delete(key)
    else:
        attempts.failures, attempts.last_failure_at, attempts.blocked_until = before
