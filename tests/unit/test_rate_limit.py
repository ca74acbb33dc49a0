"""Unit tests for the local leaky-bucket model of the Nuvemshop rate limit."""

from __future__ import annotations

import threading

import pytest

from lojasync.nuvemshop.client.rate_limit import LocalLeakyBucketGate, RateLimitGate


def test_implements_the_protocol(fake):
    assert isinstance(LocalLeakyBucketGate(fake.sleep, fake.clock), RateLimitGate)


def test_fresh_bucket_allows_a_burst_up_to_the_limit_without_sleeping(fake):
    gate = LocalLeakyBucketGate(fake.sleep, fake.clock)
    for _ in range(40):
        gate.before_request()
        gate.after_response(None, None, None)
    assert fake.sleeps == []
    gate.before_request()
    assert fake.sleeps == [pytest.approx(0.5)]


def test_full_bucket_waits_exactly_one_slot_derived_from_reset(fake):
    gate = LocalLeakyBucketGate(fake.sleep, fake.clock)
    gate.before_request()
    gate.after_response(40, 0, 10_000)  # 40 used, empties in 10 s -> 4/s
    assert gate.leak_rate == pytest.approx(4.0)
    gate.before_request()
    assert fake.sleeps == [pytest.approx(0.25)]


def test_reset_absent_falls_back_to_two_per_second(fake):
    gate = LocalLeakyBucketGate(fake.sleep, fake.clock)
    gate.before_request()
    gate.after_response(40, 0, None)
    gate.before_request()
    assert fake.sleeps == [pytest.approx(0.5)]


def test_plenty_remaining_never_sleeps(fake):
    gate = LocalLeakyBucketGate(fake.sleep, fake.clock)
    for _ in range(500):
        gate.before_request()
        gate.after_response(40, 35, 2_500)
    assert fake.sleeps == []


def test_time_passing_leaks_the_bucket(fake):
    gate = LocalLeakyBucketGate(fake.sleep, fake.clock)
    gate.before_request()
    gate.after_response(40, 0, 20_000)
    fake.now += 0.5  # one slot leaked while the caller was busy elsewhere
    gate.before_request()
    assert fake.sleeps == []
    assert gate.level == pytest.approx(40.0)


def test_partial_leak_only_waits_for_the_rest_of_the_slot(fake):
    gate = LocalLeakyBucketGate(fake.sleep, fake.clock)
    gate.before_request()
    gate.after_response(40, 0, 20_000)
    fake.now += 0.3
    gate.before_request()
    assert fake.sleeps == [pytest.approx(0.2)]


def test_bigger_margin_keeps_more_free_slots(fake):
    gate = LocalLeakyBucketGate(fake.sleep, fake.clock, margin=3)
    gate.before_request()
    gate.after_response(40, 0, 20_000)
    gate.before_request()
    assert fake.sleeps == [pytest.approx(1.5)]


def test_bigger_plan_limit_and_rate_are_learned_from_headers(fake):
    gate = LocalLeakyBucketGate(fake.sleep, fake.clock)
    gate.before_request()
    gate.after_response(400, 0, 20_000)
    assert gate.limit == 400
    gate.before_request()
    assert fake.sleeps == [pytest.approx(0.05)]


def test_concurrent_callers_queue_one_slot_apart():
    frozen_now = 50.0
    slept: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            slept.append(seconds)

    gate = LocalLeakyBucketGate(sleep, lambda: frozen_now)
    gate.before_request()
    gate.after_response(40, 0, None)
    barrier = threading.Barrier(5)

    def worker() -> None:
        barrier.wait()
        gate.before_request()

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(slept) == pytest.approx([0.5, 1.0, 1.5, 2.0, 2.5])


def test_in_flight_requests_are_counted_on_top_of_the_server_level(fake):
    gate = LocalLeakyBucketGate(fake.sleep, fake.clock)
    gate.before_request()
    gate.before_request()  # still in flight when the first answer arrives
    gate.after_response(40, 10, 15_000)
    assert gate.level == pytest.approx(31.0)
    gate.after_response(None, None, None)  # the second failed without an answer
    gate.before_request()
    gate.after_response(40, 9, 15_500)
    assert gate.level == pytest.approx(31.0)


def test_rejects_invalid_configuration(fake):
    with pytest.raises(ValueError):
        LocalLeakyBucketGate(fake.sleep, fake.clock, margin=-1)
    with pytest.raises(ValueError):
        LocalLeakyBucketGate(fake.sleep, fake.clock, limit=0)
