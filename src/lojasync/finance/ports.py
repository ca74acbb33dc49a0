"""What the finance use cases need from persistence."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from lojasync.finance.receivables import Receivable, ReceivableStatus


class ReceivableRepository(Protocol):
    def add(self, receivable: Receivable) -> None: ...

    def add_all(self, receivables: list[Receivable]) -> None:
        """Write these receivables (one statement for all of a document's installments)."""

    def add_new(self, receivables: list[Receivable]) -> list[Receivable]:
        """Write the installments whose (source type, source id, installment) is not there yet, in one
        statement; returns those written (the unique key decides: a second run writes nothing)."""

    def get(self, receivable_id: int, *, for_update: bool = False) -> Receivable | None: ...

    def for_source(self, source_type: str, source_id: str, *, for_update: bool = False) -> list[Receivable]: ...

    def for_orders(self, order_ids: Iterable[int]) -> dict[int, list[Receivable]]:
        """The receivables of these orders (every document's), by order id, in the order they were made; the
        orders with none left out."""

    def list(self, status: ReceivableStatus | None = None, order_id: int | None = None, *,
             due_from: date | None = None, due_to: date | None = None, to_check: bool | None = None,
             received_since: datetime | None = None, received_before: datetime | None = None,
             limit: int | None = None, offset: int = 0) -> list[Receivable]:
        """By due date (then id); `limit`/`offset`: one page of them."""

    def summary(self, overdue_before: date, status: ReceivableStatus | None = None, order_id: int | None = None, *,
                due_from: date | None = None, due_to: date | None = None, to_check: bool | None = None,
                received_since: datetime | None = None, received_before: datetime | None = None
                ) -> list[tuple[ReceivableStatus, bool, int, Decimal, int]]:
        """Of the receivables `list` would give, counted in the database: (status, due before `overdue_before`, how
        many, their amount, how many flagged "conferir") per status and side of that day."""
