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
