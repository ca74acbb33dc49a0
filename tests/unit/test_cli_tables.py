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
    monkeypatch.setattr(console, "_width", width)   # "width" would be left set to its old value on undo
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


# -- stock and receivables: one row a line at 80 columns -----------------------------------------------------------

LONG_NAME = "Café Especial Torrado em Grãos (Moído médio)"
LEVELS = [{"product_id": 1, "sku": "CAF-ESP-MOI-MED", "reference": "CAF-ESP-MOI-MED", "name": LONG_NAME,
           "quantity": 1234, "reserved": 2, "available": 1232, "managed": True},
          {"product_id": 2, "sku": "CAN-CER", "reference": "CAN-CER", "name": "Caneca Cerâmica", "quantity": 0,
           "reserved": 0, "available": 0, "managed": False}]
MOVEMENTS = [{"at": "2026-11-30T10:40:00+00:00", "quantity": -2, "balance": -2, "source_type": "nfe",
              "source_id": "12", "reason": "Baixa: NF-e nº 1041 série 1"},
             {"at": "2026-11-30T11:40:00+00:00", "quantity": 2, "balance": 0, "source_type": "nfe_cancel",
              "source_id": "12", "reason": "Devolução: NF-e nº 1041 série 1 cancelada"},
             {"at": "2026-11-30T12:40:00+00:00", "quantity": 1500, "balance": 1500, "source_type": "count",
              "source_id": "9f1c2e", "reason": "Contagem: 1500 em estoque"}]
RECEIVABLES = [{"id": 1041, "order_number": 10412, "document": "nfe", "document_id": 12, "installment": 1,
                "installments": 3, "amount": Decimal("1234.56"), "due_date": "2026-12-30",
                "situation_label": "recebida", "needs_attention": True, "attention_reason": "Confira a devolução."},
               {"id": 1042, "order_number": 10413, "document": "simple_sale_cancel", "document_id": 5,
                "installment": 2, "installments": 3, "amount": Decimal("80"), "due_date": "2027-01-30",
                "situation_label": "cancelada", "needs_attention": False, "attention_reason": None}]


def print_levels():
    from lojasync.entrypoints.cli.stock import print_stock_levels
    print_stock_levels(LEVELS)


def print_movements():
    from lojasync.entrypoints.cli.stock import print_movements
    print_movements("CAF-ESP-MOI-MED", MOVEMENTS, {"12": 1041})


def print_receivables():
    from lojasync.entrypoints.cli.receivables import print_receivables
    print_receivables(RECEIVABLES, {"12": 1041})


def rows_of(shown: str) -> list[str]:
    """The table's body lines (between the header's ┡ rule and the bottom └ rule)."""
    lines = shown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("┡"))
    end = next(i for i, line in enumerate(lines) if line.startswith("└"))
    return lines[start + 1:end]


def shown_at(monkeypatch, capsys, width: int, printer) -> str:
    monkeypatch.setattr(console, "_width", width)   # "width" would be left set to its old value on undo
    printer()
    return capsys.readouterr().out


@pytest.mark.parametrize(("printer", "count", "dropped", "where"), [
    (print_levels, len(LEVELS), "Controlado pelo ERP", "Disponível na loja é —"),
    (print_movements, len(MOVEMENTS), "Motivo", "lojasync stock movements CAF-ESP-MOI-MED --format json"),
    (print_receivables, len(RECEIVABLES), "Documento", "lojasync orders show PEDIDO"),
])
def test_at_80_columns_each_row_is_one_line_and_the_caption_says_where_the_dropped_column_is(
        monkeypatch, capsys, printer, count, dropped, where):
    """walk-through: at 80 columns these rows folded over two to four lines ("não (fica / com a / loja)")."""
    shown = shown_at(monkeypatch, capsys, 80, printer)
    assert all(len(line) <= 80 for line in shown.splitlines())
    assert len(rows_of(shown)) == count
    # Whole: the terminal cuts a wider table at 80 (review: the stock list lost its right border).
    assert all(line.endswith(("│", "┃", "┩", "┓", "┘")) for line in shown.splitlines()
               if line.startswith(("│", "┃", "┡", "┏", "└")))
    header = next(line for line in shown.splitlines() if line.startswith("┃"))
    assert dropped not in header
    caption = " ".join(shown.split())
    assert f'Coluna "{dropped}" fora da tabela (não cabe na largura deste terminal): ' in caption and where in caption


@pytest.mark.parametrize(("printer", "count", "whole"), [
    (print_levels, len(LEVELS), ["Controlado pelo ERP", "não (fica com a loja)", LONG_NAME]),
    (print_movements, len(MOVEMENTS), ["Motivo", "Devolução: NF-e nº 1041 série 1 cancelada",
                                       "NF-e nº 1041 cancelada (id 12)", "Contagem: 1.500 em estoque", "+1.500"]),
    (print_receivables, len(RECEIVABLES), ["Documento", "NF-e nº 1041 (id 12)", "venda simples cancelada 5"]),
])
def test_a_wide_terminal_shows_every_column_whole_and_no_caption(monkeypatch, capsys, printer, count, whole):
    shown = shown_at(monkeypatch, capsys, 200, printer)
    assert len(rows_of(shown)) == count
    assert all(any(value in line for line in shown.splitlines()) for value in whole)
    assert "não cabe na largura deste terminal" not in shown


def test_a_long_product_name_is_cut_on_its_line_and_the_numbers_stay_whole(monkeypatch, capsys):
    rows = rows_of(shown_at(monkeypatch, capsys, 80, print_levels))
    assert "Café Especial" in rows[0] and "…" in rows[0] and LONG_NAME not in rows[0]
    assert "CAF-ESP-MOI-MED" in rows[0] and "1.234" in rows[0] and "1.232" in rows[0]
    assert "Caneca Cerâmica" in rows[1] and "—" in rows[1]


@pytest.mark.parametrize("width", range(60, 201, 7))
def test_at_any_width_a_row_is_one_line_or_folds_only_when_even_the_narrow_table_cannot_fit(monkeypatch, capsys,
                                                                                           width):
    """Between the two, the whole table is kept only if every row stays on one line. Narrower than the table
    without its optional column, one line per row, every column there and no value cut (review: the table was
    cut at the terminal's edge, its last column and border lost)."""
    for printer, count, values in ((print_levels, len(LEVELS), ["CAF-ESP-MOI-MED", LONG_NAME, "1.232"]),
                                   (print_movements, len(MOVEMENTS), ["+1.500", "Contagem: 1.500 em estoque"]),
                                   (print_receivables, len(RECEIVABLES), ["R$ 1.234,56", "NF-e nº 1041 (id 12)"])):
        shown = shown_at(monkeypatch, capsys, width, printer)
        assert all(len(line.rstrip()) <= width for line in shown.splitlines())
        if width >= 80:
            assert len(rows_of(shown)) == count, (printer.__name__, width, shown)
        if "┡" in shown:   # a table: its right border is there, nothing cut at the edge
            assert all(line.endswith(("│", "┃", "┩", "┓", "┘")) for line in shown.splitlines()
                       if line.startswith(("│", "┃", "┡", "┏", "└"))), (printer.__name__, width, shown)
        else:
            assert all(value in " ".join(shown.split()) for value in values), (printer.__name__, width, shown)


def test_a_sku_too_long_for_the_narrow_table_is_shown_whole_with_every_column(monkeypatch, capsys):
    """review: at 80 columns a 46-character SKU left the table wider than the terminal, cut at its edge (the
    last column and the border lost)."""
    from lojasync.entrypoints.cli.stock import print_stock_levels

    sku = "CAMISETA-ALGODAO-ORGANICO-AZUL-MARINHO-GG-2026"
    monkeypatch.setattr(console, "_width", 80)
    print_stock_levels([{**LEVELS[0], "sku": sku, "reference": sku}, LEVELS[1]])
    shown = capsys.readouterr().out
    assert all(len(line.rstrip()) <= 80 for line in shown.splitlines())
    flat = " ".join(shown.split())
    assert sku in flat and "Disponível na loja 1.232" in flat and "Controlado pelo ERP não (fica com a loja)" in flat


def test_a_list_of_orders_too_wide_for_the_terminal_keeps_every_value_whole(monkeypatch, capsys):
    """Hostile-environment review: at 60 columns `orders list` showed "R$ 588,9" for R$ 588,98 and "Em Abert", the
    customer gone; a table that cannot keep its values whole prints one line per row instead."""
    from lojasync.entrypoints.cli.output import Column, money_column, table_or_lines, time_column

    columns = [Column("Nº", justify="right", no_wrap=True), time_column("Data"), Column("Situação", no_wrap=True),
               Column("Nº loja", no_wrap=True), Column("Cliente", ratio=1), money_column("Total")]
    rows = [[312, "02/12/2026 02:55", "Em Aberto", "#411", "Ian Teixeira", "R$ 588,98"]]

    def shown(width: int) -> str:
        monkeypatch.setattr(console, "_width", width)   # "width" would be left set to its old value on undo
        table_or_lines("Pedidos/Orçamentos (1)", columns, rows)
        return capsys.readouterr().out

    narrow = " ".join(shown(60).split())
    assert "Total R$ 588,98" in narrow and "Situação Em Aberto" in narrow and "Cliente Ian Teixeira" in narrow
    assert "┃" not in shown(60)
    wide = shown(120)
    assert "┃" in wide and "R$ 588,98" in wide   # a table where it fits
