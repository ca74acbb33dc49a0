"""The CLI prints no control character that came with the data: an order kept before the import dropped them (or
a SKU, kept as the store sent it) cannot drive the operator's terminal."""

from __future__ import annotations

import io

from lojasync.entrypoints.cli.output import Column, table
from lojasync.entrypoints.cli.safe_console import safe_console

HOSTILE = "Eve \x1b]0;HACKED\x07\x1b[2J\x1b[31mVERMELHO\x1b[0m \x1b]8;;https://evil.example/\x1b\\clique\x9b5m"


def test_text_printed_by_the_cli_loses_its_escape_sequences_and_keeps_its_words():
    out = io.StringIO()
    console = safe_console(file=out, width=200)
    console.print(HOSTILE, highlight=False)
    printed = out.getvalue()
    assert "\x1b" not in printed and "\x07" not in printed and "\x9b" not in printed
    assert "Eve" in printed and "VERMELHO" in printed and "clique" in printed


def test_the_cli_console_still_colours_its_own_words_on_a_terminal():
    out = io.StringIO()
    console = safe_console(file=out, width=200, force_terminal=True, color_system="standard")
    console.print(f"[bold red]Atenção[/] {HOSTILE}", highlight=False)
    printed = out.getvalue()
    assert "\x1b[1;31mAtenção\x1b[0m" in printed   # rich's own style, as before
    assert "\x1b[2J" not in printed and "\x1b]" not in printed and "\x07" not in printed


def test_a_table_cell_with_a_control_sequence_is_printed_without_it(monkeypatch, capsys):
    from lojasync.entrypoints.cli.context import console
    monkeypatch.setattr(console, "_width", 80)
    table("Estoque", [Column("SKU", no_wrap=True), Column("Produto")], [["K\x1b[2J-1", "Caneca \x1b[31mvermelha"]])
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "K[2J-1" in printed and "Caneca [31mvermelha" in printed


def test_json_output_escapes_the_c1_controls_and_keeps_the_data(monkeypatch, capsys):
    """review: a SKU is kept as the store sent it, and json.dumps writes U+009B (CSI) and U+009D (OSC) raw on a UTF-8
    terminal, which some obey."""
    import json

    from lojasync.entrypoints.cli import output

    monkeypatch.setattr(output, "_utf8", lambda stream: True)   # the terminal's UTF-8, where json.dumps wrote them raw
    sku = "CAM\x9b2J\x9d8;;http://x\x9c\x7f-é"
    output.print_json({"sku": sku})
    printed = capsys.readouterr().out
    assert not any("\x7f" <= c <= "\x9f" for c in printed) and "é" in printed
    assert json.loads(printed) == {"sku": sku}
