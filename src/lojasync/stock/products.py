"""Catalog (Produto): what the ERP sells, matched to store lines by SKU."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from lojasync.shared.events import Aggregate


class UnknownSkuPolicy(StrEnum):
    """What an import does with a store line whose product the ERP does not know."""

    CREATE = "create"      # create the product from the store line, flagged as created by the store
    UNLINKED = "unlinked"  # keep the line with the store's data and no product, for a person to link


class Product(Aggregate):
    id: int | None
    sku: str | None
    name: str
    price: Decimal
    created_by_store: bool
    created_at: datetime | None
    # Fiscal data the NF-e needs; empty ones fall back to the company's defaults when invoicing.
    ncm: str | None = None          # 8 digits
    cest: str | None = None         # 7 digits, when the product is under tax substitution
    origin: str | None = None       # origem da mercadoria, 0..8 (0 = nacional)
    unit: str | None = None         # unidade comercial (UN, KG, CX...)
    gtin: str | None = None         # EAN/GTIN; none means "SEM GTIN"
    cfop: str | None = None         # overrides the CFOP the rules would choose

    def __init__(self, sku: str | None, name: str, price: Decimal, created_by_store: bool = False) -> None:
        self.sku = sku
        self.name = name
        self.price = price
        self.created_by_store = created_by_store
