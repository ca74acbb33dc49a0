"""Unit tests for the Nuvemshop HTTP client, against httpx.MockTransport with a fake clock."""

from __future__ import annotations

import json
import logging
import math
from decimal import Decimal

import httpx
import pytest

from lojasync.nuvemshop.client import NuvemshopClient
from lojasync.nuvemshop.client import resources as client_module
from lojasync.nuvemshop.client import transport as transport_module
from lojasync.nuvemshop.client.errors import (
    BadRequestError,
    ClientConfigurationError,
    ForbiddenError,
    InvalidResponseError,
    NotFoundError,
    NuvemshopError,
    PaymentRequiredError,
    RateLimitError,
    TemporaryError,
    UnauthorizedError,
)
from lojasync.nuvemshop.client.protocol import OrdersPage, StoreClient
from lojasync.shared.errors import Action
from tests.unit.conftest import FakeTime

TOKEN = "tok-SECRET-9f8e7d6c5b"
API_URL = "https://api.nuvemshop.test/2025-03/"
BASE = "https://api.nuvemshop.test/2025-03/123456"
USER_AGENT = "lojasync-tests (dev@example.com)"




@pytest.fixture
def no_jitter(monkeypatch):
    # The backoff lives in the transport module: patch it where it is looked up.
    monkeypatch.setattr(transport_module, "_full_jitter", lambda ceiling: ceiling)


def make_client(handler, fake: FakeTime, **kwargs) -> NuvemshopClient:
    return NuvemshopClient(
        api_url=API_URL,
        external_store_id="123456",
        access_token=TOKEN,
        user_agent=USER_AGENT,
        transport=httpx.MockTransport(handler),
        sleep=fake.sleep,
        clock=fake.clock,
        **kwargs,
    )


def ok(payload, *, headers=None, status=200) -> httpx.Response:
    return httpx.Response(status, json=payload, headers=headers or {})


# Headers and bodies


def test_get_sends_auth_user_agent_and_accept_headers_without_content_type(fake):
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return ok({"id": 1})

    with make_client(handler, fake) as client:
        client.get_order(1)
    (request,) = seen
    assert request.url == httpx.URL(f"{BASE}/orders/1")
    assert request.headers["Authentication"] == f"bearer {TOKEN}"
    assert "Authorization" not in request.headers
    assert request.headers["User-Agent"] == USER_AGENT
    assert request.headers["Accept"] == "application/json"
    assert "Content-Type" not in request.headers


def test_identifiers_are_one_escaped_path_segment(fake):
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return ok({"id": 1})

    client = make_client(handler, fake)
    client.get_order("12/3 4")
    assert seen[0].url.raw_path == b"/2025-03/123456/orders/12%2F3%204"
    with pytest.raises(ValueError):
        client.get_order(" ")
    assert client.api_calls == 1


def test_create_webhook_posts_event_and_url(fake):
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return ok({"id": 101, "event": "order/paid", "url": "https://erp.example/hook"}, status=201)

    client = make_client(handler, fake)
    created = client.create_webhook("order/paid", "https://erp.example/hook")
    assert created["id"] == 101
    assert seen[0].method == "POST"
    assert seen[0].url.path.endswith("/123456/webhooks")
    assert seen[0].headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(seen[0].content) == {"event": "order/paid", "url": "https://erp.example/hook"}


def test_list_webhooks_returns_the_list(fake):
    client = make_client(lambda request: ok([{"id": 1, "event": "order/created"}]), fake)
    assert client.list_webhooks() == [{"id": 1, "event": "order/created"}]


@pytest.mark.parametrize(
    ("settings", "expected_text", "action"),
    [
        ({"api_url": " "}, "API da Nuvemshop", Action.CONFIGURE),
        ({"external_store_id": ""}, "Id da loja", Action.RECONNECT_STORE),
        ({"access_token": ""}, "Token de acesso da Nuvemshop não informado.", Action.RECONNECT_STORE),
        ({"user_agent": " "}, "User-Agent", Action.CONFIGURE),
    ],
)
def test_missing_configuration_is_a_client_configuration_error(settings, expected_text, action):
    arguments = {"api_url": API_URL, "external_store_id": "1", "access_token": TOKEN, "user_agent": USER_AGENT}
    with pytest.raises(ClientConfigurationError) as info:
        NuvemshopClient(**{**arguments, **settings})
    error = info.value
    assert expected_text in error.message
    assert error.action is action
    assert error.resolution
    assert "lojasync store" not in error.message + error.resolution  # the product's words, not a CLI's


def test_erased_token_tells_the_merchant_to_reconnect():
    with pytest.raises(ClientConfigurationError) as info:
        NuvemshopClient(api_url=API_URL, external_store_id="1", access_token="", user_agent=USER_AGENT)
    assert info.value.message == "Token de acesso da Nuvemshop não informado."
    assert info.value.resolution == "Reconecte a loja: reinstale o app na loja ou cadastre o token de acesso novo."


def test_negative_max_retries_is_a_programming_error():
    with pytest.raises(ValueError):
        NuvemshopClient(
            api_url=API_URL, external_store_id="1", access_token=TOKEN, user_agent=USER_AGENT, max_retries=-1
        )


def test_exposes_the_external_store_id_and_satisfies_the_store_client_protocol(fake):
    client: StoreClient = make_client(lambda request: ok({}), fake)
    assert client.external_store_id == "123456"
    assert not hasattr(client, "store_id")
    assert (client.api_calls, client.rate_limited) == (0, 0)
    for name in ("list_orders_page", "iter_order_pages", "get_order", "list_webhooks", "create_webhook", "close"):
        assert callable(getattr(client, name))


def test_token_never_appears_in_client_repr(fake):
    client = make_client(lambda request: ok({}), fake)
    assert TOKEN not in repr(client)
    assert TOKEN not in repr(vars(client))


# Decoding


def test_decimals_are_never_floats(fake):
    raw = b'[{"id": 1, "total": "5190.00", "weight": 1.10, "products": [{"price": 12.5, "quantity": 2}]}]'

    client = make_client(lambda request: httpx.Response(200, content=raw), fake)
    (order,) = client.list_orders_page().orders
    assert order["total"] == "5190.00"
    assert order["weight"] == Decimal("1.10")
    assert str(order["weight"]) == "1.10"
    assert order["products"][0]["price"] == Decimal("12.5")
    assert order["products"][0]["quantity"] == 2
    assert isinstance(order["products"][0]["quantity"], int)


def test_non_json_success_raises_invalid_response(fake):
    client = make_client(lambda request: httpx.Response(200, text="<html>manutenção</html>"), fake)
    with pytest.raises(InvalidResponseError) as info:
        client.get_order(5)
    assert "não é JSON" in info.value.message
    assert info.value.retryable is False


def test_unexpected_shape_raises_invalid_response(fake):
    client = make_client(lambda request: ok({"orders": []}), fake)
    with pytest.raises(InvalidResponseError, match="lista de pedidos"):
        client.list_orders_page()


def test_nan_in_json_is_rejected(fake):
    client = make_client(lambda request: httpx.Response(200, content=b'{"id": 1, "total": NaN}'), fake)
    with pytest.raises(InvalidResponseError):
        client.get_order(1)


# Pagination


def test_per_page_defaults_to_200_and_params_are_encoded(fake):
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return ok([], headers={"X-Total-Count": "0"})

    client = make_client(handler, fake)
    page = client.list_orders_page({"status": "any", "customer_ids": [1, 2], "total_min": Decimal("10.50")})
    params = seen[0].url.params
    assert params["per_page"] == "200"
    assert params["status"] == "any"
    assert params["customer_ids"] == "1,2"
    assert params["total_min"] == "10.50"
    assert page == OrdersPage(orders=[], page=1, next_url=None, total_count=0)
    client.list_orders_page({"per_page": 50})
    assert seen[1].url.params["per_page"] == "50"


def paged_handler(seen: list[httpx.Request], pages: dict[int, list[dict]], *, last: int):
    def handler(request):
        seen.append(request)
        number = int(request.url.params.get("page", "1"))
        links = []
        if number < last:
            links.append(f'<{BASE}/orders?page={number + 1}&per_page=2&cursor=x>; rel="next"')
        links.append(f'<{BASE}/orders?page={last}&per_page=2>; rel="last"')
        return ok(pages[number], headers={"Link": ", ".join(links), "X-Total-Count": "5"})

    return handler


def test_iter_order_pages_follows_link_next_across_three_pages(fake):
    seen: list[httpx.Request] = []
    pages = {1: [{"id": 1}, {"id": 2}], 2: [{"id": 3}, {"id": 4}], 3: [{"id": 5}]}
    client = make_client(paged_handler(seen, pages, last=3), fake)

    result = list(client.iter_order_pages({"per_page": 2}))

    assert [order["id"] for page in result for order in page.orders] == [1, 2, 3, 4, 5]
    assert [page.page for page in result] == [1, 2, 3]
    assert [page.total_count for page in result] == [5, 5, 5]
    assert result[-1].next_url is None
    # The next URL is followed as given, extra parameters included.
    assert seen[1].url.params["cursor"] == "x"
    assert client.api_calls == 3


def test_iter_order_pages_can_start_from_a_later_page(fake):
    seen: list[httpx.Request] = []
    pages = {3: [{"id": 5}, {"id": 6}], 4: [{"id": 7}]}
    client = make_client(paged_handler(seen, pages, last=4), fake)

    result = list(client.iter_order_pages({"status": "open", "page": 1}, start_page=3))

    assert seen[0].url.params["page"] == "3"
    assert seen[0].url.params["status"] == "open"
    assert [page.page for page in result] == [3, 4]
    assert [o["id"] for page in result for o in page.orders] == [5, 6, 7]


def last_page_404(n: int) -> httpx.Response:
    return httpx.Response(404, json={"code": 404, "message": "Not Found", "description": f"Last page is {n}"})


def test_404_last_page_on_a_later_page_ends_iteration(fake):
    def handler(request):
        number = int(request.url.params["page"])
        if number == 1:
            return ok([{"id": 1}], headers={"Link": f'<{BASE}/orders?page=2>; rel="next"'})
        return last_page_404(1)

    client = make_client(handler, fake)
    result = list(client.iter_order_pages())
    assert [page.page for page in result] == [1]
    assert client.api_calls == 2


def test_404_last_page_on_page_one_means_no_orders(fake):
    client = make_client(lambda request: last_page_404(0), fake)
    assert list(client.iter_order_pages()) == []
    assert client.list_orders_page() == OrdersPage(orders=[], page=1, next_url=None, total_count=0)


def test_plain_404_on_orders_is_still_an_error(fake):
    client = make_client(lambda request: httpx.Response(404, json={"error": "Store not found"}), fake)
    with pytest.raises(NotFoundError, match="Store not found"):
        list(client.iter_order_pages())


def test_without_link_header_a_full_page_leads_to_the_next_page_number(fake):
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        number = int(request.url.params["page"])
        if number <= 2:
            return ok([{"id": number * 10}, {"id": number * 10 + 1}])
        return last_page_404(2)

    client = make_client(handler, fake)
    result = list(client.iter_order_pages({"per_page": 2}))
    assert [o["id"] for page in result for o in page.orders] == [10, 11, 20, 21]
    assert [request.url.params["page"] for request in seen] == ["1", "2", "3"]


def test_link_next_to_another_host_is_refused(fake):
    def handler(request):
        return ok([{"id": 1}], headers={"Link": '<https://evil.example/orders?page=2>; rel="next"'})

    client = make_client(handler, fake)
    with pytest.raises(InvalidResponseError, match="outro endereço"):
        client.list_orders_page()


# Rate limiting


def test_429_waits_per_reset_header_then_retries(fake):
    answers = iter(
        [
            httpx.Response(
                429,
                json={"code": 429, "message": "Too Many Requests"},
                headers={"x-rate-limit-limit": "40", "x-rate-limit-remaining": "0", "x-rate-limit-reset": "8000"},
            ),
            ok({"id": 7}, headers={"x-rate-limit-limit": "40", "x-rate-limit-remaining": "1"}),
        ]
    )
    client = make_client(lambda request: next(answers), fake)

    assert client.get_order(7) == {"id": 7}
    assert fake.sleeps == [pytest.approx(8.0 / 40)]
    assert client.rate_limited == 1
    assert client.api_calls == 2


def test_429_without_headers_waits_half_a_second(fake):
    answers = iter([httpx.Response(429), httpx.Response(429), ok({"id": 7})])
    client = make_client(lambda request: next(answers), fake, max_retries=0)

    assert client.get_order(7) == {"id": 7}
    assert fake.sleeps == [pytest.approx(0.5), pytest.approx(0.5)]
    assert client.rate_limited == 2


def test_endless_429_gives_up_with_rate_limit_error(fake):
    client = make_client(lambda request: httpx.Response(429), fake)
    with pytest.raises(RateLimitError) as info:
        client.get_order(7)
    assert client.rate_limited == client_module.MAX_CONSECUTIVE_RATE_LIMITS + 1
    assert client.api_calls == client_module.MAX_CONSECUTIVE_RATE_LIMITS + 1
    assert info.value.retryable is True
    assert info.value.status_code == 429
    assert "429" in info.value.message


def test_throttles_proactively_when_remaining_reaches_zero(fake):
    headers = {"x-rate-limit-limit": "40", "x-rate-limit-remaining": "0", "x-rate-limit-reset": "20000"}
    client = make_client(lambda request: ok({"id": 1}, headers=headers), fake)

    client.get_order(1)
    assert fake.sleeps == []
    client.get_order(1)
    assert fake.sleeps == [pytest.approx(20.0 / 40)]
    assert client.rate_limited == 0


def test_never_sleeps_while_remaining_is_plenty(fake):
    headers = {"x-rate-limit-limit": "40", "x-rate-limit-remaining": "25", "x-rate-limit-reset": "7500"}
    client = make_client(lambda request: ok({"id": 1}, headers=headers), fake)
    for _ in range(200):
        client.get_order(1)
    assert fake.sleeps == []
    assert client.api_calls == 200


def test_backfill_against_a_simulated_bucket_stays_near_the_theoretical_floor(fake):
    capacity, leak_per_s, latency = 40, 2.0, 0.03
    bucket = {"level": 0.0, "at": fake.now}

    def handler(request):
        fake.now += latency
        bucket["level"] = max(0.0, bucket["level"] - (fake.now - bucket["at"]) * leak_per_s)
        bucket["at"] = fake.now
        over = bucket["level"] + 1 > capacity + 1e-9
        if not over:
            bucket["level"] += 1
        headers = {
            "x-rate-limit-limit": str(capacity),
            "x-rate-limit-remaining": str(max(0, math.floor(capacity - bucket["level"]))),
            "x-rate-limit-reset": str(math.ceil(bucket["level"] / leak_per_s * 1000)),
        }
        return httpx.Response(429 if over else 200, json=[] if over else {"id": 1}, headers=headers)

    client = make_client(handler, fake)
    started = fake.now
    requests = 300
    for _ in range(requests):
        client.get_order(1)

    floor = (requests - capacity) / leak_per_s
    assert client.rate_limited == 0
    assert client.api_calls == requests
    assert fake.now - started <= 1.2 * floor


# Retries


def test_5xx_is_retried_with_capped_exponential_backoff_then_temporary_error(fake, no_jitter):
    client = make_client(
        lambda request: httpx.Response(503, json={"error": "Service Unavailable"}), fake, max_retries=3
    )
    with pytest.raises(TemporaryError) as info:
        client.get_order(1)
    assert client.api_calls == 4
    assert fake.sleeps == [0.5, 1.0, 2.0]
    error = info.value
    assert error.retryable is True
    assert error.status_code == 503
    assert "após 4 tentativa(s)" in error.message
    assert "Service Unavailable" in error.message
    assert error.resolution


def test_backoff_is_capped_at_30_seconds(fake, no_jitter):
    client = make_client(lambda request: httpx.Response(500), fake, max_retries=9)
    with pytest.raises(TemporaryError):
        client.get_order(1)
    assert fake.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_backoff_uses_full_jitter_within_the_ceiling(fake):
    client = make_client(lambda request: httpx.Response(502), fake, max_retries=5)
    with pytest.raises(TemporaryError):
        client.get_order(1)
    ceilings = [0.5, 1.0, 2.0, 4.0, 8.0]
    assert len(fake.sleeps) == 5
    assert all(0.0 <= slept <= ceiling for slept, ceiling in zip(fake.sleeps, ceilings, strict=True))


def test_5xx_then_success_returns_the_answer(fake, no_jitter):
    answers = iter([httpx.Response(500), httpx.Response(504), ok({"id": 3})])
    client = make_client(lambda request: next(answers), fake)
    assert client.get_order(3) == {"id": 3}
    assert fake.sleeps == [0.5, 1.0]
    assert client.api_calls == 3


def test_timeout_is_retried(fake, no_jitter):
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        return ok({"id": 9})

    client = make_client(handler, fake)
    assert client.get_order(9) == {"id": 9}
    assert client.api_calls == 2
    assert fake.sleeps == [0.5]


def test_persistent_connection_errors_become_temporary_error(fake, no_jitter):
    def handler(request):
        raise httpx.ConnectError("connection refused", request=request)

    client = make_client(handler, fake, max_retries=2)
    with pytest.raises(TemporaryError, match="falha de conexão") as info:
        client.get_order(9)
    assert info.value.status_code is None
    assert client.api_calls == 3


def test_post_is_not_resent_after_a_5xx_or_read_timeout(fake):
    client = make_client(lambda request: httpx.Response(500), fake)
    with pytest.raises(TemporaryError):
        client.create_webhook("order/paid", "https://erp.example/hook")
    assert client.api_calls == 1

    def timeout(request):
        raise httpx.ReadTimeout("timed out", request=request)

    client = make_client(timeout, fake)
    with pytest.raises(TemporaryError):
        client.create_webhook("order/paid", "https://erp.example/hook")
    assert client.api_calls == 1


# Error mapping


@pytest.mark.parametrize(
    ("status", "body", "error_type", "expected_text"),
    [
        (401, {"error": f"Invalid access token {TOKEN}"}, UnauthorizedError, "Token de acesso recusado"),
        (403, {"error": "Forbidden"}, ForbiddenError, "permiss"),
        (
            402,
            {"code": 402, "message": "Payment Required", "description": "Store is suspended"},
            PaymentRequiredError,
            "suspens",
        ),
        (404, {"code": 404, "message": "Not Found", "description": "Order not found"}, NotFoundError, "não encontrado"),
        (422, {"email": ["can't be blank"], "url": ["is invalid"]}, BadRequestError, "email: can't be blank"),
        (415, {"error": "Unsupported Media Type"}, BadRequestError, "rejeitou"),
        (400, {"error": "User-Agent header is required"}, BadRequestError, "User-Agent header is required"),
    ],
)
def test_http_errors_map_to_typed_portuguese_errors(fake, status, body, error_type, expected_text):
    client = make_client(lambda request: httpx.Response(status, json=body), fake)
    with pytest.raises(error_type) as info:
        client.get_order(1)
    error = info.value
    assert isinstance(error, NuvemshopError)
    assert error.status_code == status
    assert error.retryable is False
    assert expected_text in error.message
    assert error.resolution
    for text in (str(error), repr(error), error.message, error.resolution, json.dumps(error.body)):
        assert TOKEN not in text
    assert client.api_calls == 1  # client errors are never retried


def test_401_message_tells_the_merchant_what_to_do(fake):
    client = make_client(lambda request: httpx.Response(401, json={"error": "Unauthorized"}), fake)
    with pytest.raises(UnauthorizedError) as info:
        client.get_order(1)
    assert info.value.message.startswith(
        "Token de acesso recusado pela Nuvemshop (401). O app pode ter sido desinstalado ou o token trocado"
    )
    assert "123456" in info.value.message
    assert info.value.resolution.startswith("Reconecte a loja")
    assert info.value.action is Action.RECONNECT_STORE


def test_payment_required_is_distinct_and_not_retryable(fake):
    client = make_client(lambda request: httpx.Response(402, json={"error": "Payment Required"}), fake)
    with pytest.raises(PaymentRequiredError) as info:
        client.list_webhooks()
    assert not isinstance(info.value, (UnauthorizedError, TemporaryError))
    assert info.value.retryable is False
    assert "sincronize de novo" in info.value.resolution


def test_422_exposes_field_errors(fake):
    body = {"url": ["is invalid"], "event": {"0": {"name": ["is unknown"]}}}
    client = make_client(lambda request: httpx.Response(422, json=body), fake)
    with pytest.raises(BadRequestError) as info:
        client.create_webhook("order/paid", "not a url")
    assert info.value.field_errors == {"url": ["is invalid"], "event.0.name": ["is unknown"]}
    assert info.value.body == body


def test_non_json_error_body_is_kept_as_text(fake):
    client = make_client(lambda request: httpx.Response(400, text=f"bad request for {TOKEN}"), fake)
    with pytest.raises(BadRequestError) as info:
        client.get_order(1)
    assert "bad request for ***" in info.value.message
    assert TOKEN not in str(info.value.body)


# Logging


def test_logs_are_structured_and_never_contain_the_token(fake, caplog, no_jitter):
    answers = iter([httpx.Response(500, json={"error": f"boom {TOKEN}"}), httpx.Response(401, json={"error": TOKEN})])
    client = make_client(lambda request: next(answers), fake)
    with caplog.at_level(logging.DEBUG, logger="lojasync.nuvemshop"), pytest.raises(UnauthorizedError):
        client.get_order(1)
    records = [r for r in caplog.records if r.name == "lojasync.nuvemshop"]
    retry = next(r for r in records if r.levelno == logging.WARNING and getattr(r, "status", None) == 500)
    assert (retry.external_store_id, retry.method, retry.path, retry.attempt) == ("123456", "GET", "/2025-03/123456/orders/1", 1)
    for record in records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in repr(record.__dict__)


def test_stock_is_written_per_product_in_one_patch_or_per_variant_by_put(fake):
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return ok([{"id": 601, "stock": 5}] if request.method == "PATCH" else {"id": 602, "stock": 0})

    client = make_client(handler, fake)
    client.set_variants_stock("501", {"601": 5, "602": 0})
    client.set_variant_stock(501, 602, 0)
    assert [(r.method, r.url.path.removeprefix("/2025-03/123456")) for r in seen] == [
        ("PATCH", "/products/501/variants"), ("PUT", "/products/501/variants/602")]
    assert json.loads(seen[0].content) == [{"id": 601, "stock": 5}, {"id": 602, "stock": 0}]   # ids as numbers
    assert json.loads(seen[1].content) == {"stock": 0}


def test_order_metafields_are_found_created_changed_and_deleted(fake):
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        if request.method in ("GET", "DELETE"):
            return ok([] if request.method == "GET" else {})
        return ok({"id": 77, "value": "x"}, status=201 if request.method == "POST" else 200)

    client = make_client(handler, fake)
    assert client.find_order_metafields(1700000100, "nfe", "key") == []
    assert client.create_order_metafield("1700000100", "nfe", "key", "3" * 44, description="Chave")["id"] == 77
    client.update_metafield(77, "4" * 44)
    client.delete_metafield(77)
    assert [(r.method, r.url.path.removeprefix("/2025-03/123456")) for r in seen] == [
        ("GET", "/metafields/orders"), ("POST", "/metafields"), ("PUT", "/metafields/77"), ("DELETE", "/metafields/77")]
    assert dict(seen[0].url.params) == {"owner_id": "1700000100", "namespace": "nfe", "key": "key"}
    assert json.loads(seen[1].content) == {"namespace": "nfe", "key": "key", "value": "3" * 44,
                                           "owner_resource": "Order", "owner_id": 1700000100, "description": "Chave"}
    assert json.loads(seen[2].content) == {"value": "4" * 44}


def test_an_order_is_fulfilled_with_its_tracking_through_api_v1_whatever_the_configured_version(fake):
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return ok({"id": 1700000100, "shipping_status": "shipped"})

    client = make_client(handler, fake)
    assert client.fulfill_order("1700000100", "AA123456789BR", "https://rastreio.example/AA1")["id"] == 1700000100
    client.fulfill_order(1700000100, "BB1", None, notify_customer=False)
    # The store's api_url names 2025-03; fulfill is a v1 call (2025-03 moved shipping to fulfillment orders).
    assert [(r.method, r.url.host, r.url.path) for r in seen] == [
        ("POST", httpx.URL(API_URL).host, "/v1/123456/orders/1700000100/fulfill")] * 2
    assert json.loads(seen[0].content) == {"shipping_tracking_number": "AA123456789BR", "notify_customer": True,
                                           "shipping_tracking_url": "https://rastreio.example/AA1"}
    assert json.loads(seen[1].content) == {"shipping_tracking_number": "BB1", "notify_customer": False}
    assert seen[0].headers["Authentication"] == f"bearer {TOKEN}"


def test_an_order_metafield_answered_as_one_object_is_a_list_of_one(fake):
    """review: the platform's own example ("Read an invoice") answers the filtered query with one object; taken as
    an invalid answer, every NF-e key was retried for good."""
    found = {"id": 77, "namespace": "nfe", "key": "key", "value": "3" * 44, "owner_id": 1700000100}
    client = make_client(lambda request: ok(found), fake)
    assert client.find_order_metafields(1700000100, "nfe", "key") == [found]
