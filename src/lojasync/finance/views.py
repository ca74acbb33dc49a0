"""Read side of receivables for the Financeiro page: filtered by situation and due date, with "vencida" (open
and past due) told apart, and the totals of what is shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from lojasync.finance.business_days import overdue_before
from lojasync.finance.receivables import ReceivableStatus
from lojasync.finance.services import FinanceUnitOfWork, receivable_view
from lojasync.shared.errors import LojasyncError

# Today where the merchant is, under the name the pages and the API read it by.
from lojasync.shared.local_zone import day_end, day_start
from lojasync.shared.local_zone import local_day as local_today

# A due date is a calendar day where the merchant is (`merchant_zone`): a receivable due today is not overdue at
# 22:00 in São Paulo, although it is already tomorrow in UTC.


class Situation(StrEnum):
    """What the operator filters by: the three stored states, and "vencida", which is open and past due."""

    OPEN = "em-aberto"
    OVERDUE = "vencida"
    RECEIVED = "recebida"
    CANCELLED = "cancelada"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {Situation.OPEN: "em aberto", Situation.OVERDUE: "vencida", Situation.RECEIVED: "recebida",
           Situation.CANCELLED: "cancelada"}
_STORED = {Situation.OPEN: ReceivableStatus.OPEN, Situation.OVERDUE: ReceivableStatus.OPEN,
           Situation.RECEIVED: ReceivableStatus.RECEIVED, Situation.CANCELLED: ReceivableStatus.CANCELLED}


class DueRangeInvalid(LojasyncError):
    code = "finance.due_range_invalid"
    message_template = "Período de vencimento inválido: de {start} até {end}."
    resolution_template = "Informe a data inicial antes da final (ou deixe uma delas em branco)."


class ReceiptRangeInvalid(LojasyncError):
    code = "finance.receipt_range_invalid"
    message_template = "Período de recebimento inválido: de {start} até {end}."
    resolution_template = "Informe a data inicial antes da final (ou deixe uma delas em branco)."


@dataclass(frozen=True)
class ReceivableFilter:
    situation: Situation | None = None
    due_from: date | None = None      # inclusive
    due_to: date | None = None        # inclusive
    order_number: int | None = None
    # Only those flagged "conferir" (received, then their document cancelled: the money is to be returned or
    # kept on purpose, which a person settles with "Marcar como conferida").
    to_check: bool | None = None    # False: only those not flagged
    # The stored state, as the JSON's "status" says it ("open": due or past due alike); with `situation`, both.
    status: ReceivableStatus | None = None
    # The days the money came in (inclusive, where the merchant is): the cash of a day or a month, as the bank
    # statement shows it, whatever the due dates. Given, only received receivables match.
    received_from: date | None = None
    received_to: date | None = None


@dataclass(frozen=True)
class ReceivableList:
    items: list[dict[str, Any]]    # those asked for: every match, or one page of them (`find_receivables`)
    today: date
    # Amount and count per situation of every match (a "vencida" is not counted again as "em aberto"), a page
    # asked for or not: counted by the database.
    totals: dict[str, dict[str, Any]] = field(default_factory=dict)
    to_check: int = 0              # how many of the matches are flagged "conferir"

    @property
    def matched(self) -> int:
        """How many receivables match, cancelled ones included (`items` may be a page of them)."""
        return sum(total["count"] for total in self.totals.values())

    @property
    def total(self) -> Decimal:
        """What the matches add up to, cancelled ones left out: money no longer expected would overstate what
        the merchant receives (their amount is in `totals`, under "cancelada")."""
        return sum((t["amount"] for key, t in self.totals.items() if key != Situation.CANCELLED), Decimal("0"))

    @property
    def count(self) -> int:
        """How many receivables the total adds up (the cancelled ones are not)."""
        return sum(t["count"] for key, t in self.totals.items() if key != Situation.CANCELLED)


def situation_of(row: dict[str, Any], today: date) -> Situation:
    return _situation(ReceivableStatus(row["status"]), row["due_date"] < overdue_before(today))


def situated(row: dict[str, Any], today: date | None = None) -> dict[str, Any]:
    """The receivable with its situation as the Financeiro shows it: `situation` the stable id ("vencida": open
    and past due), `situation_label` the words; the list, the API and the terminal's JSON alike."""
    situation = situation_of(row, today or local_today())
    return {**row, "situation": situation.value, "situation_label": situation.label}


def find_receivables(uow: FinanceUnitOfWork, criteria: ReceivableFilter, today: date | None = None, *,
                     limit: int | None = None, offset: int = 0) -> ReceivableList:
    """The receivables that match, by due date (`limit`/`offset`: one page of them), each with its situation
    ("vencida" included), and the totals per situation of every match."""
    today = today or local_today()
    if criteria.due_from and criteria.due_to and criteria.due_from > criteria.due_to:
        raise DueRangeInvalid(start=f"{criteria.due_from:%d/%m/%Y}", end=f"{criteria.due_to:%d/%m/%Y}")
    if criteria.received_from and criteria.received_to and criteria.received_from > criteria.received_to:
        raise ReceiptRangeInvalid(start=f"{criteria.received_from:%d/%m/%Y}", end=f"{criteria.received_to:%d/%m/%Y}")
    totals = {s.value: {"label": s.label, "count": 0, "amount": Decimal("0")} for s in Situation}
    stored = _STORED[criteria.situation] if criteria.situation else criteria.status
    if criteria.situation and criteria.status and criteria.status is not stored:   # "vencida" and "received"
        return ReceivableList([], today, totals)
    due_from, due_to = criteria.due_from, criteria.due_to
    # Overdue: due before the last business day before today, or on it (one due on Saturday is paid on Monday).
    threshold = overdue_before(today)
    if criteria.situation is Situation.OVERDUE:   # open and due before the threshold
        due_to = min(due_to, threshold - timedelta(days=1)) if due_to else threshold - timedelta(days=1)
    elif criteria.situation is Situation.OPEN:    # open and due from it on
        due_from = max(due_from, threshold) if due_from else threshold
    if due_from and due_to and due_from > due_to:   # "vencida" of a range that starts today or later
        return ReceivableList([], today, totals)
    where = {"due_from": due_from, "due_to": due_to, "to_check": criteria.to_check,
             # A receipt is kept as a moment (noon of the day a person gave, or when it was marked): the day's
             # bounds where the merchant is, not UTC's (a receipt at 22:00 in São Paulo is the next day in UTC).
             "received_since": day_start(criteria.received_from) if criteria.received_from else None,
             "received_before": day_end(criteria.received_to) if criteria.received_to else None}
    with uow:
        counted = uow.receivables.summary(threshold, stored, criteria.order_number, **where)
        rows = [situated(receivable_view(r), today) for r in uow.receivables.list(
            stored, criteria.order_number, **where, limit=limit, offset=offset)]
    flagged = 0
    for status, past, count, amount, to_check in counted:
        situation = _situation(status, past)
        totals[situation.value]["count"] += count
        totals[situation.value]["amount"] += amount
        flagged += to_check
    return ReceivableList(rows, today, totals, flagged)


def to_check_of(uow: FinanceUnitOfWork, source_type: str, source_id: str) -> int:
    """How many of a document's receivables are flagged "conferir" (received, then the document cancelled): the
    page, the terminal and the API that cancelled it say where they are (its words alone said to check, not where)."""
    with uow:
        return sum(1 for r in uow.receivables.for_source(source_type, source_id) if r.needs_attention)


def _situation(status: ReceivableStatus, past_due: bool) -> Situation:
    if status is ReceivableStatus.OPEN:
        return Situation.OVERDUE if past_due else Situation.OPEN
    return Situation.RECEIVED if status is ReceivableStatus.RECEIVED else Situation.CANCELLED
