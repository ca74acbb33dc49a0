"""User (usuário do back office): an e-mail, the argon2 hash of the password, and whether it may log in."""

from __future__ import annotations

import re
from datetime import datetime

from lojasync.accounts.errors import InvalidEmail

# Pragmatic: something@domain.tld with no spaces. The address is a login name here; nothing is sent to it.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    """Logins ignore case and surrounding spaces: `Ana@Loja.com ` is `ana@loja.com`."""
    value = email.strip().lower()
    if not _EMAIL.match(value) or len(value) > 254:
        raise InvalidEmail(email=email.strip() or "(vazio)")
    return value


class User:
    id: int | None = None
    email: str
    password_hash: str
    active: bool
    created_at: datetime | None = None
    disabled_at: datetime | None = None
    last_login_at: datetime | None = None

    def __init__(self, email: str, password_hash: str, created_at: datetime | None = None) -> None:
        self.email = email
        self.password_hash = password_hash
        self.active = True
        self.created_at = created_at

    def disable(self, now: datetime) -> None:
        self.active = False
        self.disabled_at = now

    def enable(self) -> None:
        self.active = True
        self.disabled_at = None
