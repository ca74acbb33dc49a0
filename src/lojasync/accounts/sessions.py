"""A browser session: kept on the server by the hash of the cookie's token, with its CSRF token and expiry.

Logging out deletes it; disabling the user deletes all of theirs. The cookie alone, without this row, is
worth nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# A working day and some: after that the person logs in again.
SESSION_LIFETIME = timedelta(hours=12)


class WebSession:
    id: int | None = None
    user_id: int
    token_hash: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    address: str | None

    def __init__(self, user_id: int, token_hash: str, csrf_token: str, created_at: datetime,
                 address: str | None = None) -> None:
        self.user_id = user_id
        self.token_hash = token_hash
        self.csrf_token = csrf_token
        self.created_at = created_at
        self.expires_at = created_at + SESSION_LIFETIME
        self.address = address


@dataclass(frozen=True)
class SignedIn:
    """Who a valid session cookie belongs to, as the pages need it."""

    user_id: int
    email: str
    session_id: int
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class NewSession:
    """A session just opened: the cookie's token exists only here, never in the database."""

    token: str
    user: SignedIn
