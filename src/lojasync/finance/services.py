"""Use cases of receivables: list them, mark one received."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Protocol

from lojasync.finance.errors import ReceivableNotFound
from lojasync.finance.ports import ReceivableRepository
from lojasync.finance.receivables import Receivable, ReceivableStatus


class FinanceUnitOfWork(Protocol):
    receivables: ReceivableRepository

    def __enter__(self) -> FinanceUnitOfWork: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def commit(self) -> None: ...


def receivable_view(r: Receivable) -> dict[str, Any]:
    return {"id": r.id, "order_number": r.order_id, "document": r.source_type, "document_id": r.source_id,
            "installment": r.installment, "installments": r.installments, "amount": r.amount,
            "due_date": r.due_date, "status": r.status.value, "status_label": r.status.label,
            "payment_method": r.payment_method, "needs_attention": r.needs_attention,
            "attention_reason": r.attention_reason, "received_at": r.received_at}


def list_receivables(uow: FinanceUnitOfWork, status: ReceivableStatus | None = None,
                     order_number: int | None = None) -> list[dict[str, Any]]:
    with uow:
        return [receivable_view(r) for r in uow.receivables.list(status, order_number)]


def receive(uow: FinanceUnitOfWork, receivable_id: int, when: datetime | None = None) -> tuple[dict[str, Any], bool]:
    """Mark a receivable received (baixa); returns it and whether this call changed it."""
    with uow:
        receivable = uow.receivables.get(receivable_id, for_update=True)
        if receivable is None:
            raise ReceivableNotFound(receivable_id=receivable_id)
        changed = receivable.receive(when or datetime.now(timezone.utc))
        uow.commit()
        return receivable_view(receivable), changed
