"""Venda simples: the order sold without an NF-e. Generated from the order (moves nothing), confirmed (stock
goes down, receivables are created) or cancelled (both reversed when it had been confirmed). It needs no
customer: without one it is a sale to the consumidor final."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from lojasync.fiscal.documents import DocumentKind, DocumentLine
from lojasync.fiscal.errors import DocumentStateRefused
from lojasync.fiscal.events import SaleCancelled, SaleConfirmed, SaleDiscarded, SaleGenerated
from lojasync.fiscal.payment_returned import PAYMENT_RETURNED, is_returned_reason, said_again
from lojasync.sales.history import Who
from lojasync.shared.events import Aggregate


class SaleStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {SaleStatus.PENDING: "pendente", SaleStatus.CONFIRMED: "confirmada", SaleStatus.CANCELLED: "cancelada"}
# The order's document while in one of these: a second one is refused.
ACTIVE = frozenset({SaleStatus.PENDING, SaleStatus.CONFIRMED})


class SimpleSale(Aggregate):
    kind = DocumentKind.SIMPLE_SALE
    id: int | None
    order_id: int
    status: SaleStatus
    customer_id: int | None
    lines_data: list[dict]
    total: Decimal
    payment_method: str | None
    installments: int | None
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    created_at: datetime | None

    def __init__(self, order, lines: list[DocumentLine]) -> None:
        self.order_id = order.id
        self.status = SaleStatus.PENDING
        self.customer_id = order.customer_id
        self.lines_data = [line.to_dict() for line in lines]
        self.total = order.total
        self.payment_method = order.payment_method
        self.installments = order.installments
        self.confirmed_at = None
        self.cancelled_at = None

    @property
    def lines(self) -> list[DocumentLine]:
        return [DocumentLine.from_dict(data) for data in self.lines_data]

    @property
    def label(self) -> str:
        return f"venda simples {self.id}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def approved_at(self) -> datetime | None:
        return self.confirmed_at

    def generated(self, order, actor: Who) -> None:
        """Say so in the order's history (once the sale has its number)."""
        self.record(SaleGenerated(order=order, actor=actor, document=self, sale_number=self.id))

    def confirm(self, order, actor: Who, when: datetime) -> bool:
        """Confirm the sale; False when it already was (a double click changes nothing)."""
        if self.status is SaleStatus.CONFIRMED:
            return False
        self._refuse_unless(SaleStatus.PENDING, "confirmar", order_number=order.id)   # cancelled: final
        self.status = SaleStatus.CONFIRMED
        self.confirmed_at = when
        # The order's customer as it is now: the morning's fix (a customer linked to an order that had none, after
        # its sale was generated) never reached the sale, which stayed "consumidor final".
        self.customer_id = order.customer_id
        # Pending no more: the order's reasons about it as pending go (review: they called the confirmed sale pending
        # and told to run `sales cancel`, which now reverses stock and receivables). The money the store gave back is
        # said again as it stands now: stock issued and receivables created for it.
        said_again(order, self.about_pending, self.payment_returned_before_confirming_reason)
        self._not_pending_any_more(order)
        self.record(SaleConfirmed(order=order, actor=actor, document=self, sale_number=self.id, recorded_at=when))
        return True

    def cancel(self, order, actor: Who, when: datetime) -> bool:
        """Cancel; a confirmed sale's effects are reversed by the handlers. False when already cancelled."""
        if self.status is SaleStatus.CANCELLED:
            return False
        was_confirmed = self.status is SaleStatus.CONFIRMED
        self.status = SaleStatus.CANCELLED
        self.cancelled_at = when
        # Over either way (of a confirmed sale: a reason its confirmation kept, in versions up to 2026-12-07), and so is
        # the refund said at its confirmation, which asked to cancel it if the sale was off.
        self._not_pending_any_more(order)
        before = self._before_confirming
        order.withdraw_attention(lambda reason: is_returned_reason(reason, before))
        if was_confirmed:
            self.record(SaleCancelled(order=order, actor=actor, document=self, sale_number=self.id,
                                      recorded_at=when))
        else:  # nothing moved: only the history says it
            self.record(SaleDiscarded(order=order, actor=actor, document=self, sale_number=self.id))
        return True

    @property
    def about_pending(self) -> str:
        """The beginning of the order's attention reason about this sale left pending (`order_drift`)."""
        return f"Venda simples {self.id} pendente"

    def payment_returned_before_confirming_reason(self, words: str) -> str:
        """The order's reason once this sale, confirmed after the store gave the money back, took effect
        (`payment_returned.said_again`)."""
        return (f"{PAYMENT_RETURNED}{words}{self._before_confirming} Resolução: se a venda não vale mais, cancele-a "
                f"(lojasync sales cancel {self.id}, ou na página da venda: o estoque volta e as contas a receber são "
                "canceladas); se a venda vale, confira o pagamento.")

    @property
    def _before_confirming(self) -> str:
        # The full stop: "venda simples 1" is not "venda simples 12".
        return f" na loja antes da confirmação da {self.label}."

    def _not_pending_any_more(self, order) -> None:
        pending = f"{self.about_pending}:"
        order.withdraw_attention(lambda reason: reason.startswith(pending))

    def _refuse_unless(self, status: SaleStatus, action: str, order_number: int | None = None) -> None:
        if self.status is not status:
            raise DocumentStateRefused(document="Venda simples", number=self.id, status=self.status.label,
                                       what=action, order_number=order_number)

