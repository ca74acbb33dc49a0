"""How the CLI's tables read in a terminal of a given width: a value a person copies (the NF-e's access key)
is never folded over two lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lojasync.entrypoints.cli.context import console
from lojasync.entrypoints.cli.invoices import print_invoices
from lojasync.fiscal.services.views import InvoiceView

KEY = "35261211222333000181550010000000031111758789"


def invoice(id_: int, number: int, key: str | None = KEY) -> InvoiceView:
    return InvoiceView(id=id_, status="authorised", status_label="autorizada", order_number=9, store_number="109",
                       number=number, series=1, access_key=key, environment="2", total=Decimal("274.25"),
                       protocol="135260000000001", simulated=True, rejection_code=None, rejection_reason=None,
                       attempts=1, issued_at=None, authorised_at=None, cancelled_at=None, cancel_justification=None,
                       lines=[])


def printed(monkeypatch, capsys, width: int, invoices: list[InvoiceView]) -> str:
    monkeypatch.setattr(console, "width", width)
    print_invoices(invoices)
    return capsys.readouterr().out


def test_at_80_columns_the_list_leaves_the_key_to_invoices_show(monkeypatch, capsys):
    """walk-through: at 80 columns the 44-digit key folded over two or three lines in every row."""
    shown = printed(monkeypatch, capsys, 80, [invoice(7, 12), invoice(3, 3, KEY.replace("31111", "41111"))])
    assert all(len(line) <= 80 for line in shown.splitlines())
    assert "Chave de acesso" not in shown.splitlines()[2] and KEY[:17] not in shown   # no piece of a key
    # Where the key is, in Portuguese.
    assert "lojasync invoices show ID" in " ".join(shown.split()) and "--format json" in shown


@pytest.mark.parametrize("width", [120, 200])
def test_a_wide_terminal_shows_each_key_whole_on_one_line(monkeypatch, capsys, width):
    shown = printed(monkeypatch, capsys, width, [invoice(7, 12), invoice(8, 13, None)])
    assert "Chave de acesso" in shown
    assert sum(KEY in line for line in shown.splitlines()) == 1
    assert "invoices show ID" not in shown


@pytest.mark.parametrize("width", range(90, 131, 5))
def test_at_any_width_the_key_is_whole_or_left_out_and_nothing_else_is_cut_in_a_word(monkeypatch, capsys, width):
    """Between the two, rich would squeeze the other columns to make room ("[homologaç" / "ão]")."""
    shown = printed(monkeypatch, capsys, width, [invoice(7, 12)])
    whole = sum(KEY in line for line in shown.splitlines()) == 1
    assert whole or (KEY[:10] not in shown and "lojasync invoices show ID" in " ".join(shown.split()))
    assert "[homologação]" in shown and "autorizada" in shown
