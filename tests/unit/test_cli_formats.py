"""The CLI's words and values in pt-BR: money, numbers, dates in the store's time zone, CPF/CNPJ, labels of
the history and of the store's states, Typer's own messages, the simulator's startup text."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.formats import address_line, cep
from lojasync.entrypoints.cli.sync import interrupted_message
from lojasync.sales.history import HistoryType, Level
from lojasync.sales.history_text import (
    STORE_STATE_VALUE_LABELS,
    Names,
    level_label,
    render,
    store_state_label,
    type_label,
)
from lojasync.shared import local_zone

# -- values ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [
    (Decimal("1117.14"), "R$ 1.117,14"), ("1117.14", "R$ 1.117,14"), ("0.5", "R$ 0,50"), (0, "R$ 0,00"),
    ("1234567.891", "R$ 1.234.567,89"), ("-20.00", "-R$ 20,00"), (None, "—"),
])
def test_money_in_reais(value, shown):
    assert formats.money(value) == shown


def test_numbers_group_thousands_with_a_dot():
    assert (formats.number(2005), formats.number(850), formats.number(1_000_000)) == ("2.005", "850", "1.000.000")
    assert formats.format_decimal_places(12.46, 1) == "12,5"


@pytest.mark.parametrize(("moment", "shown"), [
    (datetime(2026, 11, 30, 10, 40, tzinfo=timezone.utc), "30/11/2026 07:40"),
    ("2026-11-30T10:40:00+00:00", "30/11/2026 07:40"),
    ("2026-11-30T10:40:00", "30/11/2026 07:40"),          # stored without a zone: UTC
    ("2026-12-01T02:59:00+00:00", "30/11/2026 23:59"),    # the store's day, not UTC's
    (None, "—"),
])
def test_times_are_shown_in_the_store_time_zone(moment, shown):
    assert formats.when(moment) == shown


def test_a_day_is_the_store_calendar_day():
    assert formats.day("2026-12-01T02:59:00+00:00") == "30/11/2026"


@pytest.mark.parametrize(("stored", "shown"), [
    ("52998224725", "529.982.247-25"), ("11222333000181", "11.222.333/0001-81"),
    ("12ABC34501DE35", "12.ABC.345/01DE-35"), ("123", "123"), (None, "—"),
])
def test_documents_are_shown_with_their_punctuation(stored, shown):
    assert formats.tax_id(stored) == shown


@pytest.mark.parametrize("typed", ["30/11/2026", "30/11/26", "2026-11-30", "30-11-2026", " 30/11/2026 "])
def test_a_day_as_people_type_it(typed):
    assert formats.parse_day(typed, "--since") == date(2026, 11, 30)


def test_a_period_covers_whole_days_in_the_store_time_zone():
    start, end = local_zone.day_start(date(2026, 11, 30)), local_zone.day_end(date(2026, 11, 30))
    assert start.astimezone(timezone.utc) == datetime(2026, 11, 30, 3, 0, tzinfo=timezone.utc)
    assert end.astimezone(timezone.utc) == datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("typed", ["amanhã", "2026/11/30", "31/02", "", "31-02-26"])
def test_a_wrong_day_is_an_error_in_portuguese(typed):
    with pytest.raises(formats.InvalidDate) as error:
        formats.parse_day(typed, "--until")
    assert error.value.code == "cli.invalid_date"
    assert "--until" in error.value.message and "DD/MM/AAAA" in error.value.resolution


@pytest.mark.parametrize(("typed", "why"), [
    ("31/02/2026", "Fevereiro de 2026 tem 28 dias."), ("29/02/25", "Fevereiro de 2025 tem 28 dias."),
    ("2026-04-31", "Abril de 2026 tem 30 dias."), ("31-06-2026", "Junho de 2026 tem 30 dias."),
    ("10/13/2026", "Não existe o mês 13."), ("00/01/2026", "Janeiro de 2026 tem 31 dias.")])
def test_a_day_not_in_the_calendar_is_said_so_not_a_wrong_format(typed, why):
    """review: "31/02/2026" was told to use the format DD/MM/AAAA, which it had used."""
    with pytest.raises(formats.InvalidDate) as error:
        formats.parse_day(typed, "--until")
    assert error.value.message == f"Data inexistente em --until: {typed}."
    assert error.value.resolution == f"{why} Confira o dia e o mês."
    assert formats.parse_day("29/02/2024", "--until") == date(2024, 2, 29)


def test_addresses_read_as_one_line():
    address = {"street": "Rua do Porto", "number": "7", "complement": None, "district": "Ponta Negra",
               "city": "Natal", "state": "RN", "zipcode": "59090000"}
    assert address_line(address) == "Rua do Porto, 7 — Ponta Negra — Natal/RN — CEP 59090-000"
    assert address_line(None) is None and address_line({}) is None
    assert cep("01001-000") == "01001-000" and cep("1234") == "1234"


def test_an_interrupted_sync_says_how_far_it_got_in_pt_br():
    assert interrupted_message(850, 2005) == (
        "Interrompida: 850 de 2.005 gravados; rode `lojasync sync` para continuar.")
    assert interrupted_message(0, None) == "Interrompida: 0 gravados; rode `lojasync sync` para continuar."


# -- labels ------------------------------------------------------------------------------------------------------


def test_every_history_type_and_level_has_a_portuguese_label():
    for entry_type in HistoryType:
        assert type_label(entry_type) != entry_type.value, entry_type
    assert [level_label(level) for level in Level] == ["informação", "aviso", "erro"]
    assert type_label("from_the_future") == "from_the_future" and level_label("debug") == "debug"


@pytest.mark.parametrize(("kind", "code", "label"), [
    ("status", "open", "aberto"), ("status", "closed", "arquivado"), ("status", "cancelled", "cancelado"),
    ("payment_status", "pending", "pendente"), ("payment_status", "authorized", "autorizado"),
    ("payment_status", "paid", "pago"), ("payment_status", "voided", "anulado"),
    ("payment_status", "refunded", "reembolsado"), ("payment_status", "abandoned", "abandonado"),
    ("shipping_status", "unpacked", "não embalado"), ("shipping_status", "unfulfilled", "não enviado"),
    ("shipping_status", "fulfilled", "enviado"), ("shipping_status", "shipped", "enviado"),
    ("cancel_reason", "fraud", "suspeita de fraude"), ("payment_method", "credit_card", "cartão de crédito"),
])
def test_the_store_states_in_portuguese(kind, code, label):
    assert store_state_label(kind, code) == label


def test_an_unknown_store_state_is_shown_as_it_came():
    assert store_state_label("payment_status", "in_the_future") == "in_the_future"
    assert store_state_label("payment_status", None) is None
    assert set(STORE_STATE_VALUE_LABELS) >= {"status", "payment_status", "shipping_status"}


def test_money_in_history_sentences_is_written_by_the_interface():
    params = {"count": 2, "total": "1117.14", "document": "NF-e 12"}
    assert render("receivables_created", params, Names(money=formats.money)).endswith(
        "total R$ 1.117,14 (NF-e 12).")
    # One that names no way (the LGPD export did not) still writes it in pt-BR (review: "R$ 1117.14").
    assert render("receivables_created", params, Names()).endswith("total R$ 1.117,14 (NF-e 12).")


def test_a_replaced_customer_is_named_in_the_history_when_shown():
    names = Names(customers={1: "Ana Souza", 2: "João Silva"}, documents={1: "*******4725"})
    assert render("customer_linked", {"customer_id": 1, "previous_customer_id": 2}, names) == (
        "Cliente Ana Souza (*******4725) vinculado manualmente (substituiu João Silva).")
    assert render("customer_linked", {"customer_id": 1}, names) == (
        "Cliente Ana Souza (*******4725) vinculado manualmente.")


# -- the simulator's startup text -------------------------------------------------------------------------------


def test_the_simulator_prints_the_command_to_connect_and_every_admin_route():
    from lojasync.simulators.nuvemshop.admin import admin_router
    from lojasync.simulators.nuvemshop.config import SimulatorConfig
    from lojasync.simulators.nuvemshop.server import ADMIN_ROUTES, startup_text
    from lojasync.simulators.nuvemshop.state import Simulator

    config = SimulatorConfig(orders=1, store_id="7654321", deliver_webhooks=False)
    text = startup_text(config, "http://127.0.0.1:8765")
    assert (f"lojasync store add --store 7654321 --access-token {config.access_token} "
            "--api-url http://127.0.0.1:8765/2025-03") in text
    simulator = Simulator(config)
    try:
        served = {(method, route.path.removeprefix("/_simulator"))
                  for route in admin_router(simulator).routes for method in route.methods}
    finally:
        simulator.close()
    listed = {(method, path.split("?")[0].replace("{store}", "{store_id}").replace("orders/{id}", "orders/{order_id}")
               .replace("customers/{id}", "customers/{customer_id}")) for method, path, _ in ADMIN_ROUTES}
    assert listed == served
    assert "POST /7654321/orders/{id}/pay" in text


def test_the_sync_progress_shows_what_is_saved_and_an_estimate_of_what_is_left():
    import io

    from rich.console import Console
    from rich.progress import Progress

    from lojasync.entrypoints.cli.sync import progress_columns

    clock = [0.0]
    out = io.StringIO()
    with Progress(*progress_columns(), console=Console(file=out, force_terminal=True, width=120, color_system=None),
                  auto_refresh=False, get_time=lambda: clock[0]) as bar:
        task = bar.add_task("sync", total=2005, shown="0 de 2.005")
        for second, saved in ((5.0, 425), (10.0, 850)):   # 85 a second, 1.155 to go
            clock[0] = second
            bar.update(task, completed=saved, shown=f"{saved} de 2.005")
        bar.refresh()
    shown = out.getvalue()
    assert "Importando pedidos" in shown and "850 de 2.005" in shown
    assert "falta 0:00:14" in shown   # 1.155 / 85 = 13,6 s
