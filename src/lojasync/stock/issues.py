"""Stock issue (baixa) and return for a document: one movement per line, exactly once.

The document's lines say which product and how many; the movements carry the document as their source,
and the ledger's unique key (source type, source id, line) makes a second issue impossible, not just
unlikely: a retry finds the movements already there, a concurrent writer fails on the key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lojasync.stock.ledger import StockMovement
from lojasync.stock.ports import StockMovementRepository

RETURN_SUFFIX = "_cancel"   # "nfe" issues, "nfe_cancel" returns


@dataclass(frozen=True)
class LineToMove:
    position: int
    product_id: int
    quantity: int


def issue_stock(repo: StockMovementRepository, source_type: str, source_id: str, lines: Iterable[LineToMove],
                reason: str) -> list[StockMovement]:
    """Issue (negative movements) every line not yet issued by this document."""
    return _move(repo, source_type, source_id, lines, reason, sign=-1)


def return_stock(repo: StockMovementRepository, source_type: str, source_id: str, reason: str) -> list[StockMovement]:
    """Put back what the document issued (its cancellation), once."""
    issued = repo.for_source(source_type, source_id)
    lines = [LineToMove(m.source_line, m.product_id, -m.quantity) for m in issued]
    return _move(repo, source_type + RETURN_SUFFIX, source_id, lines, reason, sign=1)


def _move(repo: StockMovementRepository, source_type: str, source_id: str, lines: Iterable[LineToMove],
          reason: str, sign: int) -> list[StockMovement]:
    done = repo.lines_moved(source_type, source_id)
    created = []
    for line in lines:
        if line.position in done or line.quantity == 0:
            continue
        movement = StockMovement(line.product_id, sign * abs(line.quantity), reason, source_type, source_id,
                                 line.position)
        created.append(movement)
    repo.add_all(created)
    return created
