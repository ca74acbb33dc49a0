"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile), and the rules
a new password must meet.

Each check takes 64 MiB and a core for tens of milliseconds, and anyone on the internet may ask for one (the login
page must be reachable, the webhooks are served by the same process): the process runs at most
`CONCURRENT_CHECKS` at once. A login that finds them taken for `BUSY_WAIT` seconds is answered "try again shortly"
(503) rather than queued (security review: 40 logins at once, from 2 addresses the throttle let through, took the
server from 250 MiB to 2 GiB and an operator's page from 0.02 s to 4.7 s; a small VPS would kill it). A login or a
confirmation takes its place (`password_check`) before its attempt is counted: one answered "not checked" is not
counted either (review: five of them locked the operator's own browser out, as wrong passwords).
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import threading
from collections.abc import Iterator

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from lojasync.accounts.errors import PasswordChecksBusy, WeakPassword

MIN_LENGTH = 10
MAX_LENGTH = 256  # argon2 takes anything; a cap keeps a megabyte "password" from costing the server
_hasher = PasswordHasher()
CONCURRENT_CHECKS = max(1, min(4, os.cpu_count() or 1))
BUSY_WAIT = 2.0
# What a refused login is told to wait, in seconds (Retry-After).
BUSY_RETRY_AFTER = 5
_checks = threading.BoundedSemaphore(CONCURRENT_CHECKS)
_holding = threading.local()   # whether this thread holds a place already (`password_check`)


def use_parameters(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    """Hash new passwords with other argon2 costs (tests use tiny ones; a machine may want more); returns
    the hasher in use before. Existing hashes keep verifying: each carries its own parameters."""
    global _hasher
    previous = _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    _dummy_hash.cache_clear()
    return previous


def restore(hasher: PasswordHasher) -> None:
    global _hasher
    _hasher = hasher
    _dummy_hash.cache_clear()


@functools.cache
def _dummy_hash() -> str:
    """Verified when the e-mail is unknown, so that a wrong e-mail takes as long as a wrong password and the
    timing does not tell which e-mails have an account. Made on first use, not at import (~0.1 s)."""
    return _hasher.hash(secrets.token_urlsafe(16))


def check_rules(password: str) -> None:
    """Refuse a password too short or too long (length is what matters; no composition rules, per NIST)."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(reason=f"tem {len(password)} caracteres, o mínimo é {MIN_LENGTH}", minimum=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise WeakPassword(reason=f"passa de {MAX_LENGTH} caracteres", minimum=MIN_LENGTH)
    if not password.strip():
        raise WeakPassword(reason="só tem espaços", minimum=MIN_LENGTH)


@contextlib.contextmanager
def password_check(wait: bool = True) -> Iterator[None]:
    """A place to hash or check a password in, held until the block ends (the passwords checked in it take no
    other). Raises `PasswordChecksBusy` when none frees within `BUSY_WAIT` seconds; `wait` False: waits as long as
    it takes (a person setting a password, each place frees within a fraction of a second). Never taken while
    holding a database lock: a holder may wait for one."""
    if getattr(_holding, "held", False):
        yield
        return
    if not _checks.acquire(timeout=BUSY_WAIT if wait else None):
        raise PasswordChecksBusy(wait=f"{BUSY_RETRY_AFTER} segundos", seconds=BUSY_RETRY_AFTER)
    _holding.held = True
    try:
        yield
    finally:
        _holding.held = False
        _checks.release()


def hash_password(password: str) -> str:
    with password_check(wait=False):
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; a missing hash still costs one verification (constant timing). Raises
    `PasswordChecksBusy` when no place to check it frees within `BUSY_WAIT` seconds (taken before, by the caller's
    `password_check`, it is not waited for again)."""
    if len(password) > MAX_LENGTH:
        return False
    with password_check():
        try:
            return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False


def needs_rehash(password_hash: str) -> bool:
    """The hash was made with older parameters: hash again after a successful login."""
    return _hasher.check_needs_rehash(password_hash)


def generate_password() -> str:
    """A password to print once: 20 URL-safe characters (about 120 bits)."""
    return secrets.token_urlsafe(15)
