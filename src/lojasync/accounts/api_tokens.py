"""API token (for integrators): a name, the hash of the token, when it was last used, whether revoked."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from lojasync.accounts.errors import InvalidTokenName

_NAME = re.compile(r"^[A-Za-z0-9._-]{1,80}$")
# Writing "last used" on every call would make every API read a write; once in a while is enough to see
# which tokens are alive.
LAST_USED_PRECISION = timedelta(minutes=5)


def check_name(name: str) -> str:
    value = name.strip()
    if not _NAME.match(value) or value.isdigit():
        # A name made only of digits would be mistaken for a token's number in `tokens revoke`.
        raise InvalidTokenName(name=name)
    return value


class ApiToken:
    id: int | None = None
    name: str
    token_hash: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def __init__(self, name: str, token_hash: str, prefix: str, created_at: datetime) -> None:
        self.name = name
        self.token_hash = token_hash
        self.prefix = prefix
        self.created_at = created_at

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def used(self, now: datetime) -> bool:
        """Record a use; True when the row changed (so the caller commits)."""
        if self.last_used_at is not None and now - self.last_used_at < LAST_USED_PRECISION:
            return False
        self.last_used_at = now
        return True
