"""What the finance use cases need from persistence."""

from __future__ import annotations

from typing import Protocol

from lojasync.finance.receivables import Receivable, ReceivableStatus


class ReceivableRepository(Protocol):
    def add(self, receivable: Receivable) -> None: ...

    def add_all(self, receivables: list[Receivable]) -> None:
        """Write these receivables (one statement for all of a document's installments)."""

    def get(self, receivable_id: int, *, for_update: bool = False) -> Receivable | None: ...

    def for_source(self, source_type: str, source_id: str, *, for_update: bool = False) -> list[Receivable]: ...

    def exist_for(self, source_type: str, source_id: str) -> bool:
        """Whether this document already has receivables."""

    def list(self, status: ReceivableStatus | None = None, order_id: int | None = None) -> list[Receivable]: ...
