"""A browser session: kept on the server by the hash of the cookie's token, with its CSRF token and expiry.

It ends at the first of: `SESSION_LIFETIME` after the login (absolute), or the idle timeout without a request
(`SESSION_IDLE_TIMEOUT` unless configured: LOJASYNC_SESSION_IDLE_MINUTES), so a back office left open on the
shop's counter does not stay open all night. The last request's time is written at most once per
`LAST_SEEN_PRECISION`, so a page view is not a database write; a session may thus end up to that much early.
Logging out deletes it; disabling the user deletes all of theirs. The cookie alone, without this row, is
worth nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# A working day and some: after that the person logs in again.
SESSION_LIFETIME = timedelta(hours=12)
# A working day without touching the back office: whoever comes back logs in again.
SESSION_IDLE_TIMEOUT = timedelta(hours=8)
LAST_SEEN_PRECISION = timedelta(minutes=1)


class WebSession:
    id: int | None = None
    user_id: int
    token_hash: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime
    address: str | None

    def __init__(self, user_id: int, token_hash: str, csrf_token: str, created_at: datetime,
                 address: str | None = None) -> None:
        self.user_id = user_id
        self.token_hash = token_hash
        self.csrf_token = csrf_token
        self.created_at = created_at
        self.expires_at = created_at + SESSION_LIFETIME
        self.last_seen_at = created_at
        self.address = address


def is_idle(last_seen_at: datetime, now: datetime, idle_timeout: timedelta) -> bool:
    return now - last_seen_at >= idle_timeout


def needs_touch(last_seen_at: datetime, now: datetime) -> bool:
    """Whether this request's time must be written (the stored one is older than the precision)."""
    return now - last_seen_at >= LAST_SEEN_PRECISION


@dataclass(frozen=True)
class SignedIn:
    """Who a valid session cookie belongs to, as the pages need it."""

    user_id: int
    email: str
    session_id: int
    csrf_token: str
    expires_at: datetime
    last_seen_at: datetime | None = None


@dataclass(frozen=True)
class SessionCheck:
    """What a session cookie turned out to be: whose (None: forged, expired, logged out, disabled user), or
    a session that just ended for lack of use (`idle`: the person is told why they must log in again)."""

    user: SignedIn | None
    idle: bool = False


@dataclass(frozen=True)
class NewSession:
    """A session just opened: the cookie's token exists only here, never in the database; the browser's
    device cookie to send back with it (devices.py), when the login was given a signer."""

    token: str
    user: SignedIn
    device_cookie: str | None = None
