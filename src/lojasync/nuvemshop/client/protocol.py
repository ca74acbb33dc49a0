"""What the connector's use cases need from a Nuvemshop client: the real one (`NuvemshopClient`) and
the test doubles both have this shape."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from lojasync.nuvemshop.model.store import Store


@dataclass(frozen=True)
class OrdersPage:
    orders: list[dict]
    page: int | None
    next_url: str | None
    total_count: int | None


class StoreClient(Protocol):
    external_store_id: str

    @property
    def api_calls(self) -> int:
        """Requests sent, retries included."""

    @property
    def rate_limited(self) -> int:
        """429 answers seen."""

    def list_orders_page(self, params: Mapping[str, Any] | None = None, *, url: str | None = None) -> OrdersPage:
        """One page of the order list, or the page at `url` (a Link `next` address)."""

    def iter_order_pages(self, params: Mapping[str, Any] | None = None, *, start_page: int = 1
                         ) -> Iterator[OrdersPage]:
        """Non-empty pages of the order list from `start_page` on."""

    def get_order(self, order_id: int | str) -> dict: ...

    def get_store(self) -> dict: ...

    def list_webhooks(self) -> list[dict]: ...

    def create_webhook(self, event: str, url: str) -> dict: ...

    def set_variants_stock(self, product_id: int | str, stock: Mapping[int | str, int]) -> list[dict]:
        """The stock of several variants of one product, in one call."""

    def set_variant_stock(self, product_id: int | str, variant_id: int | str, stock: int) -> dict: ...

    def fulfill_order(self, order_id: int | str, tracking_number: str, tracking_url: str | None = None,
                      notify_customer: bool = True) -> dict: ...

    def find_order_metafields(self, order_id: int | str, namespace: str, key: str) -> list[dict]: ...

    def create_order_metafield(self, order_id: int | str, namespace: str, key: str, value: str,
                               description: str | None = None) -> dict: ...

    def update_metafield(self, metafield_id: int | str, value: str) -> dict: ...

    def delete_metafield(self, metafield_id: int | str) -> None: ...

    def close(self) -> None: ...


ClientFactory = Callable[["Store"], StoreClient]
