"""Nuvemshop's leaky-bucket rate limit, one bucket per (store, access token)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BucketVerdict:
    allowed: bool
    limit: int
    remaining: int
    reset_ms: int

    def headers(self) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(self.limit),
            "x-rate-limit-remaining": str(self.remaining),
            "x-rate-limit-reset": str(self.reset_ms),
        }


class LeakyBucket:
    """Each request leaks the bucket, then adds one drop; a drop that would overflow is refused."""

    def __init__(self, size: int = 40, leak_per_second: float = 2.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if size < 1 or leak_per_second <= 0:
            raise ValueError("size must be >= 1 and leak_per_second > 0")
        self.size = size
        self.leak_per_second = leak_per_second
        self._monotonic = monotonic
        self._level = 0.0
        self._last = monotonic()
        self._lock = threading.Lock()

    def _leak(self) -> None:
        now = self._monotonic()
        self._level = max(0.0, self._level - (now - self._last) * self.leak_per_second)
        self._last = now

    def _verdict(self, allowed: bool) -> BucketVerdict:
        remaining = max(0, math.floor(self.size - self._level + 1e-9))
        reset_ms = math.ceil(self._level / self.leak_per_second * 1000 - 1e-6)
        return BucketVerdict(allowed, self.size, remaining, max(0, reset_ms))

    def hit(self) -> BucketVerdict:
        with self._lock:
            self._leak()
            if self._level + 1 > self.size + 1e-9:
                return self._verdict(False)
            self._level += 1
            return self._verdict(True)

    def peek(self) -> BucketVerdict:
        with self._lock:
            self._leak()
            return self._verdict(True)

    @property
    def level(self) -> float:
        with self._lock:
            self._leak()
            return self._level


class BucketRegistry:
    """Buckets created on first use; the size/leak of a store can be overridden (bigger plans)."""

    def __init__(self, size: int = 40, leak_per_second: float = 2.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.leak_per_second = leak_per_second
        self.monotonic = monotonic
        self._overrides: dict[str, tuple[int, float]] = {}
        self._buckets: dict[tuple[str, str], LeakyBucket] = {}
        self._lock = threading.Lock()

    def configure_store(self, store_id: str, size: int, leak_per_second: float) -> None:
        with self._lock:
            self._overrides[store_id] = (size, leak_per_second)
            for key in [k for k in self._buckets if k[0] == store_id]:
                del self._buckets[key]

    def get(self, store_id: str, token: str) -> LeakyBucket:
        with self._lock:
            bucket = self._buckets.get((store_id, token))
            if bucket is None:
                size, leak = self._overrides.get(store_id, (self.size, self.leak_per_second))
                bucket = self._buckets[(store_id, token)] = LeakyBucket(size, leak, self.monotonic)
            return bucket

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
