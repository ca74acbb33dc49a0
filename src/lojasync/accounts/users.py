"""User (usuário do back office): an e-mail, the argon2 hash of the password, and whether it may log in."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from lojasync.accounts.errors import InvalidEmail

# Pragmatic: something@domain.tld with no spaces. The address is a login name here; nothing is sent to it.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    """Logins ignore case and surrounding spaces: `Ana@Loja.com ` is `ana@loja.com`."""
    value = email.strip().lower()
    if any(c != " " and unicodedata.category(c)[0] in "CZ" for c in value):
        # A zero-width space or a control character pasted with the address: the login typed by hand would never
        # match it (review: accepted, the person could not log in, and an account "ana@loja.com" could be added
        # beside it).
        raise InvalidEmail(email=value.encode("unicode_escape").decode("ascii"),
                           resolution="O e-mail tem um caractere invisível (colado de outro lugar): digite-o de novo.")
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

    def disable(self, now: datetime) -> bool:
        """False when already disabled: nothing changes (when it was disabled stays as it was)."""
        if not self.active:
            return False
        self.active = False
        self.disabled_at = now
        return True

    def enable(self) -> bool:
        """False when already enabled."""
        if self.active:
            return False
        self.active = True
        self.disabled_at = None
        return True
