"""The Nuvemshop REST resources the connector uses (orders, webhooks, variant stock, order metafields), on top
of `NuvemshopTransport`."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from lojasync.nuvemshop.client.errors import InvalidResponseError, NotFoundError, NuvemshopError, error_detail
from lojasync.nuvemshop.client.json_codec import int_or_none
from lojasync.nuvemshop.client.protocol import OrdersPage
from lojasync.nuvemshop.client.rate_limit import RateLimitGate
from lojasync.nuvemshop.client.transport import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    MAX_CONSECUTIVE_RATE_LIMITS,
    NuvemshopTransport,
    backoff_delay,
)

# The retry settings are re-exported: callers and tests have always read them from here.
__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "DEFAULT_PER_PAGE",
    "MAX_CONSECUTIVE_RATE_LIMITS",
    "NuvemshopClient",
    "OrdersPage",
    "backoff_delay",
]

logger = logging.getLogger("lojasync.nuvemshop")

DEFAULT_PER_PAGE = 200
_LAST_PAGE = re.compile(r"last page is\s*(\d+)", re.IGNORECASE)


class NuvemshopClient:
    """The `StoreClient` of one Nuvemshop store; ``transport`` is an httpx transport for tests."""

    def __init__(
        self,
        *,
        api_url: str,
        external_store_id: str,
        access_token: str,
        user_agent: str,
        timeout: float = 30.0,
        max_retries: int = 5,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        gate: RateLimitGate | None = None,
        on_close: Callable[[NuvemshopClient], None] | None = None,
    ) -> None:
        self._transport = NuvemshopTransport(
            api_url=api_url,
            external_store_id=external_store_id,
            access_token=access_token,
            user_agent=user_agent,
            timeout=timeout,
            max_retries=max_retries,
            http_transport=transport,
            sleep=sleep,
            clock=clock,
            gate=gate,
        )
        self.external_store_id = self._transport.external_store_id
        self.base_url = self._transport.base_url
        self._base = httpx.URL(self.base_url)
        self._on_close = on_close

    @property
    def api_calls(self) -> int:
        """Requests sent, retries included."""
        return self._transport.api_calls

    @property
    def rate_limited(self) -> int:
        """429 answers seen."""
        return self._transport.rate_limited

    def __repr__(self) -> str:
        return f"NuvemshopClient(base_url={self.base_url!r}, external_store_id={self.external_store_id!r})"

    def __enter__(self) -> NuvemshopClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._transport.close()
        if self._on_close is not None:
            on_close, self._on_close = self._on_close, None
            on_close(self)

    # Orders

    def list_orders_page(self, params: Mapping[str, Any] | None = None, *, url: str | None = None) -> OrdersPage:
        """One page of ``GET /orders``, or the page at ``url`` (a Link ``next`` URL, followed as is)."""
        if url is not None:
            if params:
                raise ValueError("Informe params ou url, não os dois")
            target = httpx.URL(url)
            if not self._same_origin(target):
                raise ValueError(f"URL de paginação fora da API da Nuvemshop configurada: {target.host}")
            query: dict[str, Any] | None = None
            page = int_or_none(target.params.get("page", "1"))
            per_page = int_or_none(target.params.get("per_page"))
        else:
            query = {"per_page": DEFAULT_PER_PAGE, **(params or {})}
            target = self._url("orders")
            page = int_or_none(query.get("page", 1))
            per_page = int_or_none(query.get("per_page"))

        try:
            response = self._transport.request("GET", target, params=query)
        except NotFoundError as exc:
            last_page = _last_page(exc)
            if last_page is None:
                raise
            logger.info(
                "Página além da última na listagem de pedidos",
                extra=self._transport.log_extra("GET", target.path, status=404, page=page, last_page=last_page),
            )
            return OrdersPage(orders=[], page=page, next_url=None, total_count=0 if page == 1 else None)

        orders = self._transport.decode(response, "GET", target.path)
        if not isinstance(orders, list) or not all(isinstance(order, dict) for order in orders):
            raise _shape_error("GET", target.path, "uma lista de pedidos", orders)
        total_count = int_or_none(response.headers.get("x-total-count"))
        return OrdersPage(
            orders=orders,
            page=page,
            next_url=self._next_url(response, page=page, per_page=per_page, count=len(orders), total=total_count),
            total_count=total_count,
        )

    def iter_order_pages(
        self, params: Mapping[str, Any] | None = None, *, start_page: int = 1
    ) -> Iterator[OrdersPage]:
        """Non-empty pages of ``GET /orders`` from ``start_page`` (overrides any ``page`` in params) on.

        Pages are numbered positions in a list that changes while it is read: an order that leaves it from a page
        already read (a store cancellation voids its payment, and the default listing leaves voided orders out)
        moves every later order back, and the first ones of the next page slide onto the page just read. Read by
        number only, they were never seen, and an incremental run skips them too, as they did not change (review).
        When the total shrinks between two pages, the pages the shift reached are read again (an order seen twice
        is imported once); a total that grows (a new order, at the end) shifts nothing back."""
        query = {**(params or {}), "page": start_page}
        per_page = int_or_none(query.get("per_page")) or DEFAULT_PER_PAGE
        page = self.list_orders_page(query)
        seen: set[str] = set()
        while page.orders:
            yield page
            # A server that links a page to itself (or back) would otherwise page forever.
            if page.next_url is None or page.next_url in seen:
                return
            seen.add(page.next_url)
            following = self.list_orders_page(url=page.next_url)
            shrunk = 0
            if page.total_count is not None and following.total_count is not None:
                shrunk = page.total_count - following.total_count
            elif not following.orders and page.page is not None and page.total_count is not None:
                # The next page is gone (404 past the last one) while the total read with this page promised more:
                # the list shrank since by at least what that page was to hold.
                shrunk = page.total_count - page.page * per_page
            if page.page is not None and shrunk > 0:
                back = -(-shrunk // per_page)
                for number in range(max(1, page.page - back + 1), page.page + 1):
                    again = self.list_orders_page({**query, "page": number})
                    if again.orders:
                        yield again
            page = following

    def get_order(self, order_id: int | str) -> dict:
        return self._get_object(self._url("orders", order_id))

    def get_store(self) -> dict:
        """`GET /store`: the store itself (id, name, ...); one cheap call that proves id, token and address."""
        return self._get_object(self._url("store"))

    # Webhooks

    def list_webhooks(self) -> list[dict]:
        target = self._url("webhooks")
        data = self._transport.decode(self._transport.request("GET", target), "GET", target.path)
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise _shape_error("GET", target.path, "uma lista de webhooks", data)
        return data

    def create_webhook(self, event: str, url: str) -> dict:
        target = self._url("webhooks")
        response = self._transport.request("POST", target, json_body={"event": event, "url": url})
        return _expect_object(self._transport.decode(response, "POST", target.path), "POST", target.path)

    # Writing back: variant stock and order metafields

    def set_variants_stock(self, product_id: int | str, stock: Mapping[int | str, int]) -> list[dict]:
        """`PATCH /products/{id}/variants` with `[{id, stock}]`: the stock of several variants of one product in
        one call. (Never `PUT` the collection: it deletes the variants missing from the body.)"""
        target = self._url("products", product_id, "variants")
        body = [{"id": _numeric(vid), "stock": quantity} for vid, quantity in stock.items()]
        response = self._transport.request("PATCH", target, json_body=body)
        data = self._transport.decode(response, "PATCH", target.path)
        if not isinstance(data, list):
            raise _shape_error("PATCH", target.path, "uma lista de variantes", data)
        return data

    def set_variant_stock(self, product_id: int | str, variant_id: int | str, stock: int) -> dict:
        """`PUT /products/{id}/variants/{variant_id}` with `{"stock": N}`: one variant."""
        target = self._url("products", product_id, "variants", variant_id)
        response = self._transport.request("PUT", target, json_body={"stock": stock})
        return _expect_object(self._transport.decode(response, "PUT", target.path), "PUT", target.path)

    def find_order_metafields(self, order_id: int | str, namespace: str, key: str) -> list[dict]:
        """`GET /metafields/orders?owner_id=...&namespace=...&key=...`: the order's metafields under that name."""
        target = self._url("metafields", "orders")
        params = {"owner_id": order_id, "namespace": namespace, "key": key}
        data = self._transport.decode(self._transport.request("GET", target, params=params), "GET", target.path)
        # The documentation's own example ("Read an invoice") answers this filtered query with one object: taken
        # as a list of one (else every NF-e key was retried for good as an "invalid answer").
        if isinstance(data, dict) and "id" in data:
            data = [data]
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise _shape_error("GET", target.path, "uma lista de metafields", data)
        return data

    def create_order_metafield(self, order_id: int | str, namespace: str, key: str, value: str,
                               description: str | None = None) -> dict:
        """`POST /metafields` with `owner_resource: "Order"`."""
        target = self._url("metafields")
        body = {"namespace": namespace, "key": key, "value": value, "owner_resource": "Order",
                "owner_id": _numeric(order_id)}
        if description:
            body["description"] = description
        response = self._transport.request("POST", target, json_body=body)
        return _expect_object(self._transport.decode(response, "POST", target.path), "POST", target.path)

    def update_metafield(self, metafield_id: int | str, value: str) -> dict:
        target = self._url("metafields", metafield_id)
        response = self._transport.request("PUT", target, json_body={"value": value})
        return _expect_object(self._transport.decode(response, "PUT", target.path), "PUT", target.path)

    def delete_metafield(self, metafield_id: int | str) -> None:
        self._transport.request("DELETE", self._url("metafields", metafield_id))

    def fulfill_order(self, order_id: int | str, tracking_number: str, tracking_url: str | None = None,
                      notify_customer: bool = True) -> dict:
        """`POST /orders/{id}/fulfill` of API v1, whatever version the store's api_url names: the order shipped,
        with its tracking code (`shipping_tracking_number`, `shipping_tracking_url`, `notify_customer`).

        Version 2025-03 moves shipping to fulfillment orders; the call that marks one shipped with its tracking
        could not be confirmed in Nuvemshop's documentation (only in third-party tools), while this one is
        documented (TiendaNube/api-docs, resources/order.md, "POST /orders/#{id}/fulfill") and still served
        under /v1. Move to fulfillment orders once their tracking call is documented."""
        target = self._v1_url("orders", order_id, "fulfill")
        body: dict[str, Any] = {"shipping_tracking_number": tracking_number, "notify_customer": notify_customer}
        if tracking_url:
            body["shipping_tracking_url"] = tracking_url
        response = self._transport.request("POST", target, json_body=body)
        return _expect_object(self._transport.decode(response, "POST", target.path), "POST", target.path)

    # Helpers

    def _v1_url(self, *segments: int | str) -> httpx.URL:
        """`_url` under API v1: the version is the segment before the store id (`.../2025-03/{store_id}`)."""
        head, _version, store = self.base_url.rsplit("/", 2)
        return httpx.URL(f"{head}/v1/{store}/{self._path(segments)}")

    def _get_object(self, url: httpx.URL) -> dict:
        response = self._transport.request("GET", url)
        return _expect_object(self._transport.decode(response, "GET", url.path), "GET", url.path)

    def _url(self, *segments: int | str) -> httpx.URL:
        return httpx.URL(f"{self.base_url}/{self._path(segments)}")

    @staticmethod
    def _path(segments: tuple[int | str, ...]) -> str:
        parts = []
        for segment in segments:
            text = str(segment).strip()
            if not text:
                raise ValueError("Identificador vazio na URL da Nuvemshop")
            # An id or SKU with "/" or "?" must stay one path segment.
            parts.append(quote(text, safe=""))
        return "/".join(parts)

    def _same_origin(self, url: httpx.URL) -> bool:
        return (url.scheme, url.host, url.port) == (self._base.scheme, self._base.host, self._base.port)

    def _next_url(
        self, response: httpx.Response, *, page: int | None, per_page: int | None, count: int, total: int | None
    ) -> str | None:
        link = response.headers.get("link")
        if link is None:
            # Without any Link header, a full page is the only hint that more may follow; an overshoot
            # is answered with 404 "Last page is N", which ends the listing cleanly.
            if page is None or not per_page or count < per_page:
                return None
            if total is not None and page * per_page >= total:
                return None
            return str(response.request.url.copy_set_param("page", page + 1))
        href = response.links.get("next", {}).get("url")
        if not href:
            return None
        next_url = response.request.url.join(href)
        if not self._same_origin(next_url):
            raise InvalidResponseError(
                f"A Nuvemshop indicou uma próxima página fora da API configurada ({next_url.host}); "
                "a paginação foi interrompida para não enviar o token a outro endereço.",
                status_code=response.status_code,
                resolution="Confira se a api_url configurada é a da Nuvemshop (ou do simulador) correta.",
                method="GET",
                path=response.request.url.path,
            )
        return str(next_url)


def _numeric(value: int | str) -> int | str:
    """Ids go in bodies as the API sends them: numbers."""
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() else text


def _expect_object(data: Any, method: str, path: str) -> dict:
    if not isinstance(data, dict):
        raise _shape_error(method, path, "um objeto", data)
    return data


def _shape_error(method: str, path: str, expected: str, data: Any) -> InvalidResponseError:
    return InvalidResponseError(
        f"Resposta inesperada da Nuvemshop em {method} {path}: esperava {expected}, "
        f"veio {type(data).__name__}.",
        resolution="Confira se a api_url e a versão da API configuradas estão corretas.",
        method=method,
        path=path,
    )


def _last_page(error: NuvemshopError) -> int | None:
    """N from the 404 "Last page is N" that answers a page past the end of a listing."""
    match = _LAST_PAGE.search(error_detail(error.body)) or _LAST_PAGE.search(error.message)
    return int(match.group(1)) if match else None
