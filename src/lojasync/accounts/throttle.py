"""Slowing down failed logins: per account and client address, or per known device.

Each key counts its failures; a few are free, then every further failure blocks the key for a delay that
doubles (1 min, 2, 4... up to 1 h). The count starts over only after a quiet window without failures,
counted from the end of any block, so a steady guesser keeps meeting longer waits.

Which keys an attempt counts under depends on the browser (OWASP's device cookies, see devices.py):
- without a valid device cookie for the e-mail typed: the account ("conta:<e-mail>") and the address
  ("ip:<address>"), as always. A successful login clears its account's count, not its address's: otherwise
  one valid account would let an address guess at the others.
- with one: only that device ("aparelho:<nonce>"). So a stranger who knows an operator's e-mail can lock the
  account for unknown browsers, never for the operator's own; and the operator's success does not clear the
  account's count (the guesser would get fresh tries). Nor is the address counted: a guesser behind the
  shop's own address (NAT) must not lock its devices out either. A device that keeps failing
  (`DEVICE_TRUST_FAILURES`, with its own waits in between) stops being trusted until its cookie expires: from
  then on its attempts are counted like an unknown browser's. A stolen device cookie is thus worth a few
  slowed-down guesses, not a way around the account's block.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int
    quiet_window: timedelta
    first_delay: timedelta
    max_delay: timedelta
    # False: the count never starts over after a quiet window (only a successful login clears it).
    forgets: bool = True

    def delay_after(self, failures: int) -> timedelta | None:
        """How long the key is blocked after its `failures`-th failure (None while still free)."""
        if failures < self.free_failures:
            return None
        doubled = self.first_delay * (2 ** min(failures - self.free_failures, 20))
        return min(doubled, self.max_delay)


# One person mistyping: 5 tries. An office behind one address (NAT) has several people: 20 tries.
ACCOUNT_POLICY = ThrottlePolicy(5, timedelta(minutes=15), timedelta(minutes=1), timedelta(hours=1))
ADDRESS_POLICY = ThrottlePolicy(20, timedelta(minutes=15), timedelta(minutes=1), timedelta(hours=1))
# A known device is one person mistyping, like an account, but its count does not start over after a quiet
# quarter of an hour: a stolen cookie's paced guesses add up to DEVICE_TRUST_FAILURES (only a day without any
# try, when the row is forgotten, starts it over: nine guesses a day at most).
DEVICE_POLICY = ThrottlePolicy(5, timedelta(minutes=15), timedelta(minutes=1), timedelta(hours=1), forgets=False)
# Five free failures and five slowed ones (1+2+4+8 minutes of waiting between them): then the device's
# cookie is no longer believed.
DEVICE_TRUST_FAILURES = 10


def account_key(email: str) -> str:
    return f"conta:{email}"[:320]


def address_key(address: str | None) -> str:
    """The key of an address's failures: an IPv6 address by its /64, the block one subscriber is given (security
    review: counted per /128, a single connection had 2^64 fresh addresses to guess from)."""
    return f"ip:{_network(address) if address else 'desconhecido'}"[:320]


def _network(address: str) -> str:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:   # ::ffff:192.0.2.1, an IPv4 client of a dual-stack server
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


def device_key(nonce: str) -> str:
    return f"aparelho:{nonce}"


class LoginAttempts:
    """The failures of one key."""

    id: int | None = None
    key: str
    failures: int
    last_failure_at: datetime
    blocked_until: datetime | None

    def __init__(self, key: str, now: datetime) -> None:
        self.key = key
        self.failures = 0
        self.last_failure_at = now
        self.blocked_until = None

    def wait(self, now: datetime) -> timedelta | None:
        """How long this key must still wait before trying again (None: it may try now)."""
        if self.blocked_until is not None and self.blocked_until > now:
            return self.blocked_until - now
        return None

    def distrusted(self) -> bool:
        """A device key that failed too often: its cookie no longer spares the browser the account's rules."""
        return self.failures >= DEVICE_TRUST_FAILURES

    def distrust_until(self, expires_at: datetime) -> None:
        """Keep a distrusted device's row (failures and all) until its cookie expires: stale rows are deleted
        only a day after their block ends, so the cookie can never become trusted again."""
        self.blocked_until = max(self.blocked_until or expires_at, expires_at)

    def failed(self, now: datetime, policy: ThrottlePolicy) -> None:
        # Quiet since the last failure or, when blocked, since the block ended: waiting out a long block is
        # not a quiet window.
        quiet_since = max(self.last_failure_at, self.blocked_until or self.last_failure_at)
        if policy.forgets and now - quiet_since > policy.quiet_window:
            self.failures = 0
        self.failures += 1
        self.last_failure_at = now
        delay = policy.delay_after(self.failures)
        self.blocked_until = now + delay if delay is not None else None


def wait_text(wait: timedelta) -> str:
    """`45 segundos`, `2 minutos`, `1 hora`: rounded up, so that trying at that time works."""
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 60:
        return f"{seconds} segundo{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"{minutes} minuto{'s' if minutes != 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hora{'s' if hours != 1 else ''}"
