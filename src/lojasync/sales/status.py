"""Order status in the ERP and the table that maps a store order onto it (rule 2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class OrderStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def key(self) -> str:
        """The id scripts compare ("em-aberto"): the JSON API's `status`, what `--status` takes. The label is
        for people and the stored value for the database."""
        return _KEYS[self]

    @classmethod
    def _missing_(cls, value: object) -> OrderStatus | None:
        # Integrators may write the table with the labels they see on screen ("Confirmado").
        wanted = str(value).strip().replace("-", " ").replace("_", " ").casefold()
        for status, label in _LABELS.items():
            if wanted in (label.casefold(), status.name.casefold()):
                return status
        return None


_LABELS = {
    OrderStatus.OPEN: "Em Aberto",
    OrderStatus.CONFIRMED: "Confirmado",
    OrderStatus.CANCELLED: "Cancelado",
}

_KEYS = {
    OrderStatus.OPEN: "em-aberto",
    OrderStatus.CONFIRMED: "confirmado",
    OrderStatus.CANCELLED: "cancelado",
}


@dataclass(frozen=True)
class StatusRules:
    """First the store order status, then the payment status, then the default."""

    by_order_status: dict[str, OrderStatus] = field(default_factory=dict)
    by_payment_status: dict[str, OrderStatus] = field(default_factory=dict)
    default: OrderStatus = OrderStatus.OPEN

    def __post_init__(self) -> None:
        # The store's codes in any case and spacing ("Cancelled", "PAID "), as the table's keys typed by a person:
        # matched case-sensitively, "Cancelled" with a paid payment was Confirmado (review).
        object.__setattr__(self, "_by_order", {_code(k): v for k, v in self.by_order_status.items()})
        object.__setattr__(self, "_by_payment", {_code(k): v for k, v in self.by_payment_status.items()})

    def map(self, store_status: str | None, payment_status: str | None) -> OrderStatus:
        if store_status and (found := self._by_order.get(_code(store_status))) is not None:
            return found
        if payment_status and (found := self._by_payment.get(_code(payment_status))) is not None:
            return found
        return self.default

    def fingerprint(self) -> str:
        """A stable text that changes when the table changes, so a full sync re-maps every order."""
        parts = [f"o:{k}={v.value}" for k, v in sorted(self.by_order_status.items())]
        parts += [f"p:{k}={v.value}" for k, v in sorted(self.by_payment_status.items())]
        return ";".join(parts + [f"d={self.default.value}"])


def _code(value: str) -> str:
    return value.strip().casefold()


def default_status_rules() -> StatusRules:
    return StatusRules(
        by_order_status={"cancelled": OrderStatus.CANCELLED},
        by_payment_status={"paid": OrderStatus.CONFIRMED},
        default=OrderStatus.OPEN,
    )
