"""Inventory count (contagem de estoque): the quantity a person counted becomes the product's balance.

The ledger only knows what moved since the ERP started; a count is the one movement that says how much
there is. It adjusts the balance to the counted quantity (a movement of its own, so the ledger still adds
up) and makes the product "managed by the ERP": from then on its stock is the ERP's to tell the store.
A product never counted is left to the store, which keeps its own stock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from lojasync.shared.errors import LojasyncError
from lojasync.shared.events import DomainEvent
from lojasync.stock.ledger import StockMovement
from lojasync.stock.ports import StockUnitOfWork
from lojasync.stock.views import product_by_sku, product_reference, required_sku

COUNT_SOURCE = "count"   # the movements' source type; each count has a source id of its own


@dataclass(frozen=True, kw_only=True)
class StockCounted(DomainEvent):
    """A count set the product's balance (the connector writes it back to the store's variants)."""

    product_id: int
    quantity: int      # the balance after the count
    adjustment: int    # what the count moved (may be 0: the balance was right)


class CountInvalid(LojasyncError):
    code = "stock.count_invalid"
    message_template = "Quantidade contada inválida para {sku}: {quantity}."
    resolution_template = "Informe quantas unidades há em estoque: um número inteiro de 0 a 1.000.000.000."


# No shelf holds more; a larger number is a typo, and past 64 bits it would overflow the database.
MAX_COUNT = 10**9


def count_stock(uow: StockUnitOfWork, sku: str, quantity: int, count_id: str | None = None) -> dict:
    """Bring the product's balance to `quantity` with one adjustment movement (source "count")."""
    required_sku(sku)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= MAX_COUNT:
        raise CountInvalid(sku=sku, quantity=quantity)
    with uow:
        # Locked: two counts of one product at once would each add their own adjustment to the same balance.
        product = product_by_sku(uow, sku, for_update=True)
        previous = uow.products.stock_levels([product.id]).get(product.id, 0)
        adjustment = quantity - previous
        # Written even when nothing changes: the movement is what makes the product managed by the ERP.
        uow.stock_movements.add(StockMovement(product.id, adjustment, f"Contagem: {quantity} em estoque",
                                              COUNT_SOURCE, count_id or uuid.uuid4().hex))
        product.record(StockCounted(product_id=product.id, quantity=quantity, adjustment=adjustment))
        uow.commit()
        return {"sku": product.sku, "reference": product_reference(product.sku, product.id), "name": product.name,
                "quantity": quantity, "previous": previous,
                "adjustment": adjustment}
