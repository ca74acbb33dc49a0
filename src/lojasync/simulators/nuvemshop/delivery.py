"""Webhook delivery: signed POSTs from worker threads, the platform's retry schedule (time-compressed)
and switches that duplicate, delay, reorder or drop deliveries so clients can be tested against them.

Nothing here touches the simulator's lock: the simulator hands over finished bodies (`enqueue`) after
releasing it, and workers only use this module's own lock, never while sending.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import httpx

from lojasync.simulators.nuvemshop.delivery_behaviour import Behaviour, changed_behaviour

SIGNATURE_HEADER = "X-Linkedstore-HMAC-SHA256"
USER_AGENT = "Nuvemshop-Webhooks/1.0 (lojasync simulator)"
# Gaps between attempts: the first retry comes at once, then ~5, ~10, ~15 minutes, then each gap
# is 1.4 times the previous one; no attempt later than 48 h after the first, at most 18 attempts.
FIRST_GAPS = (0.0, 300.0, 600.0, 900.0)
BACKOFF = 1.4
RETRY_WINDOW = 48 * 3600.0
MAX_ATTEMPTS = 18
LOG_LIMIT = 200_000
COUNTERS = ("webhooks_queued", "webhooks_sent", "webhooks_failed_attempts", "webhooks_dropped",
            "webhooks_gave_up")


def sign(secret: str, body: bytes) -> str:
    """The `X-Linkedstore-HMAC-SHA256` value: hex HMAC-SHA256 of the raw body keyed with the client secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def retry_offsets(max_attempts: int = MAX_ATTEMPTS, window: float = RETRY_WINDOW) -> list[float]:
    """Seconds from the first attempt to each attempt (real platform time, before compression)."""
    offsets, elapsed, gap = [0.0], 0.0, 0.0
    for n in range(1, max_attempts):
        gap = FIRST_GAPS[n - 1] if n <= len(FIRST_GAPS) else gap * BACKOFF
        elapsed += gap
        if elapsed > window:
            break
        offsets.append(elapsed)
    return offsets


@dataclass
class Delivery:
    id: int
    kind: str  # "webhook" (registered via /webhooks) or "lgpd" (partner configuration)
    store_id: str
    event: str
    resource_id: int | None
    url: str
    body: bytes
    headers: dict[str, str]
    generation: int
    copy: int = 0
    attempt: int = 0
    first_at: float = 0.0


class Dispatcher:
    """Queue + worker threads (one keep-alive httpx client each) delivering signed JSON bodies."""

    def __init__(self, secret: str, *, workers: int = 8, timeout: float = 40.0, time_scale: float = 1.0,
                 max_attempts: int = MAX_ATTEMPTS, seed: int = 0, user_agent: str = USER_AGENT,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.secret = secret
        self.workers = workers
        self.timeout = timeout
        self.time_scale = time_scale
        self.user_agent = user_agent
        self.offsets = retry_offsets(max_attempts)
        self._now = monotonic
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)
        self._idle = threading.Condition(self._lock)
        self._heap: list[tuple[float, int, Delivery]] = []
        self._seq = itertools.count()
        self._ids = itertools.count(1)
        self._buffer: list[Delivery] = []
        self._buffer_deadline = 0.0
        self._in_flight = 0
        self._generation = 0
        self._threads: list[threading.Thread] = []
        self.behaviour = Behaviour(seed=seed)
        self._rng = random.Random(seed)
        self._counters = dict.fromkeys(COUNTERS, 0)
        self._log: deque[dict] = deque(maxlen=LOG_LIMIT)

    # enqueueing
    def enqueue(self, items: Iterable[tuple[str, str, str, int | None, str, bytes]]) -> int:
        """Queue (kind, store_id, event, resource_id, url, body) deliveries; returns how many were queued."""
        queued = 0
        with self._lock:
            now = self._now()
            for kind, store_id, event, resource_id, url, body in items:
                headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body)}
                delivery = Delivery(next(self._ids), kind, store_id, event, resource_id, url, body, headers,
                                    self._generation)
                if self._should_drop():
                    self._counters["webhooks_dropped"] += 1
                    self._record(delivery, None, None, "dropped", now)
                    continue
                for copy in range(self._copies()):
                    item = replace(delivery, id=next(self._ids), copy=copy) if copy else delivery
                    self._counters["webhooks_queued"] += 1
                    queued += 1
                    self._admit(item, now)
            if queued:
                self._ensure_workers()
        return queued

    def _should_drop(self) -> bool:
        b = self.behaviour
        if b.drop_next > 0:
            b.drop_next -= 1
            return True
        return b.drop_probability > 0 and self._rng.random() < b.drop_probability

    def _copies(self) -> int:
        b = self.behaviour
        extra = 1 if b.duplicate_probability > 0 and self._rng.random() < b.duplicate_probability else 0
        return max(1, b.duplicate_count) + extra

    def _admit(self, item: Delivery, now: float) -> None:
        if self.behaviour.reorder >= 2:
            if not self._buffer:
                self._buffer_deadline = now + self.behaviour.reorder_window
            self._buffer.append(item)
            if len(self._buffer) >= self.behaviour.reorder:
                self._flush(now)
            return
        self._push(item, now + self.behaviour.delay)

    def _flush(self, now: float) -> None:
        group, self._buffer = self._buffer, []
        if self.behaviour.reorder_mode == "reverse":
            group.reverse()
        else:
            self._rng.shuffle(group)
        for item in group:
            self._push(item, now + self.behaviour.delay)

    def _push(self, item: Delivery, due: float) -> None:
        heapq.heappush(self._heap, (due, next(self._seq), item))
        self._work.notify()

    # workers
    def _ensure_workers(self) -> None:
        if self._threads:
            return
        generation = self._generation
        for number in range(self.workers):
            thread = threading.Thread(target=self._run, args=(generation,), daemon=True,
                                      name=f"simulator-webhooks-{generation}-{number}")
            self._threads.append(thread)
            thread.start()

    def _run(self, generation: int) -> None:
        # TCP_NODELAY: httpx writes headers and body apart; without it each request can wait ~40 ms
        # (Nagle + the receiver's delayed ACK).
        transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        client = httpx.Client(transport=transport, timeout=self.timeout, trust_env=False,
                              headers={"User-Agent": self.user_agent})
        try:
            while (item := self._next(generation)) is not None:
                self._attempt(client, item)
        finally:
            client.close()

    def _next(self, generation: int) -> Delivery | None:
        with self._lock:
            while self._generation == generation:
                now = self._now()
                if self._buffer and now >= self._buffer_deadline:
                    self._flush(now)
                wait = None
                if self._heap and not self.behaviour.hold:
                    due = self._heap[0][0]
                    if due <= now:
                        self._in_flight += 1
                        return heapq.heappop(self._heap)[2]
                    wait = due - now
                if self._buffer:
                    left = self._buffer_deadline - now
                    wait = left if wait is None else min(wait, left)
                self._work.wait(wait)
        return None

    def _attempt(self, client: httpx.Client, item: Delivery) -> None:
        started = self._now()
        item.attempt += 1
        if item.attempt == 1:
            item.first_at = started
        status, error = None, None
        try:
            status = client.post(item.url, content=item.body, headers=item.headers).status_code
        except Exception as exc:  # noqa: BLE001 - any failure to get an answer is a failed attempt
            error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            self._in_flight -= 1
            now = self._now()
            if status is not None and 200 <= status < 300:
                self._counters["webhooks_sent"] += 1
                outcome = "ok"
            else:
                self._counters["webhooks_failed_attempts"] += 1
                if item.attempt < len(self.offsets) and item.generation == self._generation:
                    due = item.first_at + self.offsets[item.attempt] * self.time_scale
                    self._push(item, max(due, now))
                    outcome = "failed"
                else:
                    self._counters["webhooks_gave_up"] += 1
                    outcome = "gave_up"
            self._record(item, status, error, outcome, now, started)
            if self._pending() == 0:
                self._idle.notify_all()

    def _record(self, item: Delivery, status: int | None, error: str | None, outcome: str, now: float,
                started: float | None = None) -> None:
        self._log.append({
            "delivery": item.id, "kind": item.kind, "store_id": item.store_id, "event": item.event,
            "id": item.resource_id, "url": item.url, "attempt": item.attempt, "copy": item.copy,
            "status": status, "error": error, "outcome": outcome, "at": started if started is not None else now,
            "duration": None if started is None else now - started,
        })

    def _pending(self) -> int:
        return len(self._heap) + len(self._buffer) + self._in_flight

    # control
    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is queued, buffered or in flight (retries pending count as queued)."""
        deadline = None if timeout is None else self._now() + timeout
        with self._lock:
            while self._pending():
                left = None if deadline is None else deadline - self._now()
                if left is not None and left <= 0:
                    return False
                self._idle.wait(left)
            return True

    def configure(self, **changes) -> dict:
        """Change switches: duplicate (float probability or int copies), delay, reorder, reorder_mode,
        reorder_window, drop (float probability or int next-N), hold, seed; None turns a switch off."""
        with self._lock:
            b = changed_behaviour(self.behaviour, changes)
            if "seed" in changes:
                self._rng = random.Random(b.seed)
            self.behaviour = b
            if b.reorder < 2 and self._buffer:
                self._flush(self._now())
            self._work.notify_all()
            return b.as_dict()

    def reset_behaviour(self) -> dict:
        with self._lock:
            seed = self.behaviour.seed
            self.behaviour = Behaviour(seed=seed)
            self._rng = random.Random(seed)
            if self._buffer:
                self._flush(self._now())
            self._work.notify_all()
            return self.behaviour.as_dict()

    def behaviour_dict(self) -> dict:
        with self._lock:
            return self.behaviour.as_dict()

    def stats(self) -> dict:
        with self._lock:
            return {**self._counters, "webhooks_pending": self._pending()}

    def log(self, since: int = 0) -> list[dict]:
        """Copies of the delivery log (one entry per attempt or drop), from position `since`."""
        with self._lock:
            return [dict(entry) for entry in itertools.islice(self._log, since, None)]

    def reset_stats(self) -> None:
        with self._lock:
            self._counters = dict.fromkeys(COUNTERS, 0)
            self._log.clear()

    def close(self, timeout: float = 2.0) -> None:
        """Stop the workers and forget queued deliveries; the next enqueue starts new workers."""
        with self._lock:
            self._generation += 1
            self._heap.clear()
            self._buffer.clear()
            threads, self._threads = self._threads, []
            self._work.notify_all()
            self._idle.notify_all()
        deadline = self._now() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - self._now()))
