"""Device cookies (OWASP, "Slow brute force and device cookies"): proof that this browser once logged in.

A successful login gives the browser a long-lived cookie bound to that e-mail: a random nonce, an expiry
and an HMAC of both with the e-mail, under the app's signing key (the one that signs the store
installation's state). It holds nothing secret and opens nothing by itself; it only tells the login throttle
"this browser already knew this account's password", so its attempts are counted under the device's own key
instead of the account's (throttle.py). A guesser who knows only the e-mail has no such cookie and cannot
forge one: their failures lock the account for browsers without one, while the operator's own browser still
gets in.

One browser may serve several people (the shop's counter computer): the cookie keeps up to
`MAX_DEVICES_PER_BROWSER` entries, newest first, and an entry counts only for the e-mail it was signed for.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

DEVICE_LIFETIME = timedelta(days=180)
MAX_DEVICES_PER_BROWSER = 5
# Five entries are ~600 characters; anything much longer was not written by us and is not parsed.
MAX_COOKIE_LENGTH = 1024
_ENTRY = re.compile(r"^([A-Za-z0-9_-]{22})\.(\d{1,12})\.([0-9a-f]{64})$")
_SEPARATOR = "~"  # a cookie value may not hold commas or semicolons


class Signer(Protocol):
    """Signs small values (the app's key: `TokenCipher` in production)."""

    def sign(self, value: str) -> str: ...

    def verify(self, value: str, signature: str) -> bool: ...


@dataclass(frozen=True)
class Device:
    """One entry of the cookie: the nonce names the device in the throttle; it is valid until `expires`."""

    nonce: str
    expires: int  # Unix seconds
    signature: str

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.expires, timezone.utc)

    def text(self) -> str:
        return f"{self.nonce}.{self.expires}.{self.signature}"


def recognised_device(signer: Signer, cookie: str | None, login: str, now: datetime) -> Device | None:
    """The entry of `cookie` signed for `login` and not expired, or None (absent, forged, expired, another
    e-mail's)."""
    for device in _entries(cookie):
        if device.expires > now.timestamp() and signer.verify(_signed_text(login, device.nonce, device.expires),
                                                              device.signature):
            return device
    return None


def remember_device(signer: Signer, cookie: str | None, login: str, now: datetime) -> str:
    """The cookie after a successful login of `login`: a fresh entry for it first, then the other e-mails'
    entries that have not expired (this e-mail's old one is replaced)."""
    expires = int((now + DEVICE_LIFETIME).timestamp())
    nonce = secrets.token_urlsafe(16)
    fresh = Device(nonce, expires, signer.sign(_signed_text(login, nonce, expires)))
    others = [d for d in _entries(cookie) if d.expires > now.timestamp()
              and not signer.verify(_signed_text(login, d.nonce, d.expires), d.signature)]
    return _SEPARATOR.join(d.text() for d in [fresh, *others][:MAX_DEVICES_PER_BROWSER])


def _signed_text(login: str, nonce: str, expires: int) -> str:
    # Its own prefix: no other signed value of the app (install state, invites) can pass for a device cookie.
    return f"login-device|{login}|{nonce}|{expires}"


def _entries(cookie: str | None) -> list[Device]:
    if not cookie or len(cookie) > MAX_COOKIE_LENGTH:
        return []
    found = []
    for part in cookie.split(_SEPARATOR)[:MAX_DEVICES_PER_BROWSER]:
        match = _ENTRY.match(part)
        if match:
            found.append(Device(match.group(1), int(match.group(2)), match.group(3)))
    return found
