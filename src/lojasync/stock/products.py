"""Catalog (Produto) and the stock ledger (Estoque): stock is the sum of its movements."""

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


class StockMovement:
    """One entry of the stock ledger. Issues (baixas) are negative; a source document issues once."""

    id: int | None
    product_id: int
    quantity: int
    reason: str
    source_type: str
    source_id: str
    created_at: datetime | None

    def __init__(self, product_id: int, quantity: int, reason: str, source_type: str, source_id: str) -> None:
        self.product_id = product_id
        self.quantity = quantity
        self.reason = reason
        self.source_type = source_type
        self.source_id = source_id
