"""Use cases of receivables: list them, mark one received (or undo that), checked, or cancelled by a person."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any, Protocol

from lojasync.finance.errors import ReceiptUndoReasonInvalid, ReceivableNotFound, WriteOffReasonInvalid
from lojasync.finance.events import (
    ReceivableChecked,
    ReceivableEvent,
    ReceivableReceiptUndone,
    ReceivableReceived,
    ReceivableWrittenOff,
    RefundCheckSettled,
)
from lojasync.finance.ports import ReceivableRepository
from lojasync.finance.receivables import (
    PAID_FOR_THE_STANDING_SALE,
    Receivable,
    ReceivableStatus,
    is_refund_check_reason,
    receipt_moment,
)
from lojasync.sales.history import Actor, Who
from lojasync.sales.orders import Order
from lojasync.sales.ports import OrderRepository
from lojasync.shared.local_zone import local_day
from lojasync.shared.text import clean_text


class FinanceUnitOfWork(Protocol):
    receivables: ReceivableRepository
    orders: OrderRepository   # to record on the order's history who received what

    def __enter__(self) -> FinanceUnitOfWork: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def commit(self) -> None: ...


def receivable_view(r: Receivable) -> dict[str, Any]:
    # The ledger keeps the source's id as text (its key is generic); a receivable's source is always an NF-e or a
    # venda simples, whose ids are integers: shown as one, as every other id in the JSON and the API.
    return {"id": r.id, "order_number": r.order_id, "document": r.source_type, "document_id": int(r.source_id),
            "installment": r.installment, "installments": r.installments, "amount": r.amount,
            "due_date": r.due_date, "status": r.status.value, "status_label": r.status.label,
            "payment_method": r.payment_method, "needs_attention": r.needs_attention,
            "attention_reason": r.attention_reason, "received_at": r.received_at, "written_off": r.written_off}


def list_receivables(uow: FinanceUnitOfWork, status: ReceivableStatus | None = None,
                     order_number: int | None = None) -> list[dict[str, Any]]:
    with uow:
        return [receivable_view(r) for r in uow.receivables.list(status, order_number)]


def receive(uow: FinanceUnitOfWork, receivable_id: int, when: datetime | None = None,
            actor: Who = Actor.OPERATOR, received_on: date | None = None) -> tuple[dict[str, Any], bool]:
    """Mark a receivable received (baixa); returns it and whether this call changed it. The order's history
    says who did it, in the same transaction. One a person cancelled while its document stands (Cancelar conta)
    is received too: the customer paid after all, and the history says it had been cancelled. `received_on`: the
    day the money came in, when the baixa is done later (the bank statement read on Monday); none is today. Asked
    again, it changes nothing with the same day or none, and is refused with another (`ReceivedOnAnotherDay`)."""
    now = when or datetime.now(timezone.utc)

    def received(receivable: Receivable, order: Order | None) -> bool:
        return receivable.receive(receipt_moment(received_on, now, order.placed_at if order is not None else None),
                                  received_on)

    return _change(uow, receivable_id, received, ReceivableReceived, actor, with_order=True,
                   before=lambda receivable: {"was_written_off": receivable.written_off},
                   after=lambda receivable: {"received_on": _day_given(receivable, now)})


def _day_given(receivable: Receivable, now: datetime) -> str | None:
    """The receipt's day for the history, when it is not the baixa's own (the entry's time says that one)."""
    received_at = receivable.received_at
    if received_at is None or received_at == now:
        return None
    return local_day(received_at).isoformat()


def check_receivable(uow: FinanceUnitOfWork, receivable_id: int,
                     actor: Who = Actor.OPERATOR) -> tuple[dict[str, Any], bool]:
    """Take away the "conferir" of a receivable (received before its document was cancelled) once a person has
    decided what to do with the money; returns it and whether it was flagged. The order's history says who.
    The last of the order's to check takes the order's own reason for them away too (its others stay)."""
    return _change(uow, receivable_id, Receivable.checked, ReceivableChecked, actor, then=_settle_refund_check)


# A reason one can act on later ("calote", not "x"), and what the history and a person can read whole.
WRITE_OFF_REASON = (5, 255)


def _person_reason(reason: str | None, refusal: type[WriteOffReasonInvalid] = WriteOffReasonInvalid) -> str:
    """The reason a person gave for a change the history keeps (Cancelar conta, Desfazer recebimento): one line,
    within `WRITE_OFF_REASON`, counting what can be read: invisible characters (a zero-width space pasted along,
    control characters) are dropped first (review: thirty zero-width spaces were a reason, where spaces were not)."""
    words = ("".join(c for c in word if unicodedata.category(c) not in _INVISIBLE)
             for word in clean_text(reason or "").split())
    reason = " ".join(word for word in words if word)
    if not WRITE_OFF_REASON[0] <= len(reason) <= WRITE_OFF_REASON[1]:
        raise refusal(minimum=WRITE_OFF_REASON[0], maximum=WRITE_OFF_REASON[1])
    return reason


# Characters nobody reads: format (zero-width, direction marks), controls (line breaks and tabs have already
# parted words), private use, unassigned, surrogates.
_INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cn", "Cs"})


def write_off_receivable(uow: FinanceUnitOfWork, receivable_id: int, reason: str,
                         actor: Who = Actor.OPERATOR) -> tuple[dict[str, Any], bool]:
    """Cancel an open receivable whose document stands (the customer will not pay it: the store cancelled the sale
    after SEFAZ's 24 hours to cancel the NF-e, or a debt is given up), saying why; returns it and whether this call
    cancelled it. The order's history keeps who and why. A received one is refused."""
    reason = _person_reason(reason)
    moment = datetime.now(timezone.utc)
    return _change(uow, receivable_id, lambda receivable: receivable.write_off(moment), ReceivableWrittenOff, actor,
                   reason=reason)


def undo_receipt(uow: FinanceUnitOfWork, receivable_id: int, reason: str,
                 actor: Who = Actor.OPERATOR) -> tuple[dict[str, Any], bool]:
    """A receipt marked by mistake (the wrong row clicked, the money never came): the receivable is open again, or
    cancelled when its document was cancelled meanwhile (the refund it was flagged for goes: nothing came in).
    Returns it and whether this call changed it (False: it was not received). The order's history keeps who and
    why, as for a receivable cancelled by a person."""
    reason = _person_reason(reason, ReceiptUndoReasonInvalid)
    return _change(uow, receivable_id, Receivable.undo_receipt, ReceivableReceiptUndone, actor,
                   then=_settle_refund_check, after=lambda receivable: {
                       "cancelled": receivable.status is ReceivableStatus.CANCELLED,
                       "written_off": receivable.written_off}, reason=reason)


def _change(uow: FinanceUnitOfWork, receivable_id: int, change: Callable[[Receivable], bool],
            event: type[ReceivableEvent], actor: Who,
            then: Callable[[FinanceUnitOfWork, Order, Who, bool], None] | None = None, with_order: bool = False,
            before: Callable[[Receivable], dict[str, Any]] | None = None,
            after: Callable[[Receivable], dict[str, Any]] | None = None,
            **details: Any) -> tuple[dict[str, Any], bool]:
    """One change of a receivable, locked; when it changed, its order's history says who, and `then` does what
    follows on the order, in the same commit. `before`, `after`: more of the event's details, read off the
    receivable before and after the change. `with_order`: `change` is given the order too (None without one).
    `then` is also told whether the receivable was flagged "conferir" before the change."""
    with uow:
        # The order first, then the receivable: the order a cancellation of its document locks before the
        # receivables. The other way round, "Marcar como recebida" and cancelling the sale at the same moment
        # deadlocked on PostgreSQL (one refused with the driver's words). Read unlocked to know which order.
        found = uow.receivables.get(receivable_id)
        if found is None:
            raise ReceivableNotFound(receivable_id=receivable_id)
        order = uow.orders.get(found.order_id, for_update=True, lines=False) if found.order_id is not None else None
        receivable = uow.receivables.get(receivable_id, for_update=True)
        if before is not None:
            details = {**details, **before(receivable)}
        flagged = receivable.needs_attention
        changed = change(receivable, order) if with_order else change(receivable)
        if changed and after is not None:
            details = {**details, **after(receivable)}
        order = order if changed else None
        if order is not None:
            order.record(event(order=order, actor=actor, receivable_id=receivable.id,
                               installment=receivable.installment, installments=receivable.installments,
                               amount=receivable.amount, **details))
            if then is not None:
                then(uow, order, actor, flagged)
        uow.commit()
        return receivable_view(receivable), changed


def _settle_refund_check(uow: FinanceUnitOfWork, order: Order, actor: Who, was_flagged: bool) -> None:
    """None of the order's receivables is left to check: its reason asking to check a refund goes. Said also when the
    last flagged one is checked after a person had marked the order resolved, the reason gone with it: what waited for
    the check (the LGPD erasure of the buyer's data, `RefundCheckSettled`) runs now (review: it never ran)."""
    if any(r.needs_attention for r in uow.receivables.list(order_id=order.id)):
        return
    if order.withdraw_attention(is_refund_check_reason) or was_flagged:
        order.record(RefundCheckSettled(order=order, actor=actor, still_pending=len(order.attention_reasons)))


def reversal_words(uow: FinanceUnitOfWork, source_type: str, source_id: str, cancelled_with_it: int | None = None
                   ) -> str:
    """What a cancelled document's cancellation did to its receivables, in words: how many were cancelled and
    how many, already received, were kept as received and flagged (the money may have to go back to the
    customer). A bare "contas a receber canceladas" would hide those. `cancelled_with_it`: how many the
    cancellation itself cancelled, when the caller knows (the others had been cancelled by a person before)."""
    with uow:
        statuses = [(r.status, r.needs_attention, r.attention_reason)
                    for r in uow.receivables.for_source(source_type, source_id)]
    cancelled = sum(1 for status, _, _ in statuses if status is ReceivableStatus.CANCELLED)
    before = 0
    if cancelled_with_it is not None and cancelled_with_it <= cancelled:
        cancelled, before = cancelled_with_it, cancelled - cancelled_with_it
    flagged = [why for status, needs, why in statuses if status is ReceivableStatus.RECEIVED and needs]
    # Paid for a sale another document goes on with: nothing to give back (`PAID_FOR_THE_STANDING_SALE`).
    paid_over = sum(1 for why in flagged if why == PAID_FOR_THE_STANDING_SALE)
    kept = len(flagged) - paid_over
    words = f"{cancelled} conta(s) a receber cancelada(s)" if cancelled else "nenhuma conta a receber cancelada"
    if before:
        words += f" ({before} já tinha(m) sido cancelada(s) antes)"
    if kept:
        words += (f"; {kept} já recebida(s) mantida(s) como recebida (conferir): confira se é preciso devolver "
                  "o valor ao cliente")
    if paid_over:
        words += (f"; {paid_over} já recebida(s) mantida(s) como recebida (conferir): a venda continua com o outro "
                  "documento do pedido e o cliente já pagou; não devolva: confira as contas desse documento")
    return words
