"""API tokens: created with a name and shown once, listed, revoked, and recognised on each API call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from lojasync.accounts.api_tokens import ApiToken, check_name
from lojasync.accounts.errors import TokenExists, TokenNotFound
from lojasync.accounts.ports import AccountsUnitOfWork
from lojasync.accounts.services.clock import utc_now
from lojasync.accounts.tokens import digest, new_api_token
from lojasync.shared.errors import WriteConflict
from lojasync.shared.numbers import id_or_none

MAX_TOKEN_LENGTH = 200
# Shown in lists to tell tokens apart (the prefix plus 4 characters: far too few to guess the rest).
SHOWN_PREFIX = 8


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def add_token(uow: AccountsUnitOfWork, name: str, now: datetime | None = None) -> tuple[str, TokenView]:
    """A new token: returns it in clear (to show once) and what is kept of it."""
    now = now or utc_now()
    name = check_name(name)
    secret = new_api_token()
    with uow:
        if uow.api_tokens.active_by_name(name) is not None:
            raise TokenExists(name=name)
        token = ApiToken(name, digest(secret), secret[:SHOWN_PREFIX], now)
        uow.api_tokens.add(token)
        uow.commit()
        return secret, _view(token)


def list_tokens(uow: AccountsUnitOfWork) -> list[TokenView]:
    with uow:
        return [_view(t) for t in uow.api_tokens.list()]


def revoke_token(uow: AccountsUnitOfWork, reference: str, now: datetime | None = None) -> tuple[TokenView, bool]:
    """Revoke by name (the active one) or by number; the token stops working at once. Returns the token and
    whether this call revoked it: one already revoked is no error (a script that revokes twice, or again after
    a timeout, has what it asked for), only a name or number never given is."""
    now = now or utc_now()
    reference = reference.strip()
    with uow:
        number = id_or_none(reference)
        token = uow.api_tokens.by_id(number) if number is not None else uow.api_tokens.active_by_name(reference)
        if token is None and number is None:
            token = next((t for t in reversed(uow.api_tokens.list()) if t.name == reference), None)
        if token is None:
            raise TokenNotFound(reference=reference)
        if not token.active:
            return _view(token), False
        token.revoked_at = now
        uow.commit()
        return _view(token), True


def token_caller(uow: AccountsUnitOfWork, secret: str | None, now: datetime | None = None,
                 writer: Callable[[], AccountsUnitOfWork] | None = None) -> TokenView | None:
    """The active token with this secret (noting its use now and then), or None. `writer`: where the use is noted,
    `uow` then only reading: on SQLite a writing transaction for every API call made even a read wait for every
    import and NF-e being written (the browser's session is looked up the same way, `recognise_session`)."""
    if not secret or len(secret) > MAX_TOKEN_LENGTH:
        return None
    now = now or utc_now()
    with uow:
        token = uow.api_tokens.by_hash(digest(secret))
        if token is None or not token.active:
            return None
        if not token.used(now):
            return _view(token)
        if writer is None:
            uow.commit()
            return _view(token)
        found = _view(token)
    try:
        with writer() as noting:
            stored = noting.api_tokens.by_id(found.id)
            if stored is not None and stored.used(now):
                noting.commit()
    except WriteConflict:
        pass   # bookkeeping must not fail the call: a later call notes the use
    return found


def _view(token: ApiToken) -> TokenView:
    return TokenView(id=token.id, name=token.name, prefix=token.prefix, created_at=token.created_at,
                     last_used_at=token.last_used_at, revoked_at=token.revoked_at)
