"""Receivables written and cancelled for a document: what the fiscal handlers call, in their transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lojasync.finance.plans import InstallmentRule, installment_plan
from lojasync.finance.ports import ReceivableRepository
from lojasync.finance.receivables import RECEIVED_BEFORE_CANCEL, Receivable


def create_receivables(repo: ReceivableRepository, *, order_id: int | None, source_type: str, source_id: str,
                       total: Decimal, installments: int | None, payment_method: str | None, start: date,
                       rules: dict[str, InstallmentRule] | None = None, not_before: date | None = None,
                       kind: str | None = None) -> list[Receivable]:
    """The document's receivables; nothing new when it already has them (the INSERT checks the unique key:
    a retry, or a concurrent writer once the first commits, writes none)."""
    if total <= 0:  # nothing owed (a free order)
        return []
    plan = installment_plan(total, installments, payment_method, start, rules, not_before, kind)
    return repo.add_new([Receivable(order_id, source_type, source_id, part.number, len(plan), part.amount,
                                    part.due_date, payment_method) for part in plan])


def cancel_receivables(repo: ReceivableRepository, source_type: str, source_id: str,
                       received_reason: str = RECEIVED_BEFORE_CANCEL) -> tuple[int, int]:
    """Cancel the document's open receivables; received ones are flagged (saying `received_reason`). Returns
    (cancelled, flagged)."""
    cancelled = flagged = 0
    for receivable in repo.for_source(source_type, source_id, for_update=True):
        if receivable.cancel(received_reason):
            cancelled += 1
        elif receivable.needs_attention:
            flagged += 1
    return cancelled, flagged
