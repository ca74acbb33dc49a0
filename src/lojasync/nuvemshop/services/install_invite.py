"""Install invites: the public URL receives webhooks, so connecting a store needs a signed, expiring
invite that only the operator can make; without it anyone could send their store's orders here."""

from __future__ import annotations

import time

from lojasync.crypto import TokenCipher


def make_invite(cipher: TokenCipher, hours: float = 24.0, now: float | None = None) -> str:
    """A signed invite valid for `hours`."""
    expires = int((now or time.time()) + hours * 3600)
    return f"{expires}.{cipher.sign(f'install-invite:{expires}')}"


def invite_problem(cipher: TokenCipher, invite: str | None, now: float | None = None) -> str | None:
    """Why this invite does not allow an install (in words for the person holding it), or None."""
    expires, _, signature = (invite or "").partition(".")
    if not expires.isdigit() or not cipher.verify(f"install-invite:{expires}", signature):
        return ("Este endereço público recebe webhooks, mas instalar uma loja exige um convite. Peça ao "
                "responsável pelo lojasync um link de instalação.")
    if int(expires) < (now or time.time()):
        return "O convite de instalação expirou. Peça ao responsável pelo lojasync um link de instalação novo."
    return None
