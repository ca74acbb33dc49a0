"""One simulated SEFAZ on 127.0.0.1 for the package, emptied (state, switches, clock) before every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lojasync.fiscal.sefaz import SefazSoapClient
from lojasync.simulators.sefaz import BackgroundSefaz


@pytest.fixture(scope="package")
def sefaz() -> Iterator[BackgroundSefaz]:
    with BackgroundSefaz() as server:
        yield server


@pytest.fixture(autouse=True)
def _clean_sefaz(sefaz: BackgroundSefaz) -> None:
    sefaz.simulator.reset()
    sefaz.simulator.reset_switches()


@pytest.fixture()
def client(sefaz: BackgroundSefaz) -> Iterator[SefazSoapClient]:
    """The real SOAP client, pointed at the simulator by its URL alone."""
    with SefazSoapClient("PR", base_url=sefaz.url, timeout=5.0, poll_interval=0.01) as gateway:
        yield gateway
