"""Checks every API request goes through: User-Agent, store, token, suspension, rate limit, counters."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from lojasync.simulators.nuvemshop import SimulatorConfig, SimulatorServer

from .conftest import NOW, USER_AGENT, client_for


@pytest.fixture()
def server() -> Iterator[SimulatorServer]:
    # A tiny leak so 41 quick calls overflow a 40-request bucket however slow the machine is.
    config = SimulatorConfig(orders=20, seed=5, now=NOW, bucket_size=40, leak_per_second=0.01)
    with SimulatorServer(config=config) as running:
        yield running


def test_user_agent_is_required_before_anything_else(server: SimulatorServer) -> None:
    response = httpx.get(f"{server.api_url}/999/orders", headers={"User-Agent": ""})
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Bad Request", "description": "User-Agent header is required"}


def test_unknown_store_then_token_checks(server: SimulatorServer) -> None:
    headers = {"User-Agent": USER_AGENT, "Authentication": f"bearer {server.access_token}"}
    assert httpx.get(f"{server.api_url}/999/orders", headers=headers).status_code == 404
    unauthorized = {"code": 401, "message": "Unauthorized", "description": "Invalid access token"}
    for auth in ({}, {"Authentication": "bearer wrong"}, {"Authentication": f"token {server.access_token}"}):
        response = httpx.get(f"{server.api_url}/{server.store_id}/orders", headers={"User-Agent": USER_AGENT, **auth})
        assert response.status_code == 401 and response.json() == unauthorized
    for auth in ({"Authentication": f"BEARER {server.access_token}"}, {"Authorization": f"Bearer {server.access_token}"}):
        response = httpx.get(f"{server.api_url}/{server.store_id}/orders", headers={"User-Agent": USER_AGENT, **auth})
        assert response.status_code == 200


def test_suspended_store_answers_402_until_resumed(server: SimulatorServer) -> None:
    with client_for(server) as api:
        assert httpx.post(f"{server.url}/_simulator/{server.store_id}/suspend").status_code == 200
        response = api.get("/orders")
        assert response.status_code == 402 and response.json()["code"] == 402
        assert "x-rate-limit-remaining" in response.headers
        assert httpx.post(f"{server.url}/_simulator/{server.store_id}/resume").status_code == 200
        assert api.get("/orders").status_code == 200


def test_bucket_overflows_on_the_41st_quick_call(server: SimulatorServer) -> None:
    with client_for(server) as api:
        responses = [api.get("/orders", params={"per_page": 1}) for _ in range(41)]
    assert [r.status_code for r in responses[:40]] == [200] * 40
    limited = responses[40]
    assert limited.status_code == 429
    assert limited.json() == {"code": 429, "message": "Too Many Requests", "description": "Rate limit exceeded"}
    assert "retry-after" not in limited.headers
    remaining = [int(r.headers["x-rate-limit-remaining"]) for r in responses]
    assert remaining[0] == 39 and remaining[39] == 0 and remaining == sorted(remaining, reverse=True)
    assert all(r.headers["x-rate-limit-limit"] == "40" for r in responses)
    resets = [int(r.headers["x-rate-limit-reset"]) for r in responses[:40]]
    assert resets == sorted(resets) and 99_000 <= resets[0] <= 100_000  # one drop at 0.01/s
    assert int(limited.headers["x-rate-limit-reset"]) > 3_900_000
    stats = httpx.get(f"{server.url}/_simulator/stats").json()
    assert stats["api_calls"] == 41 and stats["rate_limited"] == 1
    assert stats["stores"][server.store_id]["rate_limited"] == 1


def test_default_bucket_headers_are_sane() -> None:
    with SimulatorServer(config=SimulatorConfig(orders=5, now=NOW)) as server, client_for(server) as api:
        first, second = api.get("/orders"), api.get("/orders")
    assert first.headers["x-rate-limit-limit"] == "40"
    assert first.headers["x-rate-limit-remaining"] == "39" and second.headers["x-rate-limit-remaining"] == "38"
    assert 0 < int(first.headers["x-rate-limit-reset"]) <= 500
    assert 500 < int(second.headers["x-rate-limit-reset"]) <= 1000


def test_every_request_is_counted_even_rejected_ones(server: SimulatorServer) -> None:
    httpx.post(f"{server.url}/_simulator/stats/reset")
    httpx.get(f"{server.api_url}/{server.store_id}/orders", headers={"User-Agent": ""})
    httpx.get(f"{server.api_url}/{server.store_id}/orders", headers={"User-Agent": USER_AGENT})
    httpx.get(f"{server.api_url}/777/orders", headers={"User-Agent": USER_AGENT})
    with client_for(server) as api:
        api.get("/orders")
    stats = httpx.get(f"{server.url}/_simulator/stats").json()
    assert stats["api_calls"] == 4 and stats["stores"][server.store_id]["api_calls"] == 3
    assert stats["orders"] == 20 and stats["rate_limited"] == 0


def test_bodies_must_be_json(server: SimulatorServer) -> None:
    with client_for(server) as api:
        response = api.post("/webhooks", content=b"event=order/paid", headers={"Content-Type": "text/plain"})
        assert response.status_code == 415
        response = api.post("/webhooks", content=b"{oops", headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        response = api.post("/webhooks", json={"event": "order/paid", "url": "https://erp.example.com/hook"},
                            headers={"Content-Type": "application/json; charset=utf-8"})
        assert response.status_code == 201
