"""Receivable (conta a receber, lançamento financeiro): one installment of what a customer owes for a sale.

Created only by an approved document (an authorised NF-e, a confirmed venda simples), unique per document
and installment, so a retry or a second approval cannot create it twice. Cancelling the document cancels
the open ones; one already received is never deleted: it is flagged for a person (a refund is a decision).
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal
from enum import StrEnum

from lojasync.finance.errors import (
    ReceiptDateInvalid,
    ReceivableAlreadyReceived,
    ReceivableCancelled,
    ReceivedOnAnotherDay,
)
from lojasync.shared.local_zone import local_day, merchant_zone

# A due date, and a receipt's day (its bank statement's), are calendar days where the merchant is (`merchant_zone`).


def receipt_moment(received_on: date | None, now: datetime, placed_at: datetime | None = None) -> datetime:
    """When a receivable was received, for the day a person gives (the money came in yesterday, or on Friday, and
    the baixa is done today): `now` for today or no day; noon of an earlier day, where the merchant is (midnight
    would be the day before for anything reading it in another time zone). Refused after today, and before the
    order was placed (`placed_at`): no customer pays for a sale before it exists, and a typo (2062, 12/02 for
    02/12) would put the money in the wrong month of the cash flow."""
    if received_on is None:
        return now
    today = local_day(now)
    if received_on > today:
        raise ReceiptDateInvalid(given=received_on.strftime("%d/%m/%Y"),
                                 why=f"é depois de hoje ({today.strftime('%d/%m/%Y')})")
    if placed_at is not None and received_on < local_day(placed_at):
        placed = local_day(placed_at)
        raise ReceiptDateInvalid(given=received_on.strftime("%d/%m/%Y"),
                                 why=f"é antes do pedido, feito em {placed.strftime('%d/%m/%Y')}")
    if received_on == today:
        return now
    return datetime.combine(received_on, time(12), tzinfo=merchant_zone()).astimezone(timezone.utc)


class ReceivableStatus(StrEnum):
    OPEN = "open"
    RECEIVED = "received"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {ReceivableStatus.OPEN: "em aberto", ReceivableStatus.RECEIVED: "recebida",
           ReceivableStatus.CANCELLED: "cancelada"}

RECEIVED_BEFORE_CANCEL = ("Recebida antes do cancelamento do documento que a gerou: confira se é preciso "
                          "devolver o valor ao cliente (nada foi estornado automaticamente).")
# The same when another document of the order stands and goes on with the sale (SEFAZ authorised an NF-e discarded
# here after a venda simples was confirmed in its place, and the sale was cancelled): the customer paid for a sale
# that goes on. Nothing is to be given back; what may be wrong is the standing document's new receivables, which
# ask for the same money again.
PAID_FOR_THE_STANDING_SALE = ("Recebida antes do cancelamento do documento que a gerou, mas o outro documento do "
                              "pedido continua a venda e criou contas próprias: o cliente já pagou. Não devolva: "
                              "marque como recebidas (ou cancele, com o motivo) as contas do outro documento que "
                              "cobram este valor de novo, e esta como conferida.")


def same_payment_reason(document: str) -> str:
    """A received receivable of a cancelled document whose money a person marked received again on `document` (its
    label), cancelled since: that document's refund check is this money's, not a second one."""
    return (f"Recebida antes do cancelamento do documento que a gerou; o mesmo pagamento foi marcado como recebido na "
            f"{document}, cancelada depois, e a conferência da devolução é a das contas dela: não devolva duas vezes; "
            "marque esta como conferida.")


# The end of the order's own reason for them: it goes when the last of the order's flagged receivables is checked.
REFUND_CHECK_ENDING = "conta(s) a receber já recebida(s): confira se é preciso devolver o valor ao cliente."
_ORDER_PAID_OVER = "o cliente já pagou; confira as contas do documento que continua, que cobram o mesmo valor de novo."


def _cancelled(document: str) -> str:
    """How the order's reasons about a cancelled document's receipts begin: "Venda simples 2 cancelada com"."""
    return f"{document[:1].upper()}{document[1:]} cancelada com"


def refund_check_reason(document: str, flagged: int) -> str:
    """The order's attention text when cancelling `document` (its label) kept `flagged` received receivables."""
    return f"{_cancelled(document)} {flagged} {REFUND_CHECK_ENDING}"


def paid_over_reason(document: str, flagged: int, standing: str) -> str:
    """`refund_check_reason` when `standing` (its label) goes on with the sale: nothing is to be given back."""
    return (f"{_cancelled(document)} {flagged} conta(s) a receber já recebida(s), e a "
            f"venda continua com a {standing}: {_ORDER_PAID_OVER}")


def goes_on_with(reason: str, standing: str) -> bool:
    """Whether an order's pending reason is `paid_over_reason`'s naming `standing` (its label) as the document that
    goes on with the sale."""
    return reason.endswith(f", e a venda continua com a {standing}: {_ORDER_PAID_OVER}")


def is_refund_check_of(reason: str, document: str) -> bool:
    """Whether an order's pending reason is `refund_check_reason`'s for `document` (its label), whatever the count."""
    return reason.startswith(f"{_cancelled(document)} ") and \
        reason.endswith(REFUND_CHECK_ENDING)


def is_refund_check_reason(reason: str) -> bool:
    """Whether an order's pending reason is `refund_check_reason`'s or `paid_over_reason`'s (whatever the
    documents and count): it goes with the last of the order's flagged receivables checked."""
    return reason.endswith(REFUND_CHECK_ENDING) or reason.endswith(_ORDER_PAID_OVER)


class Receivable:
    id: int | None
    order_id: int | None
    source_type: str              # the document that created it: "nfe" or "simple_sale"
    source_id: str
    installment: int              # 1..installments
    installments: int
    amount: Decimal
    due_date: date
    payment_method: str | None
    status: ReceivableStatus
    needs_attention: bool
    attention_reason: str | None
    received_at: datetime | None
    # Set while it is cancelled by a person, its document standing (`write_off`): the customer may still pay it.
    written_off_at: datetime | None
    document_cancelled_at: datetime | None   # its document's cancellation: it can no longer be open
    created_at: datetime | None

    def __init__(self, order_id: int | None, source_type: str, source_id: str, installment: int, installments: int,
                 amount: Decimal, due_date: date, payment_method: str | None = None) -> None:
        self.order_id = order_id
        self.source_type = source_type
        self.source_id = source_id
        self.installment = installment
        self.installments = installments
        self.amount = amount
        self.due_date = due_date
        self.payment_method = payment_method
        self.status = ReceivableStatus.OPEN
        self.needs_attention = False
        self.attention_reason = None
        self.received_at = None
        self.written_off_at = None
        self.document_cancelled_at = None

    def cancel(self, received_reason: str = RECEIVED_BEFORE_CANCEL, when: datetime | None = None) -> bool:
        """Cancel for the document's cancellation (at `when`): True when cancelled, False when it must be looked at
        (already received: flagged, with `received_reason`) or was cancelled before."""
        self.document_cancelled_at = self.document_cancelled_at or when or datetime.now(timezone.utc)
        if self.status is ReceivableStatus.OPEN:
            self.status = ReceivableStatus.CANCELLED
            return True
        # Cancelled by a person before: now cancelled with its document too, it can no longer be received.
        self.written_off_at = None
        if self.status is ReceivableStatus.RECEIVED and not self.needs_attention:
            self.needs_attention = True
            self.attention_reason = received_reason
        return False

    def write_off(self, when: datetime) -> bool:
        """Cancelled by a person while its document stands: the customer will not pay it (SEFAZ's 24 hours to
        cancel the NF-e passed when the store cancelled the sale; a debt given up). False when it already was
        cancelled; a received one is refused (its money came in: a refund is settled outside lojasync). The
        customer paying after all, it can still be received (`receive`)."""
        if self.status is ReceivableStatus.CANCELLED:
            return False
        if self.status is ReceivableStatus.RECEIVED:
            raise ReceivableAlreadyReceived(receivable_id=self.id)
        self.status = ReceivableStatus.CANCELLED
        self.written_off_at = when
        return True

    @property
    def written_off(self) -> bool:
        """Cancelled by a person, its document standing: it may still be received."""
        return self.status is ReceivableStatus.CANCELLED and self.written_off_at is not None

    def checked(self) -> bool:
        """A person dealt with the flag (the money given back, or kept on purpose): it leaves the lists'
        "conferir". False when it was not flagged."""
        if not self.needs_attention:
            return False
        self.needs_attention = False
        self.attention_reason = None
        return True

    def undo_receipt(self) -> bool:
        """Marked received by mistake (the money never came): open again; cancelled when its document was
        cancelled meanwhile, the question of a refund gone with it (nothing was received); cancelled by a person
        again when one had cancelled it before it was received. False when it is not received."""
        if self.status is not ReceivableStatus.RECEIVED:
            return False
        self.received_at = None
        if self.document_cancelled_at is None:
            self.status = ReceivableStatus.CANCELLED if self.written_off_at is not None else ReceivableStatus.OPEN
            return True
        self.status = ReceivableStatus.CANCELLED
        self.needs_attention = False
        self.attention_reason = None
        return True

    def receive(self, when: datetime, day: date | None = None) -> bool:
        """Mark as received (baixa do título); False when it already was. One a person cancelled while its document
        stands is received all the same (the customer paid after all); one cancelled with its document is refused.
        `day`: the day the person gave, if any; already received on another day, it is refused rather than dropped
        (the first day stands until the receipt is undone)."""
        if self.status is ReceivableStatus.RECEIVED:
            if day is not None and self.received_at is not None and local_day(self.received_at) != day:
                raise ReceivedOnAnotherDay(receivable_id=self.id, received_on=local_day(self.received_at)
                                           .strftime("%d/%m/%Y"), given=day.strftime("%d/%m/%Y"))
            return False
        if self.status is ReceivableStatus.CANCELLED and not self.written_off:
            raise ReceivableCancelled(receivable_id=self.id)
        self.status = ReceivableStatus.RECEIVED
        self.received_at = when
        # `written_off_at` stays: the receipt undone (a mistake), it is cancelled by a person again, as it was.
        return True
