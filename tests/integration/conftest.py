"""Fixtures shared by the integration tests that transmit NF-e: the SEFAZ simulator over HTTP (one per module)
and the `Sefaz` the services take, pointed at it and reset before each test."""

from __future__ import annotations

import pytest

from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.sefaz import SefazSoapClient
from lojasync.fiscal.services.invoices import Sefaz
from lojasync.simulators.sefaz.server import BackgroundSefaz


@pytest.fixture(scope="module")
def simulator():
    with BackgroundSefaz() as sefaz:
        yield sefaz


@pytest.fixture()
def sefaz(simulator) -> Sefaz:
    simulator.simulator.reset()
    simulator.simulator.reset_switches()   # a test's switch (out of service...) must not answer the next test
    return Sefaz(lambda uf, env, cert, deadline=None: SefazSoapClient(uf, Environment(env), certificate=cert, deadline=deadline, base_url=simulator.url,
                                                       timeout=2), simulated=True)
