"""Recognising the session cookie of a request, and ending the session when it was idle too long.

Every page and API call looks its session up; the time of the request is written only when the stored one
is older than `LAST_SEEN_PRECISION` (sessions.py), so browsing costs a database write a minute at most.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from lojasync.accounts.ports import AccountsUnitOfWork
from lojasync.accounts.services.clock import utc_now
from lojasync.accounts.sessions import (
    LAST_SEEN_PRECISION,
    SESSION_IDLE_TIMEOUT,
    SessionCheck,
    SignedIn,
    is_idle,
    needs_touch,
)
from lojasync.accounts.tokens import digest
from lojasync.shared.errors import WriteConflict

# A cookie longer than this is not one of ours: no need to hash it or look it up.
MAX_TOKEN_LENGTH = 200


def signed_in(uow: AccountsUnitOfWork, token: str | None, now: datetime | None = None,
              idle_timeout: timedelta = SESSION_IDLE_TIMEOUT) -> SignedIn | None:
    """Whose session this cookie opens: None when forged, expired, idle, logged out or of a disabled user."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = now or utc_now()
    with uow:
        found = uow.web_sessions.signed_in(digest(token), now)
    if found is None or is_idle(found.last_seen_at, now, idle_timeout):
        return None
    return found


def recognise_session(reader: AccountsUnitOfWork, writer: Callable[[], AccountsUnitOfWork], token: str | None,
                      now: datetime | None = None, idle_timeout: timedelta = SESSION_IDLE_TIMEOUT, *,
                      by_person: bool = True) -> SessionCheck:
    """A request's session (every page and API call): looked up with `reader`, which never waits for a
    writer; a unit of work from `writer` records the request's time when the stored one is a minute old, or
    deletes the session when it was idle too long. A request the page makes by itself (`by_person` False: the
    list refreshing every few seconds) is served but is not use: a page left open all night still goes idle."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return SessionCheck(None)
    now = now or utc_now()
    token_hash = digest(token)
    with reader:
        found = reader.web_sessions.signed_in(token_hash, now)
    if found is None:
        return SessionCheck(None)
    if is_idle(found.last_seen_at, now, idle_timeout):
        try:
            with writer() as uow:
                uow.web_sessions.delete(token_hash)
                uow.commit()
        except WriteConflict:
            pass   # refused all the same; a later request, or the next login's cleanup, deletes it
        return SessionCheck(None, idle=True)
    if by_person and needs_touch(found.last_seen_at, now):
        try:
            with writer() as uow:
                uow.web_sessions.touch(found.session_id, now, LAST_SEEN_PRECISION)
                uow.commit()
        except WriteConflict:
            # Bookkeeping must not fail the page: a later request of this session writes it.
            pass
    return SessionCheck(found)
