"""Client-side model of the Nuvemshop per-store leaky bucket, used to throttle before the API says 429."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

logger = logging.getLogger("lojasync.nuvemshop")

DEFAULT_BUCKET_LIMIT = 40
DEFAULT_LEAK_RATE = 2.0  # requests per second
_EPSILON = 1e-9


@runtime_checkable
class RateLimitGate(Protocol):
    """Decides when the next request to one store may go out.

    Every ``before_request`` call is paired with exactly one ``after_response`` call, made with the
    ``x-rate-limit-*`` header values (``None`` when absent or when no response arrived). After a 429
    the client reports ``remaining=0``; the next ``before_request`` must then wait for a slot to leak.
    """

    def before_request(self) -> None:
        """Block until a request may be sent, and count it."""
        ...

    def after_response(self, limit: int | None, remaining: int | None, reset_ms: int | None) -> None:
        """Resynchronise the model with what the API reported."""
        ...


class LocalLeakyBucketGate:
    """In-process gate for one store: keeps the bucket level and leaks it with the clock.

    ``margin`` is how many free slots must exist before sending; 1 means "room for this request".
    """

    def __init__(
        self,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        margin: int = 1,
        *,
        limit: int = DEFAULT_BUCKET_LIMIT,
        leak_rate: float = DEFAULT_LEAK_RATE,
        initial_level: float = 0.0,
    ) -> None:
        if margin < 0:
            raise ValueError("margin não pode ser negativa")
        if limit <= 0 or leak_rate <= 0:
            raise ValueError("limit e leak_rate precisam ser positivos")
        self._sleep = sleep
        self._clock = clock
        self._margin = margin
        self._default_leak_rate = float(leak_rate)
        self._limit = limit
        self._rate = float(leak_rate)
        # A process that takes over a store from another worker does not know how full the bucket
        # is: starting full costs one slot's wait and never bursts over the store's limit.
        self._level = min(float(initial_level), float(limit))
        self._updated_at = clock()
        self._in_flight = 0
        self._lock = threading.Lock()

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def leak_rate(self) -> float:
        return self._rate

    @property
    def level(self) -> float:
        with self._lock:
            self._leak(self._clock())
            return self._level

    def before_request(self) -> None:
        with self._lock:
            self._leak(self._clock())
            excess = self._level - (self._limit - self._margin)
            wait = excess / self._rate if excess > _EPSILON else 0.0
            # Reserving the slot now (it leaks during the wait like the real one) makes concurrent
            # callers queue behind each other instead of all waking up at the same instant.
            self._level += 1.0
            self._in_flight += 1
        if wait > 0:
            logger.debug(
                "Aguardando o balde de requisições da Nuvemshop esvaziar",
                extra={"wait_s": round(wait, 3), "bucket_limit": self._limit},
            )
            self._sleep(wait)

    def after_response(self, limit: int | None, remaining: int | None, reset_ms: int | None) -> None:
        with self._lock:
            if self._in_flight:
                self._in_flight -= 1
            if remaining is None:
                return
            if limit is not None and limit > 0:
                self._limit = limit
            used = min(max(self._limit - remaining, 0), self._limit)
            if reset_ms is None:
                self._rate = self._default_leak_rate
            elif reset_ms > 0 and used > 0:
                self._rate = used / (reset_ms / 1000.0)
            # Requests still in flight may not be counted by the server yet: assume they are not.
            self._level = float(used + self._in_flight)
            self._updated_at = self._clock()

    def _leak(self, now: float) -> None:
        elapsed = now - self._updated_at
        if elapsed > 0:
            self._level = max(0.0, self._level - elapsed * self._rate)
            self._updated_at = now
