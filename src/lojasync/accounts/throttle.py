"""Slowing down failed logins, per account and per client address.

Each key ("conta:<e-mail>", "ip:<address>") counts its failures; a few are free, then every further failure
blocks the key for a delay that doubles (1 min, 2, 4... up to 1 h). The count starts over only after a
quiet window without failures, counted from the end of any block, so a steady guesser keeps meeting longer
waits. A successful login clears its account's count, not its address's: otherwise one valid account would
let an address guess at the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int
    quiet_window: timedelta
    first_delay: timedelta
    max_delay: timedelta

    def delay_after(self, failures: int) -> timedelta | None:
        """How long the key is blocked after its `failures`-th failure (None while still free)."""
        if failures < self.free_failures:
            return None
        doubled = self.first_delay * (2 ** min(failures - self.free_failures, 20))
        return min(doubled, self.max_delay)


# One person mistyping: 5 tries. An office behind one address (NAT) has several people: 20 tries.
ACCOUNT_POLICY = ThrottlePolicy(5, timedelta(minutes=15), timedelta(minutes=1), timedelta(hours=1))
ADDRESS_POLICY = ThrottlePolicy(20, timedelta(minutes=15), timedelta(minutes=1), timedelta(hours=1))


def account_key(email: str) -> str:
    return f"conta:{email}"[:320]


def address_key(address: str | None) -> str:
    return f"ip:{address or 'desconhecido'}"[:320]


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

    def failed(self, now: datetime, policy: ThrottlePolicy) -> None:
        # Quiet since the last failure or, when blocked, since the block ended: waiting out a long block is
        # not a quiet window.
        quiet_since = max(self.last_failure_at, self.blocked_until or self.last_failure_at)
        if now - quiet_since > policy.quiet_window:
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
