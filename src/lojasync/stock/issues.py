"""Stock issue (baixa) and return for a document: one movement per line, exactly once.

The document's lines say which product and how many; the movements carry the document as their source,
and the ledger's unique key (source type, source id, line) makes a second issue impossible, not just
unlikely: the movements are written with that key checked by the INSERT itself, so a retry, or a concurrent
writer once the first commits, writes nothing for the lines already moved.
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
                reason: str, made_by: str | None = None) -> list[StockMovement]:
    """Issue (negative movements) every line not yet issued by this document. `made_by`: who approved it, in words."""
    return _move(repo, source_type, source_id, lines, reason, -1, made_by)


def return_stock(repo: StockMovementRepository, source_type: str, source_id: str, reason: str,
                 made_by: str | None = None) -> list[StockMovement]:
    """Put back what the document issued (its cancellation), once. `made_by`: who cancelled it, in words."""
    issued = repo.for_source(source_type, source_id)
    lines = [LineToMove(m.source_line, m.product_id, -m.quantity) for m in issued]
    return _move(repo, source_type + RETURN_SUFFIX, source_id, lines, reason, 1, made_by)


def _move(repo: StockMovementRepository, source_type: str, source_id: str, lines: Iterable[LineToMove],
          reason: str, sign: int, made_by: str | None) -> list[StockMovement]:
    wanted = [StockMovement(line.product_id, sign * abs(line.quantity), reason, source_type, source_id, line.position,
                            made_by) for line in lines if line.quantity != 0]
    return repo.add_new(wanted)
