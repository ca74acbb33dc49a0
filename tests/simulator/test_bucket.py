"""The leaky bucket: size, leak rate, headers and thread safety."""

from __future__ import annotations

import threading

import pytest

from lojasync.simulators.nuvemshop.bucket import BucketRegistry, LeakyBucket


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_fills_to_size_then_refuses_and_leaks() -> None:
    time = FakeTime()
    bucket = LeakyBucket(40, 2.0, time)
    verdicts = [bucket.hit() for _ in range(41)]
    assert all(v.allowed for v in verdicts[:40]) and not verdicts[40].allowed
    assert [v.remaining for v in verdicts[:3]] == [39, 38, 37]
    assert verdicts[39].remaining == 0 and verdicts[39].reset_ms == 20_000
    assert verdicts[40].headers() == {"x-rate-limit-limit": "40", "x-rate-limit-remaining": "0",
                                      "x-rate-limit-reset": "20000"}
    time.now += 0.5  # leaks one request
    after = bucket.hit()
    assert after.allowed and after.remaining == 0 and after.reset_ms == 20_000
    time.now += 100
    assert bucket.peek().remaining == 40 and bucket.peek().reset_ms == 0


def test_refused_requests_do_not_fill_the_bucket() -> None:
    time = FakeTime()
    bucket = LeakyBucket(2, 1.0, time)
    assert [bucket.hit().allowed for _ in range(5)] == [True, True, False, False, False]
    time.now += 1.0
    assert bucket.hit().allowed and not bucket.hit().allowed


def test_registry_buckets_are_per_store_and_token() -> None:
    registry = BucketRegistry(1, 1.0, FakeTime())
    assert registry.get("1", "a").hit().allowed
    assert not registry.get("1", "a").hit().allowed
    assert registry.get("1", "b").hit().allowed
    assert registry.get("2", "a").hit().allowed
    registry.configure_store("3", 400, 20.0)
    assert registry.get("3", "a").size == 400 and registry.get("3", "a").leak_per_second == 20.0


def test_concurrent_hits_never_exceed_the_size() -> None:
    bucket = LeakyBucket(100, 1e-9)
    results: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = [bucket.hit().allowed for _ in range(50)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 100 and len(results) == 400


def test_rejects_bad_settings() -> None:
    with pytest.raises(ValueError):
        LeakyBucket(0, 2.0)
    with pytest.raises(ValueError):
        LeakyBucket(40, 0)
