"""Bindings: Nuvemshop ids to ERP rows (OCA connector style). External ids live only here; ERP tables
carry no Nuvemshop columns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

# Class defaults below serve unmapped use (the in-memory fakes); mapped, the ORM supplies the same.


class OrderBinding:
    id: int | None
    store_id: int
    external_id: str
    external_number: str | None = None
    order_id: int | None = None
    order: Any = None   # the ERP order (sales)
    store_status: str | None = None
    store_payment_status: str | None = None
    store_shipping_status: str | None = None
    store_cancel_reason: str | None = None
    store_updated_at: datetime | None = None
    payload_hash: str | None = None
    synced_at: datetime | None = None
    redacted_at: datetime | None = None

    def __init__(self, store_id: int, external_id: str) -> None:
        self.store_id = store_id
        self.external_id = external_id


class CustomerBinding:
    id: int | None
    store_id: int
    external_id: str
    customer_id: int
    customer: Any = None   # the ERP customer (sales)

    def __init__(self, store_id: int, external_id: str, customer_id: int | None = None) -> None:
        self.store_id = store_id
        self.external_id = external_id
        if customer_id is not None:
            self.customer_id = customer_id


class ProductBinding:
    id: int | None
    store_id: int
    external_variant_id: str
    external_product_id: str | None
    product_id: int
    product: Any = None   # the ERP product (stock)
    # When the order whose line's SKU last bound the variant (or confirmed it) was placed; None: not known.
    sku_order_placed_at: datetime | None = None
    # When the store answered that the variant no longer exists (404): its stock is no longer sent. None: it does.
    gone_at: datetime | None = None

    def __init__(self, store_id: int, external_variant_id: str, external_product_id: str | None) -> None:
        self.store_id = store_id
        self.external_variant_id = external_variant_id
        self.external_product_id = external_product_id

    def follows_sku_of(self, placed_at: datetime | None) -> bool:
        """Whether a line of an order placed at `placed_at` may bind the variant to its SKU's product. A store line
        keeps the SKU it was sold with: the merchant renamed the variant's SKU (A to B), a new order bound it to B,
        and then an older order paid, shipped or read again bound it back to A, and the store got A's stock
        (review: B had 3, the store offered 10). An order placed later, or at the same time, may."""
        return self.sku_order_placed_at is None or placed_at is None or placed_at >= self.sku_order_placed_at

    def seen_in_order_placed_at(self, placed_at: datetime | None) -> bool:
        """A line of an order placed at `placed_at` has the variant. Placed after the store said it was gone, it
        was not gone (for good): its stock is sent again. True when it comes back so."""
        if self.gone_at is None or placed_at is None or placed_at <= self.gone_at:
            return False
        self.gone_at = None
        return True

    def seen_with_sku_at(self, placed_at: datetime | None) -> None:
        """A line of an order placed at `placed_at` names the variant's product by its SKU."""
        if placed_at is not None and (self.sku_order_placed_at is None or placed_at > self.sku_order_placed_at):
            self.sku_order_placed_at = placed_at
