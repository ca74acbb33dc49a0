"""Fixtures of the unit tests: a clock the test moves by hand, the connector's unit of work in memory and a
store in it."""

from __future__ import annotations

import pytest

from lojasync.nuvemshop.model.store import Store
from tests.unit.fakes import FakeUnitOfWork


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


@pytest.fixture()
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture()
def store(uow) -> Store:
    with uow:
        record = Store("1234567", "http://127.0.0.1:9/2025-03", "token-cifrado")
        uow.stores.add(record)
        uow.commit()
    return record
