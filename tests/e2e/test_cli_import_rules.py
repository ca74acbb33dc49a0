"""`lojasync import-rules show|set` as an integrator uses them: the rules in the database over the variables."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from typer.testing import CliRunner

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.app import app as cli
from lojasync.entrypoints.cli.context import reset_container
from lojasync.sales.status import OrderStatus
from lojasync.stock.products import UnknownSkuPolicy


@pytest.fixture()
def lojasync(app, monkeypatch):
    monkeypatch.setenv("LOJASYNC_DATABASE_URL", app.settings.resolved_database_url)
    monkeypatch.setenv("LOJASYNC_DATA_DIR", str(app.settings.data_dir))
    monkeypatch.setenv("LOJASYNC_RECONCILE_MINUTES", "20")     # the service was started with this variable
    reset_container()
    runner = CliRunner()

    def run(*args: str, expect: int = 0):
        result = runner.invoke(cli, list(args))
        assert result.exit_code == expect, result.output + str(result.exception or "")
        return result

    yield run
    reset_container()


def test_show_says_where_each_rule_comes_from(lojasync):
    shown = json.loads(lojasync("import-rules", "show", "--format", "json").output)
    assert shown["reconcile_minutes"]["value"] == 20 and isinstance(shown["reconcile_minutes"]["value"], int)
    assert shown["reconcile_minutes"]["source_label"] == "variável LOJASYNC_RECONCILE_MINUTES"
    assert shown["unknown_sku"] == {"value": "create", "source": "default", "source_label": "padrão",
                                    "updated_at": None, "updated_by": None}
    assert shown["status_rules"]["value"]["by_payment_status"] == {"paid": "confirmed"}
    table = " ".join(lojasync("import-rules", "show").output.split())
    assert "pagamento paid → Confirmado" in table and "a cada 20 minuto(s) (variável LOJASYNC_RECONCILE_MINUTES)" in table


def test_set_changes_the_rules_in_the_database_and_reset_goes_back(app, lojasync):
    done = lojasync("import-rules", "set", "--payment-status", "authorized=Confirmado", "--order-status", "cancelled=",
                    "--unknown-sku", "unlinked", "--reconcile-minutes", "5")
    assert "Regras de importação gravadas" in done.output and "configurado no lojasync" in done.output
    current = app.import_settings()       # the test's own process reads the same table
    assert current.rules.by_payment_status == {"paid": OrderStatus.CONFIRMED, "authorized": OrderStatus.CONFIRMED}
    assert current.rules.by_order_status == {} and current.unknown_sku is UnknownSkuPolicy.UNLINKED
    assert current.reconcile_minutes == 5
    shown = json.loads(lojasync("import-rules", "show", "--format", "json").output)
    assert shown["reconcile_minutes"]["updated_by"].startswith("terminal")
    # The moment in the store's time, as the settings page says it (review: the terminal said it in UTC).
    moment = formats.when(datetime.fromisoformat(shown["reconcile_minutes"]["updated_at"]))
    table = " ".join(lojasync("import-rules", "show").output.split())
    assert f"{moment} por terminal" in table and "UTC" not in table

    back = json.loads(lojasync("import-rules", "set", "--reset", "reconcile-minutes", "--reset", "unknown-sku",
                               "--format", "json").output)
    assert back["reconcile_minutes"]["value"] == 20 and back["reconcile_minutes"]["source"] == "variable"
    assert back["unknown_sku"]["source"] == "default" and back["status_rules"]["source"] == "lojasync"
    lojasync("import-rules", "set", "--reset", "all")
    assert app.import_settings().rules.by_order_status == {"cancelled": OrderStatus.CANCELLED}


def test_wrong_values_are_explained_in_portuguese_and_nothing_changes(app, lojasync):
    wrong = " ".join(lojasync("import-rules", "set", "--payment-status", "paid=Enviado", "--reconcile-minutes", "0",
                              expect=1).output.split())   # the terminal's line breaks aside
    assert "Regras de importação não gravadas" in wrong and "'Enviado' não é Em Aberto" in wrong
    assert "entre 1 e 1440" in wrong and "Resolução" in wrong
    assert "VALOR=SITUAÇÃO" in lojasync("import-rules", "set", "--payment-status", "paid", expect=2).output
    assert "Nada a mudar" in lojasync("import-rules", "set", expect=2).output
    assert "--reset" in lojasync("import-rules", "set", "--reset", "tudo", expect=2).output
    assert app.import_settings().reconcile_minutes == 10     # this process has no variable: the default
    assert json.loads(lojasync("import-rules", "show", "--format", "json").output)["reconcile_minutes"]["value"] == 20


def test_orders_from_is_set_shown_and_reset(app, lojasync):
    done = lojasync("import-rules", "set", "--orders-from", "25/11/2026")
    shown = " ".join(done.output.split())
    assert "Pedidos importados: os criados na loja a partir de 25/11/2026 (configurado no lojasync" in shown
    assert app.import_settings().orders_from.isoformat() == "2026-11-25"
    as_json = json.loads(lojasync("import-rules", "show", "--format", "json").output)
    assert as_json["orders_from"]["value"] == "2026-11-25" and as_json["orders_from"]["source"] == "lojasync"
    refused = lojasync("import-rules", "set", "--orders-from", "amanhã", expect=1)
    assert "a data inicial dos pedidos deve ser um dia (AAAA-MM-DD ou DD/MM/AAAA) ou todos" in " ".join(
        refused.output.split())
    lojasync("import-rules", "set", "--reset", "orders-from")
    shown = " ".join(lojasync("import-rules", "show").output.split())
    assert "Pedidos importados: todos, o histórico inteiro da loja (padrão)" in shown
