"""A merchant outside Brasília's time (Manaus, Cuiabá, Rio Branco) sets LOJASYNC_TIME_ZONE: the days and hours the
back office reads and types are theirs, as the NF-e's own moments already were (review: a sale at 23:20 in Manaus
on the 30th was listed on the 1st, and a receipt dated the 30th was refused as before the order)."""

from __future__ import annotations

import pytest

from lojasync.bootstrap import bootstrap
from lojasync.entrypoints.cli import formats
from lojasync.finance.services import list_receivables, receive
from lojasync.fiscal.services.simple_sales import confirm_sale, generate_sale
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.sales.views import show_order
from lojasync.settings import Settings, SettingsError, load_settings
from lojasync.shared import local_zone
from lojasync.shared.local_zone import merchant_zone
from tests.factories import make_store, order_payload

# 23:20 in Manaus (-04:00) on 30/11/2026: 00:20 of 01/12 in Brasília.
SOLD = "2026-12-01T03:20:00+0000"


def test_the_days_and_hours_are_the_merchants_where_it_says_so(app, tmp_path):
    manaus = bootstrap(Settings(database_url=str(app.engine.url), data_dir=tmp_path, time_zone="America/Manaus"),
                       migrate=False)
    try:
        assert merchant_zone().key == "America/Manaus"
        number = import_order(app.uow(), make_store(app), order_payload(id=2600000001, created_at=SOLD,
                                                                          updated_at=SOLD), ImportPolicy()).order_number
        order = show_order(app.uow(), number)
        assert formats.when(order["placed_at"]) == "30/11/2026 23:20"
        assert local_zone.day_start(formats.parse_day("30/11/2026", "de")).isoformat() == "2026-11-30T00:00:00-04:00"
        sale = generate_sale(app.uow(), number)
        confirm_sale(app.uow(), sale.id)
        (receivable,) = list_receivables(app.uow())
        # Received on the day of the sale, as Manaus counts it: not "before the order".
        from datetime import date
        row, changed = receive(app.uow(), receivable["id"], received_on=date(2026, 11, 30))
        assert changed and row["status"] == "received"
    finally:
        manaus.close()


def test_an_unknown_time_zone_is_refused_in_portuguese(monkeypatch):
    monkeypatch.setenv("LOJASYNC_TIME_ZONE", "America/Manaos")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert "fuso horário desconhecido 'America/Manaos'" in str(refused.value)
    assert "America/Manaus" in str(refused.value)
    monkeypatch.setenv("LOJASYNC_TIME_ZONE", "")   # set and empty, as a compose file leaves it: the default
    assert load_settings().time_zone == "America/Sao_Paulo"


def test_a_company_in_another_zone_than_the_pages_is_told_the_setting():
    from datetime import datetime, timezone
    from types import SimpleNamespace

    from lojasync.fiscal.services.company import time_zone_notice
    from lojasync.shared.local_zone import use_merchant_zone

    now = datetime(2026, 12, 6, 15, 0, tzinfo=timezone.utc)
    assert time_zone_notice(SimpleNamespace(uf="AM"), now) == (
        "a empresa está em AM, no fuso America/Manaus, e o lojasync mostra datas e horas no fuso America/Sao_Paulo: "
        "defina LOJASYNC_TIME_ZONE=America/Manaus para listas, filtros e vencimentos no horário da loja (as NF-e já "
        "levam o da UF)")
    assert time_zone_notice(SimpleNamespace(uf="BA"), now) is None     # the same hour, another zone's name
    assert time_zone_notice(SimpleNamespace(uf=None), now) is None
    use_merchant_zone("America/Manaus")
    assert time_zone_notice(SimpleNamespace(uf="AM"), now) is None
    assert "no fuso America/Sao_Paulo" in time_zone_notice(SimpleNamespace(uf="SP"), now)


def test_orders_list_days_are_the_merchants_in_the_terminal(app, monkeypatch):
    """Review: `orders list --until` built the day's bounds before the command's container set the zone, so a
    terminal in Manaus cut days at Brasília's midnight while the list showed Manaus' hours."""
    from typer.testing import CliRunner

    from lojasync.entrypoints.cli.app import app as cli
    from lojasync.entrypoints.cli.context import reset_container
    from lojasync.shared.local_zone import DEFAULT_ZONE, use_merchant_zone

    import_order(app.uow(), make_store(app), order_payload(id=2600000002, created_at=SOLD, updated_at=SOLD),
                 ImportPolicy())
    monkeypatch.setenv("LOJASYNC_DATABASE_URL", app.settings.resolved_database_url)
    monkeypatch.setenv("LOJASYNC_DATA_DIR", str(app.settings.data_dir))
    monkeypatch.setenv("LOJASYNC_TIME_ZONE", "America/Manaus")
    reset_container()
    use_merchant_zone(DEFAULT_ZONE)   # as a new process starts
    try:
        shown = CliRunner().invoke(cli, ["orders", "list", "--until", "30/11/2026"]).output
        assert "Pedidos/Orçamentos (1)" in shown and "30/11/2026 23:20" in shown
    finally:
        reset_container()
