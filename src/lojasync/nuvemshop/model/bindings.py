"""Bindings: Nuvemshop ids to ERP rows (OCA connector style). External ids live only here; ERP tables
carry no Nuvemshop columns."""

from __future__ import annotations

from datetime import datetime


class OrderBinding:
    id: int | None
    store_id: int
    external_id: str
    external_number: str | None
    order_id: int | None
    store_status: str | None
    store_payment_status: str | None
    store_shipping_status: str | None
    store_updated_at: datetime | None
    payload_hash: str | None
    synced_at: datetime | None
    redacted_at: datetime | None = None

    def __init__(self, store_id: int, external_id: str) -> None:
        self.store_id = store_id
        self.external_id = external_id


class CustomerBinding:
    id: int | None
    store_id: int
    external_id: str
    customer_id: int

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

    def __init__(self, store_id: int, external_variant_id: str, external_product_id: str | None) -> None:
        self.store_id = store_id
        self.external_variant_id = external_variant_id
        self.external_product_id = external_product_id
