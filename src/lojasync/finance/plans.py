"""When each installment falls due: a rule per payment method (a table the integrator can change).

Card installments are paid by the acquirer month by month (30, 60, 90 days); Pix and cash are received at
once; a boleto falls due a few days after issue. Amounts are split by the largest remainder, so the
installments always add up to the document's total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from lojasync.sales.order_data import MAX_INSTALLMENTS
from lojasync.shared.money import split_by_weights


@dataclass(frozen=True)
class InstallmentRule:
    first_days: int = 0     # days from the payment (or, unpaid, the approval) to the first due date
    every_days: int = 30    # days between installments

    def __post_init__(self) -> None:
        # Read from LOJASYNC_RECEIVABLE_RULES: a due date before the sale, installments on the same day, or
        # one beyond any calendar is a typo, said where the setting is read. Unbounded, the last one passed
        # start-up and failed every approval of the method instead ("date value out of range"), the NF-e
        # authorised at SEFAZ and left awaiting it, with no stock moved (review).
        for name, low, high in (("first_days", 0, MAX_FIRST_DAYS), ("every_days", 1, MAX_EVERY_DAYS)):
            value = getattr(self, name)
            if type(value) is not int:   # True is not a day (pydantic's lax mode took it for 1)
                raise ValueError(f"dias inválidos: {name} deve ser um número inteiro de dias, não {value!r}")
            if not low <= value <= high:
                raise ValueError(f"dias inválidos: {name} deve estar entre {low} e {high} (recebido {value})")


# Ten years to the first due date, a year between installments: 48 installments stay within the calendar the
# finance pages filter by (shared.day_bounds), however the two are combined.
MAX_FIRST_DAYS = 3650
MAX_EVERY_DAYS = 366


DEFAULT_RULES: dict[str, InstallmentRule] = {
    "credit_card": InstallmentRule(first_days=30, every_days=30),
    "debit_card": InstallmentRule(first_days=1, every_days=30),
    "boleto": InstallmentRule(first_days=3, every_days=30),
    "pix": InstallmentRule(first_days=0, every_days=30),
    "wire_transfer": InstallmentRule(first_days=0, every_days=30),
    "cash": InstallmentRule(first_days=0, every_days=30),
}
OTHER = InstallmentRule(first_days=0, every_days=30)


@dataclass(frozen=True)
class Installment:
    number: int
    amount: Decimal
    due_date: date


def installment_plan(total: Decimal, installments: int | None, method: str | None, start: date,
                     rules: dict[str, InstallmentRule] | None = None,
                     not_before: date | None = None, kind: str | None = None) -> list[Installment]:
    """The installments of `total`; one when the store gave none (or nonsense).

    `kind`: the rule's name for the method when the store wrote it in words ("Cartão de Crédito" is credit_card,
    as its NF-e says card): the method's own rule first, then its kind's, else OTHER.

    `not_before`: the day the receivables are written. An installment the rule puts earlier (a Pix paid in the
    store days before its NF-e was authorised) falls due that day: a receivable is never overdue ("vencida")
    the moment it exists, which would send the operator chasing a customer who already paid."""
    count = installments if installments and 0 < installments <= MAX_INSTALLMENTS else 1
    # Never an installment of R$ 0,00 (R$ 0,02 in 3 times is 2 of R$ 0,01): nobody pays or chases nothing.
    count = max(1, min(count, int(total * 100)))
    table = rules or DEFAULT_RULES
    rule = table.get((method or "").strip().lower()) or table.get(kind or "") or OTHER
    amounts = split_by_weights(total, [Decimal(1)] * count)
    due = [start + timedelta(days=rule.first_days + n * rule.every_days) for n in range(count)]
    if not_before is not None:
        due = [max(day, not_before) for day in due]
    return [Installment(n + 1, amount, day) for n, (amount, day) in enumerate(zip(amounts, due, strict=True))]
