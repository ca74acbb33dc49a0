"""Fixtures of the unit tests: a clock the test moves by hand."""

from __future__ import annotations

import pytest


class FakeTime:
    """A monotonic clock and a sleep that only moves it (the rate limiter and the retries wait on it)."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()
