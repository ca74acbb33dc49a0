"""Catalog (Produto): what the ERP sells, matched to store lines by SKU."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class UnknownSkuPolicy(StrEnum):
    """What an import does with a store line whose product the ERP does not know."""

    CREATE = "create"      # create the product from the store line, flagged as created by the store
    UNLINKED = "unlinked"  # keep the line with the store's data and no product, for a person to link


class Product:
    id: int | None
    sku: str | None
    name: str
    price: Decimal
    created_by_store: bool
    created_at: datetime | None

    def __init__(self, sku: str | None, name: str, price: Decimal, created_by_store: bool = False) -> None:
        self.sku = sku
        self.name = name
        self.price = price
        self.created_by_store = created_by_store
