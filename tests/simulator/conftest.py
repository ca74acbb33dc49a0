"""Shared simulator fixtures: servers on 127.0.0.1 and ready-to-use HTTP clients."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import httpx
import pytest

from lojasync.simulators.nuvemshop import ManualClock, Simulator, SimulatorConfig, SimulatorServer

from .receiver import Receiver

NOW = datetime(2025, 6, 2, 15, 0, 0, tzinfo=timezone.utc)
USER_AGENT = "lojasync-tests (dev@example.com)"


def client_for(server: SimulatorServer, version: str = "2025-03", **headers: str) -> httpx.Client:
    base = f"{server.url}/{version}/{server.store_id}"
    default = {"User-Agent": USER_AGENT, "Authentication": f"bearer {server.access_token}"}
    return httpx.Client(base_url=base, headers={**default, **headers}, timeout=10)


@pytest.fixture(scope="package")
def read_server() -> Iterator[SimulatorServer]:
    """Read-only store (tests must not mutate it) with a bucket large enough to never limit."""
    config = SimulatorConfig(orders=300, seed=7, now=NOW, days=30, bucket_size=100_000, leak_per_second=1000)
    with SimulatorServer(config=config) as server:
        yield server


@pytest.fixture()
def api(read_server: SimulatorServer) -> Iterator[httpx.Client]:
    with client_for(read_server) as client:
        yield client


@pytest.fixture()
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture()
def live_server(clock: ManualClock) -> Iterator[SimulatorServer]:
    """A small store of its own, on a manual clock, for tests that change data."""
    config = SimulatorConfig(orders=40, seed=11, now=NOW, days=10, bucket_size=100_000, leak_per_second=1000)
    with SimulatorServer(Simulator(config, clock=clock)) as server:
        yield server


@pytest.fixture()
def live_api(live_server: SimulatorServer) -> Iterator[httpx.Client]:
    with client_for(live_server) as client:
        yield client


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 recording every POST (see receiver.Receiver)."""
    with Receiver() as running:
        yield running


@pytest.fixture()
def http() -> Iterator[httpx.Client]:
    """A plain client (one SSL context for the test: `httpx.get` builds a new one per call, ~50 ms)."""
    with httpx.Client(timeout=10) as client:
        yield client
