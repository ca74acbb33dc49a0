"""The stock ledger (Estoque): stock on hand is the sum of a product's movements."""

from __future__ import annotations

from datetime import datetime

# The longest "who" a movement keeps (the column's size).
MADE_BY_MAX = 300


class StockMovement:
    """One entry of the stock ledger. Issues (baixas) are negative; a source document moves each of its
    lines once (unique per source type, source id and line)."""

    id: int | None
    product_id: int
    quantity: int
    reason: str
    source_type: str
    source_id: str
    source_line: int
    created_at: datetime | None
    made_by: str | None   # who, in words: the person who counted, or who approved the document

    def __init__(self, product_id: int, quantity: int, reason: str, source_type: str, source_id: str,
                 source_line: int = 0, made_by: str | None = None) -> None:
        self.product_id = product_id
        self.quantity = quantity
        self.reason = reason
        self.source_type = source_type
        self.source_id = source_id
        self.source_line = source_line
        self.made_by = made_by[:MADE_BY_MAX] if made_by else None
