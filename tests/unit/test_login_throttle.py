"""The login throttle's rules: free failures, doubling waits, forgetting after a quiet window."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from lojasync.accounts.throttle import ACCOUNT_POLICY, LoginAttempts, ThrottlePolicy, address_key, wait_text

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def test_the_first_failures_are_free_then_the_wait_doubles_up_to_the_cap():
    policy = ThrottlePolicy(3, timedelta(minutes=15), timedelta(minutes=1), timedelta(minutes=5))
    assert [policy.delay_after(n) for n in range(1, 8)] == [
        None, None, timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=5),
        timedelta(minutes=5)]


def test_a_key_is_blocked_after_the_fifth_failure_and_free_when_the_wait_ends():
    attempts = LoginAttempts("conta:a@b.com", T0)
    for _ in range(4):
        attempts.failed(T0, ACCOUNT_POLICY)
        assert attempts.wait(T0) is None
    attempts.failed(T0, ACCOUNT_POLICY)
    assert attempts.wait(T0) == timedelta(minutes=1)
    assert attempts.wait(T0 + timedelta(seconds=59)) == timedelta(seconds=1)
    assert attempts.wait(T0 + timedelta(minutes=1)) is None


def test_a_steady_guesser_keeps_growing_the_wait_but_a_quiet_window_starts_over():
    attempts = LoginAttempts("ip:1.2.3.4", T0)
    now = T0
    for _ in range(5):
        attempts.failed(now, ACCOUNT_POLICY)
    waits = []
    for _ in range(4):
        now += attempts.wait(now)
        attempts.failed(now, ACCOUNT_POLICY)
        waits.append(attempts.wait(now))
    assert waits == [timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8), timedelta(minutes=16)]
    # 16 minutes of waiting is longer than the quiet window, yet the count goes on: no failure was forgiven.
    now += attempts.wait(now)
    attempts.failed(now, ACCOUNT_POLICY)
    assert attempts.wait(now) == timedelta(minutes=32)
    # Now quiet for longer than the window after the block ends: a fresh start.
    now += attempts.wait(now) + timedelta(minutes=16)
    attempts.failed(now, ACCOUNT_POLICY)
    assert attempts.failures == 1 and attempts.wait(now) is None


def test_wait_text_in_portuguese_rounds_up():
    assert wait_text(timedelta(seconds=1)) == "1 segundo"
    assert wait_text(timedelta(seconds=44.2)) == "45 segundos"
    assert wait_text(timedelta(seconds=60)) == "1 minuto"
    assert wait_text(timedelta(seconds=61)) == "2 minutos"
    assert wait_text(timedelta(hours=1)) == "1 hora"


def test_an_ipv6_address_counts_by_its_64_block_and_an_ipv4_one_by_itself():
    """security review: per /128, one subscriber's connection had 2^64 fresh addresses to guess from."""
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff:ffff:ffff:ffff") == "ip:2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:192.0.2.7") == address_key("192.0.2.7") == "ip:192.0.2.7"
    assert address_key("192.0.2.8") != address_key("192.0.2.7")
    assert address_key(None) == "ip:desconhecido" and address_key("testclient") == "ip:testclient"
