"""Read side of receivables for the Financeiro page: filtered by situation and due date, with "vencida" (open
and past due) told apart, and the totals of what is shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from lojasync.finance.receivables import ReceivableStatus
from lojasync.finance.services import FinanceUnitOfWork, receivable_view
from lojasync.shared.errors import LojasyncError

# A due date is a calendar day where the merchant is: a receivable due today is not overdue at 22:00 in
# São Paulo, although it is already tomorrow in UTC.
LOCAL = ZoneInfo("America/Sao_Paulo")


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


@dataclass(frozen=True)
class ReceivableFilter:
    situation: Situation | None = None
    due_from: date | None = None      # inclusive
    due_to: date | None = None        # inclusive
    order_number: int | None = None
    # Only those flagged "conferir" (received, then their document cancelled: the money is to be returned or
    # kept on purpose, which a person settles with "Marcar como conferida").
    to_check: bool = False
    # The stored state, as the JSON's "status" says it ("open": due or past due alike); with `situation`, both.
    status: ReceivableStatus | None = None


@dataclass(frozen=True)
class ReceivableList:
    items: list[dict[str, Any]]
    today: date
    # Amount and count per situation of the rows shown (a "vencida" is not counted again as "em aberto").
    totals: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        """What the rows shown add up to, cancelled ones left out: money no longer expected would overstate what
        the merchant receives (their amount is in `totals`, under "cancelada")."""
        return sum((row["amount"] for row in self._counted()), Decimal("0"))

    @property
    def to_check(self) -> int:
        """How many of the rows shown are flagged "conferir"."""
        return sum(1 for row in self.items if row["needs_attention"])

    @property
    def count(self) -> int:
        """How many rows the total adds up (the cancelled ones are not)."""
        return len(self._counted())

    def _counted(self) -> list[dict[str, Any]]:
        return [row for row in self.items if row["situation"] != Situation.CANCELLED]


def local_today(now: datetime | None = None) -> date:
    return (now or datetime.now(LOCAL)).astimezone(LOCAL).date()


def situation_of(row: dict[str, Any], today: date) -> Situation:
    status = ReceivableStatus(row["status"])
    if status is ReceivableStatus.OPEN:
        return Situation.OVERDUE if row["due_date"] < today else Situation.OPEN
    return Situation.RECEIVED if status is ReceivableStatus.RECEIVED else Situation.CANCELLED


def situated(row: dict[str, Any], today: date | None = None) -> dict[str, Any]:
    """The receivable with its situation as the Financeiro shows it: `situation` the stable id ("vencida": open
    and past due), `situation_label` the words; the list, the API and the terminal's JSON alike."""
    situation = situation_of(row, today or local_today())
    return {**row, "situation": situation.value, "situation_label": situation.label}


def find_receivables(uow: FinanceUnitOfWork, criteria: ReceivableFilter, today: date | None = None
                     ) -> ReceivableList:
    """The receivables that match, by due date, each with its situation ("vencida" included), and the totals
    per situation of those shown."""
    today = today or local_today()
    if criteria.due_from and criteria.due_to and criteria.due_from > criteria.due_to:
        raise DueRangeInvalid(start=f"{criteria.due_from:%d/%m/%Y}", end=f"{criteria.due_to:%d/%m/%Y}")
    stored = _STORED[criteria.situation] if criteria.situation else criteria.status
    due_from, due_to = criteria.due_from, criteria.due_to
    if criteria.situation is Situation.OVERDUE:   # open and due before today
        due_to = min(due_to, today - timedelta(days=1)) if due_to else today - timedelta(days=1)
    elif criteria.situation is Situation.OPEN:    # open and due today or later
        due_from = max(due_from, today) if due_from else today
    with uow:
        rows = [receivable_view(r) for r in uow.receivables.list(stored, criteria.order_number, due_from=due_from,
                                                                   due_to=due_to, to_check=criteria.to_check)]
    items = []
    for row in (situated(r, today) for r in rows):
        if criteria.situation and row["situation"] != criteria.situation.value:
            continue
        if criteria.status and row["status"] != criteria.status.value:
            continue
        if criteria.due_from and row["due_date"] < criteria.due_from:
            continue
        if criteria.due_to and row["due_date"] > criteria.due_to:
            continue
        if criteria.to_check and not row["needs_attention"]:
            continue
        items.append(row)
    items.sort(key=lambda r: (r["due_date"], r["id"]))
    totals = {s.value: {"label": s.label, "count": 0, "amount": Decimal("0")} for s in Situation}
    for row in items:
        totals[row["situation"]]["count"] += 1
        totals[row["situation"]]["amount"] += row["amount"]
    return ReceivableList(items, today, totals)
