"""App installation: authorize redirect, code-for-token exchange, its errors, and token replacement."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from lojasync.simulators.nuvemshop import (
    DEFAULT_CLIENT_SECRET,
    ManualClock,
    Simulator,
    SimulatorConfig,
    SimulatorServer,
    TokenError,
)

from .conftest import NOW, USER_AGENT

REDIRECT = "https://erp.example.com.br/nuvemshop/callback?tenant=7"
SCOPE = "read_orders,write_orders,read_customers,read_products,write_products"


@pytest.fixture()
def server(clock: ManualClock) -> Iterator[SimulatorServer]:
    config = SimulatorConfig(orders=5, now=NOW, redirect_url=REDIRECT, bucket_size=100_000, leak_per_second=1000)
    with SimulatorServer(Simulator(config, clock=clock)) as running:
        yield running


def authorize(http: httpx.Client, server: SimulatorServer, state: str = "csrf-123") -> str:
    response = http.get(f"{server.url}/apps/4321/authorize", params={"state": state})
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT.split("?")[0]
    query = parse_qs(location.query)
    assert query["state"] == [state] and query["tenant"] == ["7"]
    return query["code"][0]


def exchange(http: httpx.Client, server: SimulatorServer, code: str, secret: str = DEFAULT_CLIENT_SECRET, as_json: bool = False):
    body = {"client_id": "4321", "client_secret": secret, "grant_type": "authorization_code", "code": code}
    url = f"{server.url}/apps/authorize/token"
    return http.post(url, json=body) if as_json else http.post(url, data=body)


def orders_status(http: httpx.Client, server: SimulatorServer, token: str) -> int:
    headers = {"User-Agent": USER_AGENT, "Authentication": f"bearer {token}"}
    return http.get(f"{server.api_url}/{server.store_id}/orders", headers=headers).status_code


def test_code_exchange_once_and_new_token_replaces_old(server: SimulatorServer, http: httpx.Client) -> None:
    assert orders_status(http, server, server.access_token) == 200
    code = authorize(http, server)
    answer = exchange(http, server, code)
    assert answer.status_code == 200
    token = answer.json()
    assert token["token_type"] == "bearer" and token["scope"] == SCOPE
    assert token["user_id"] == int(server.store_id) and len(token["access_token"]) >= 32
    assert orders_status(http, server, token["access_token"]) == 200
    assert orders_status(http, server, server.access_token) == 401  # the new token invalidated the old one
    again = exchange(http, server, code)
    assert again.status_code == 200 and again.json()["error"] == "invalid_grant"
    assert "used" in again.json()["error_description"] and "access_token" not in again.json()
    second = exchange(http, server, authorize(http, server), as_json=True).json()["access_token"]
    assert orders_status(http, server, second) == 200 and orders_status(http, server, token["access_token"]) == 401


def test_expired_code_is_invalid_grant_with_http_200(server: SimulatorServer, clock: ManualClock, http: httpx.Client) -> None:
    fresh = authorize(http, server)
    clock.advance(29)
    assert exchange(http, server, fresh).status_code == 200 and "access_token" in exchange(http, server, authorize(http, server)).json()
    late = authorize(http, server)
    clock.advance(31)
    answer = exchange(http, server, late)
    assert answer.status_code == 200
    assert answer.json() == {"error": "invalid_grant", "error_description": "The authorization code has expired"}


def test_wrong_secret_unknown_code_and_bad_requests(server: SimulatorServer, http: httpx.Client) -> None:
    code = authorize(http, server)
    wrong = exchange(http, server, code, secret="0" * 48)
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    unknown = exchange(http, server, "not-a-code")
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_grant"
    url = f"{server.url}/apps/authorize/token"
    missing = http.post(url, data={"client_id": "4321", "client_secret": DEFAULT_CLIENT_SECRET})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    grant = http.post(url, json={"client_id": "4321", "client_secret": DEFAULT_CLIENT_SECRET,
                                  "grant_type": "password", "code": code})
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    assert exchange(http, server, code).json()["token_type"] == "bearer"  # the failed tries did not spend the code
    assert http.get(f"{server.url}/apps/999/authorize").status_code == 404


def test_redirect_url_set_at_runtime_and_reinstall_after_uninstall(http: httpx.Client) -> None:
    sim = Simulator(SimulatorConfig(orders=3, now=NOW, client_id="abc", client_secret="s3cr3t"))
    with SimulatorServer(sim) as server:
        assert http.get(f"{server.url}/apps/4321/authorize").status_code == 400  # no redirect URL yet
        settings = http.post(f"{server.url}/_simulator/app", json={"redirect_url": "http://127.0.0.1:9/cb"}).json()
        assert settings["redirect_url"] == "http://127.0.0.1:9/cb" and settings["client_id"] == "abc"
        assert http.post(f"{server.url}/_simulator/app", json={"redirect_url": "http://erp.example/cb"}).status_code == 422
        response = http.get(f"{server.url}/apps/4321/authorize")
        location = response.headers["location"]
        assert location.startswith("http://127.0.0.1:9/cb?code=") and "state" not in location
        sim.uninstall_app()
        assert orders_status(http, server, server.access_token) == 401
        code = parse_qs(urlsplit(location).query)["code"][0]
        with pytest.raises(TokenError) as refused:
            sim.exchange_code("4321", "s3cr3t", code)  # the client id is "abc" here
        assert refused.value.status == 401
        token = sim.exchange_code("abc", "s3cr3t", code)["access_token"]
        assert orders_status(http, server, token) == 200 and sim.stats()["stores"][server.store_id]["installed"] is True
