"""What finance records on the order's history: a receivable marked received, or checked, by a person, and the
order's reason to check a refund going with the last of them (the creation and the cancellation are recorded
by the document that caused them, in `fiscal.events`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lojasync.sales.events import OrderEvent
from lojasync.sales.history import HistoryType


@dataclass(frozen=True, kw_only=True)
class ReceivableEvent(OrderEvent):
    """A person did something to one receivable: which one, and its installment and amount, for the history."""

    receivable_id: int
    installment: int
    installments: int
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class ReceivableReceived(ReceivableEvent):
    history_type = HistoryType.RECEIVABLE_RECEIVED
    # A person had cancelled it (Cancelar conta), its document standing, and the customer paid after all.
    was_written_off: bool = False
    # The day the money came in, when a person gave one other than the day of the baixa (ISO, for the history).
    received_on: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReceivableChecked(ReceivableEvent):
    """A person took away the "conferir" of a receivable received before its document was cancelled."""

    history_type = HistoryType.RECEIVABLE_CHECKED


@dataclass(frozen=True, kw_only=True)
class ReceivableWrittenOff(ReceivableEvent):
    """A person cancelled an open receivable whose document stands, saying why."""

    history_type = HistoryType.RECEIVABLE_WRITTEN_OFF
    reason: str


@dataclass(frozen=True, kw_only=True)
class ReceivableReceiptUndone(ReceivableEvent):
    """A person undid a receipt marked by mistake, saying why: open again, or cancelled (`cancelled`) when its
    document had been cancelled meanwhile."""

    history_type = HistoryType.RECEIVABLE_RECEIPT_UNDONE
    reason: str
    cancelled: bool = False
    written_off: bool = False   # cancelled by a person before it was received: so again


@dataclass(frozen=True, kw_only=True)
class RefundCheckSettled(OrderEvent):
    """The order's last receivable flagged by a cancellation was checked: the order's reason asking to check a
    refund went with it; `still_pending` counts its other reasons (0: the order is no longer flagged)."""

    history_type = HistoryType.REFUND_CHECK_SETTLED
    still_pending: int
