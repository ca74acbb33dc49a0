"""Typed outcomes of an import, counted by the sync and shown by the CLI."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from lojasync.shared.errors import LojasyncError


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"      # same or older version than the one imported: skipped
    ATTENTION = "attention"      # processed order changed in the store: recorded and flagged, not applied
    FAILED = "failed"
    BEFORE_START = "before_start"  # created in the store before the import rules' first day: not brought in


OUTCOME_LABELS = {
    Outcome.CREATED: "criados",
    Outcome.UPDATED: "atualizados",
    Outcome.UNCHANGED: "sem mudança",
    Outcome.ATTENTION: "precisam de atenção",
    Outcome.FAILED: "com erro",
    Outcome.BEFORE_START: "anteriores à data inicial (não importados)",
}
# One order: "1 precisa de atenção", not "1 precisam de atenção" (terminal journey).
_OUTCOME_LABEL_OF_ONE = {
    Outcome.CREATED: "criado",
    Outcome.UPDATED: "atualizado",
    Outcome.UNCHANGED: "sem mudança",
    Outcome.ATTENTION: "precisa de atenção",
    Outcome.FAILED: "com erro",
    Outcome.BEFORE_START: "anterior à data inicial (não importado)",
}


def outcome_label(outcome: Outcome, count: int) -> str:
    """The words after a count of orders with this outcome, in the singular for one."""
    return (_OUTCOME_LABEL_OF_ONE if count == 1 else OUTCOME_LABELS)[outcome]


@dataclass(frozen=True)
class ImportResult:
    external_id: str | None
    outcome: Outcome
    order_number: int | None = None
    message: str | None = None
    error: LojasyncError | None = None   # FAILED: the error itself (its code and resolution), kept with the payload


@dataclass
class ImportReport:
    results: list[ImportResult] = field(default_factory=list)

    def extend(self, other: ImportReport) -> None:
        self.results.extend(other.results)

    def counts(self) -> Counter[Outcome]:
        return Counter(r.outcome for r in self.results)

    def failed(self) -> list[ImportResult]:
        return [r for r in self.results if r.outcome is Outcome.FAILED]
