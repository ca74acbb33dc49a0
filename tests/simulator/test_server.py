"""SimulatorServer lifecycle, several stores in one simulator, and the CLI entry's option check."""

from __future__ import annotations

import socket

import httpx
import pytest

from lojasync.simulators.nuvemshop import Simulator, SimulatorConfig, SimulatorServer, serve
from lojasync.simulators.nuvemshop.query import LISTED_ONLY_BY_NAME

from .conftest import NOW, USER_AGENT, client_for


def test_server_urls_and_clean_stop() -> None:
    server = SimulatorServer(config=SimulatorConfig(orders=3, now=NOW))
    with server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.api_url == f"{server.url}/2025-03"
        with client_for(server) as api:
            assert api.get("/orders").status_code == 200
        port = server.port
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/_simulator/stats", timeout=1)
    with socket.socket() as probe:  # the port is free again
        probe.bind(("127.0.0.1", port))


def test_two_servers_get_different_ports() -> None:
    config = SimulatorConfig(orders=2, now=NOW)
    with SimulatorServer(config=config) as first, SimulatorServer(config=config) as second:
        assert first.port != second.port


def test_several_stores_in_one_simulator() -> None:
    sim = Simulator(SimulatorConfig(orders=5, now=NOW))
    sim.add_store("7654321", "other-token", orders=8, seed=2, now=NOW)
    with SimulatorServer(sim) as server:
        headers = {"User-Agent": USER_AGENT, "Authentication": "bearer other-token"}
        other = httpx.get(f"{server.api_url}/7654321/orders", params={"per_page": 200}, headers=headers)
        listed = [o for o in sim.orders("7654321") if o["payment_status"] not in LISTED_ONLY_BY_NAME]
        assert other.status_code == 200 and other.headers["X-Total-Count"] == str(len(listed))
        assert {o["store_id"] for o in other.json()} <= {7654321, "7654321"}
        crossed = httpx.get(f"{server.api_url}/{server.store_id}/orders", headers=headers)
        assert crossed.status_code == 401
        stats = httpx.get(f"{server.url}/_simulator/stats").json()
        assert stats["orders"] == 13 and set(stats["stores"]) == {server.store_id, "7654321"}
        created = httpx.post(f"{server.url}/_simulator/7654321/orders", json={"count": 2}).json()["ids"]
        assert len(sim.orders("7654321")) == 10 and created[-1] == sim.orders("7654321")[-1]["id"]


def test_serve_rejects_unknown_options() -> None:
    with pytest.raises(TypeError, match="colour"):
        serve(port=0, colour="blue")
