"""The words of a sync's counts, in the terminal and on the Integração page: singular for one (terminal journey:
"1 pedidos lidos em 1 página(s)", "Resultado: 1 precisam de atenção")."""

from __future__ import annotations

from datetime import datetime, timezone

from lojasync.entrypoints.cli import context
from lojasync.entrypoints.cli.sync import print_sync_report
from lojasync.nuvemshop.services.outcomes import ImportReport, ImportResult, Outcome, outcome_label
from lojasync.nuvemshop.services.sync_store import SyncReport


def _report(fetched: int, pages: int, calls: int, outcomes: list[Outcome]) -> SyncReport:
    results = [ImportResult(str(i), outcome, order_number=i) for i, outcome in enumerate(outcomes, 1)]
    return SyncReport("123", datetime(2026, 12, 1, tzinfo=timezone.utc), False, pages=pages, fetched=fetched,
                      api_calls=calls, seconds=0.4, imports=ImportReport(results))


def test_one_of_each_is_said_in_the_singular(capsys, monkeypatch):
    monkeypatch.setattr(context.console, "width", 200)
    print_sync_report(_report(1, 1, 1, [Outcome.ATTENTION]))
    said = " ".join(capsys.readouterr().out.split())
    assert "1 pedido lido em 1 página, 1 chamada à API, 0,4 s." in said
    assert "Resultado: 1 precisa de atenção." in said


def test_several_are_said_in_the_plural(capsys, monkeypatch):
    monkeypatch.setattr(context.console, "width", 200)
    print_sync_report(_report(3, 2, 4, [Outcome.CREATED, Outcome.CREATED, Outcome.UPDATED]))
    said = " ".join(capsys.readouterr().out.split())
    assert "3 pedidos lidos em 2 páginas, 4 chamadas à API, 0,4 s." in said
    assert "Resultado: 2 criados, 1 atualizado." in said


def test_every_outcome_has_words_for_one_and_for_several():
    for outcome in Outcome:
        assert outcome_label(outcome, 1) and outcome_label(outcome, 2)
    assert outcome_label(Outcome.BEFORE_START, 1) == "anterior à data inicial (não importado)"
    assert outcome_label(Outcome.BEFORE_START, 2) == "anteriores à data inicial (não importados)"
