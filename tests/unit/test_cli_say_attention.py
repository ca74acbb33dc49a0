"""A warning said after a command's result (the IBS/CBS rates' year after an NF-e) never takes the result's place."""

from __future__ import annotations

from lojasync.entrypoints.cli import context
from lojasync.shared.errors import Gap


def test_a_warning_whose_read_fails_says_nothing_and_raises_nothing(capsys):
    def unreachable():
        raise OSError("database is locked")

    context.say_attention(unreachable)   # review: the approval's result was replaced by this read's error
    assert capsys.readouterr().err == ""


def test_a_warning_read_by_a_function_is_said_with_its_command(capsys):
    context.say_attention(lambda: Gap("as alíquotas são de 2026", "lojasync company taxes --confirm-ibs-cbs"))
    said = " ".join(capsys.readouterr().err.split())
    assert "Atenção: as alíquotas são de 2026" in said
    assert "No terminal: lojasync company taxes --confirm-ibs-cbs" in said
