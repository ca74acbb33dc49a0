"""The stock and receivables tables in an 80-column terminal and in a wide one: one line per row, and what is left
out at 80 columns is named with the command that shows it."""

from __future__ import annotations

import json

import pytest

from lojasync.entrypoints.cli.context import console
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from tests.factories import make_store, order_payload


@pytest.fixture()
def processed(lojasync, app) -> int:
    """An order sold and cancelled (stock out and back, receivables cancelled), then a product counted."""
    payment = {"method": "credit_card", "credit_card_company": "visa", "installments": "2"}
    number = import_order(app.uow(), make_store(app), order_payload(id=1900000001, payment_details=payment),
                          ImportPolicy()).order_number
    sale = json.loads(lojasync("orders", "sale", str(number), "--format", "json"))
    lojasync("sales", "confirm", str(sale["id"]))
    lojasync("sales", "cancel", str(sale["id"]))
    lojasync("stock", "count", "CAM-ALG-P", "--quantity", "7")
    return number


def terminal(monkeypatch, columns: int) -> None:
    """A terminal of that width, as rich finds it: COLUMNS, with no width fixed on the console by another test."""
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setattr(console, "_width", None)


def body(shown: str) -> list[str]:
    """The table's rows: the lines between the header's rule (┡) and the bottom (└)."""
    lines = shown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("┡"))
    return lines[start + 1:next(i for i, line in enumerate(lines) if line.startswith("└"))]


COMMANDS = [  # command, rows, the column left out at 80 columns, where the caption says it is
    (("stock", "list"), 2, "Controlado pelo ERP", "Disponível na loja é —"),
    (("stock", "movements", "CAM-ALG-P"), 3, "Motivo", "lojasync stock movements CAM-ALG-P --format json"),
    (("receivables", "list"), 2, "Documento", "lojasync orders show PEDIDO"),
]


@pytest.mark.parametrize(("command", "rows", "dropped", "where"), COMMANDS)
def test_at_80_columns_each_row_is_one_line(lojasync, processed, monkeypatch, command, rows, dropped, where):
    """walk-through: at COLUMNS=80 these rows folded over two to four lines each."""
    terminal(monkeypatch, 80)
    shown = lojasync(*command)
    assert all(len(line) <= 80 for line in shown.splitlines())
    assert len(body(shown)) == rows
    assert f'"{dropped}" fora da tabela' in " ".join(shown.split()) and where in " ".join(shown.split())


@pytest.mark.parametrize(("command", "rows", "dropped", "where"), COMMANDS)
def test_a_wide_terminal_keeps_every_column(lojasync, processed, monkeypatch, command, rows, dropped, where):
    terminal(monkeypatch, 200)
    shown = lojasync(*command)
    assert len(body(shown)) == rows
    assert dropped in next(line for line in shown.splitlines() if line.startswith("┃"))
    assert "não cabe na largura deste terminal" not in shown


def test_store_updates_at_80_columns_keep_words_and_keys_whole(lojasync, app, monkeypatch):
    """review: "Situaçã|o", "pendent|e", a 44-digit key over six lines."""
    from datetime import datetime, timezone

    store = make_store(app)
    import_order(app.uow(), store, order_payload(id=1900000003), ImportPolicy())
    key = "35261211222333000181550010000000011000000019"
    with app.uow() as uow:
        uow.store_updates.want_invoice_key(store, "1900000003", key, datetime.now(timezone.utc))
        uow.commit()
    terminal(monkeypatch, 80)
    shown = lojasync("store", "updates")
    assert all(len(line) <= 80 for line in shown.splitlines()), shown
    assert key in shown and "pendente" in shown


def test_at_80_columns_an_entradas_reason_stays_when_no_movement_has_an_order(lojasync, app, monkeypatch):
    """Review: the order's column, added, pushed "Motivo" out at 80 columns, and with it the only place the terminal
    says an entrada's or a saída's reason; a ledger of counts and adjustments has no order to show."""
    from decimal import Decimal

    from lojasync.stock.products import Product

    with app.uow() as uow:
        uow.products.add(Product("CAMISA-NOVA", "Camisa nova", Decimal("10")))
        uow.commit()
    lojasync("stock", "count", "CAMISA-NOVA", "--quantity", "5")
    lojasync("stock", "adjust", "CAMISA-NOVA", "--quantity", "-1", "--reason", "avaria")
    terminal(monkeypatch, 80)
    shown = lojasync("stock", "movements", "CAMISA-NOVA")
    assert all(len(line) <= 80 for line in shown.splitlines())
    assert "Saída: avaria" in shown and "Pedido" not in shown
    # Who made them (the terminal's login) gives way first, and the caption says where it is.
    # Named as a column (terminal journey: "Por: lojasync stock movements ..." read as the column's value).
    assert ('Coluna "Por" fora da tabela (não cabe na largura deste terminal): lojasync stock movements CAMISA-NOVA '
            "--format json." in " ".join(shown.split()))


def test_the_movements_say_who_made_them(lojasync, app, monkeypatch):
    """The person who counted or registered an entrada or saída, and who approved the document behind a baixa, are kept
    with each movement and shown by the terminal (wide enough), the JSON and the API."""
    from decimal import Decimal

    from lojasync.sales.history import Person
    from lojasync.stock.products import Product
    from lojasync.stock.views import stock_movements

    with app.uow() as uow:
        uow.products.add(Product("CAMISA-NOVA", "Camisa nova", Decimal("10")))
        uow.commit()
    monkeypatch.setattr("getpass.getuser", lambda: "maria")
    lojasync("stock", "count", "CAMISA-NOVA", "--quantity", "5")
    lojasync("stock", "adjust", "CAMISA-NOVA", "--quantity", "-1", "--reason", "avaria")
    terminal(monkeypatch, 160)
    shown = lojasync("stock", "movements", "CAMISA-NOVA")
    assert shown.count(Person.terminal("maria").label) == 2 and "não cabe" not in shown
    rows = stock_movements(app.read_uow(), "CAMISA-NOVA")
    assert [r["made_by"] for r in rows] == ["operador terminal (maria)"] * 2
