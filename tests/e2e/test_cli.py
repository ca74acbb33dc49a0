"""The `lojasync` command as a person (or a script) uses it, against the simulator."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from typer.testing import CliRunner

from lojasync.entrypoints.cli.app import app as cli
from lojasync.entrypoints.cli.context import reset_container
from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.server import SimulatorServer


@pytest.fixture()
def lojasync(app, monkeypatch):
    monkeypatch.setenv("LOJASYNC_DATABASE_URL", app.settings.resolved_database_url)
    # `store add` encrypts the token with the key in the data dir: keep it out of the working directory.
    monkeypatch.setenv("LOJASYNC_DATA_DIR", str(app.settings.data_dir))
    reset_container()
    runner = CliRunner()

    def run(*args: str, expect: int = 0):
        result = runner.invoke(cli, list(args))
        assert result.exit_code == expect, result.output + str(result.exception or "")
        return result

    yield run
    reset_container()


@pytest.fixture()
def server():
    with SimulatorServer(config=SimulatorConfig(orders=120, seed=3, leak_per_second=50.0)) as srv:
        yield srv


def test_store_add_sync_and_list_orders_as_json(lojasync, server):
    added = lojasync("store", "add", "--store", server.store_id, "--access-token", server.access_token,
                     "--api-url", server.api_url)
    assert "conectada" in added.output
    # Review: added by its token, the store had no webhooks and only "lojasync sync" was suggested.
    assert (f"lojasync store webhooks --store {server.store_id} para registrar os avisos em tempo real"
            in " ".join(added.output.split()))

    synced = lojasync("sync")
    assert "120 criados" in synced.output

    orders = json.loads(lojasync("orders", "list", "--format", "json").output)
    assert len(orders) == 120
    sample = orders[0]
    for key in ("number", "status", "origin", "store_order_id", "store_order_number", "customer",
                "customer_problem", "total", "lines"):
        assert key in sample
    assert all(o["origin"] == "nuvemshop" for o in orders)
    assert {o["status"] for o in orders} <= {"em-aberto", "confirmado", "cancelado"}
    for o in orders:
        assert (o["customer"] is None) == bool(o["customer_problem"])
        if o["customer"]:
            assert set(o["customer"]) >= {"name", "tax_id"}
            assert o["customer"]["tax_id"].isalnum() and o["customer"]["tax_id"].upper() == o["customer"]["tax_id"]
        for line in o["lines"]:
            assert set(line) >= {"sku", "name", "quantity", "unit_price"}
            assert isinstance(line["unit_price"], str) and isinstance(line["quantity"], int)

    confirmed = json.loads(lojasync("orders", "list", "--status", "confirmado", "--format", "json").output)
    assert confirmed and all(o["status"] == "confirmado" for o in confirmed)

    without = json.loads(lojasync("orders", "list", "--without-customer", "--format", "json").output)
    assert without and all(o["customer"] is None for o in without)
    # The first spelling (0.1) still works for scripts that use it.
    assert json.loads(lojasync("orders", "list", "--sem-cliente", "--format", "json").output) == without

    shown = json.loads(lojasync("orders", "show", str(without[0]["number"]), "--format", "json").output)
    assert shown["customer_problem"] and shown["log"][0]["event"] == "created"
    assert shown["store"]["order_id"] == without[0]["store_order_id"]

    table = lojasync("orders", "show", str(without[0]["number"])).output
    assert "Loja virtual" in table and "não vinculado" in table
    if without[0]["contact_name"]:   # the buyer's name, as the store gave it (review: on no screen)
        assert f"Comprador: {without[0]['contact_name']}" in table

    customers = json.loads(lojasync("customers", "list", "--format", "json").output)
    assert len({c["tax_id"] for c in customers}) == len(customers) > 0

    again = lojasync("sync")
    assert "criados" not in again.output


def test_operator_links_a_customer_by_hand(lojasync, server):
    lojasync("store", "add", "--store", server.store_id, "--access-token", server.access_token,
             "--api-url", server.api_url)
    lojasync("sync")
    without = json.loads(lojasync("orders", "list", "--without-customer", "--format", "json").output)
    number = str(without[0]["number"])

    refused = lojasync("orders", "link-customer", number, "--tax-id", "123.456.789-00", expect=1)
    assert "CPF inválido" in refused.output
    nameless = " ".join(lojasync("orders", "link-customer", number, "--tax-id", "529.982.247-25", expect=1)
                        .output.split())
    assert f"No terminal: lojasync orders link-customer {number} --tax-id 529.982.247-25 --name NOME" in nameless
    lojasync("orders", "link-customer", number, "--tax-id", "529.982.247-25", "--name", "Ana Souza")
    shown = json.loads(lojasync("orders", "show", number, "--format", "json").output)
    assert shown["customer"]["tax_id"] == "52998224725" and shown["customer_link"] == "manual"
    assert shown["log"][-1]["event"] == "customer_linked"
    # The store's buyer is still named beside their contact (terminal journey: the contact stayed, the name went).
    assert shown["contact"]["name"] and shown["contact"]["name"] != "Ana Souza"
    table = " ".join(lojasync("orders", "show", number).output.split())
    assert f"Comprador na loja: {shown['contact']['name']}" in table
    assert ("Contato do comprador:" in table) == bool(shown["contact"]["email"] or shown["contact"]["phone"])


def test_the_store_log_shows_what_happened_to_the_store(lojasync, app):
    import json as json_module

    from lojasync.nuvemshop.model.store_log import StoreLogType
    from tests.factories import make_store

    store_id = make_store(app)
    with app.uow() as uow:
        uow.store_log.record(store_id, StoreLogType.APP_SUSPENDED, "webhook")
        uow.store_log.record(store_id, StoreLogType.IMPORT_FAILED, "sync",
                             {"external_id": "77", "error": "dados inválidos no pedido da loja (products)"})
        uow.commit()
    entries = json_module.loads(lojasync("store", "log", "--format", "json").output)
    assert [(e["event"], e["level"]) for e in entries] == [("import_failed", "error"), ("app_suspended", "warning")]
    assert entries[0]["message"].startswith("Pedido 77 da loja não importado: dados inválidos")
    assert "App suspenso na loja" in lojasync("store", "log").output


def test_errors_are_portuguese_and_actionable(lojasync):
    no_store = lojasync("sync", expect=1).output
    assert "Nenhuma loja conectada" in no_store and "Resolução: Conecte uma loja" in no_store
    assert "No terminal: lojasync store install-link" in no_store  # the CLI's own way to act on it
    assert "não encontrado" in lojasync("orders", "show", "424242", expect=1).output
    assert "Situação desconhecida" in lojasync("orders", "list", "--status", "pago", expect=2).output
    missing = lojasync("events", "retry", "999", expect=1).output
    assert "Evento 999 não encontrado" in missing and "Traceback" not in missing


def test_events_retry_of_a_deactivated_store_says_to_enable_it_first(lojasync, app):
    """It said "Eventos recolocados na fila." and the worker then ignored the notification (review)."""
    from lojasync.nuvemshop.services.stores import set_store_enabled
    from tests.factories import failed_order_event, make_store

    store_id = make_store(app, "1234567")
    event = failed_order_event(app, store_id, "1234567")
    set_store_enabled(app.uow(), "1234567", False)
    refused = " ".join(lojasync("events", "retry", str(event.id), expect=1).output.split())
    assert f"A notificação {event.id} é da loja 1234567, que está desativada no lojasync" in refused
    assert "Resolução: Reative a loja e depois reprocesse a notificação." in refused
    assert ("No terminal: lojasync store enable 1234567 No terminal: lojasync events retry "
            f"{event.id}") in refused
    left = " ".join(lojasync("events", "retry", "--all").output.split())
    assert left == ("Nenhum evento recolocado na fila: 1 com erro ficou como estava por ser de loja desativada "
                    "(1234567). Reative a loja 1234567 (lojasync store enable 1234567); depois reprocesse.")
    # The app uninstalled from the store since: reconnected, not enabled (review: enabled, its token was dead).
    from lojasync.nuvemshop.services.app_events import app_uninstalled

    with app.uow() as uow:
        app_uninstalled(uow, uow.stores.get(store_id))
        uow.commit()
    left = " ".join(lojasync("events", "retry", "--all").output.split())
    assert left.endswith("(1234567). Reconecte a loja 1234567 (lojasync store install-link (ou lojasync store add "
                         "--store ID --access-token TOKEN)); depois reprocesse."), left


def test_a_bug_is_one_line_with_a_reference_and_the_traceback_goes_to_the_log(lojasync, app, monkeypatch):
    from lojasync.entrypoints.cli import orders

    def broken(*args, **kwargs):
        raise ZeroDivisionError("um bug do lojasync")

    monkeypatch.setattr(orders, "search_store_orders", broken)
    output = lojasync("orders", "list", expect=70).output   # EX_SOFTWARE: a defect, not a refusal (1)
    assert "Erro inesperado (ZeroDivisionError), referência" in output
    assert "Traceback" not in output and "Resolução" not in output  # not dressed as advice
    reference = output.split("referência ")[1].split(".")[0]
    log = (app.settings.data_dir / "lojasync-erros.log").read_text(encoding="utf-8")
    assert reference in log and "Traceback" in log and "um bug do lojasync" in log


def test_db_upgrade_reports_the_head_revision(lojasync):
    from alembic.script import ScriptDirectory

    from lojasync.db.migrate import MIGRATIONS_DIR, alembic_config

    head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()
    assert MIGRATIONS_DIR.is_dir() and head
    assert f"revisão {head}" in lojasync("db", "upgrade").output


def test_demo_imports_the_history_and_shows_live_orders_arriving_by_webhook(tmp_path):
    reset_container()
    result = CliRunner().invoke(cli, ["demo", "--orders", "40", "--live-seconds", "7", "--minutes", "0", "--data-dir",
                                      str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output + str(result.exception or "")
    assert "40 criados" in result.output
    live = [line for line in result.output.splitlines() if "ERP: pedido" in line]
    assert live, result.output
    said = " ".join(result.output.split())
    assert "Pedidos/Orçamentos vindos da loja" in said and "loja virtual" not in said   # the summary table's title
    assert "estoque movimentado pela importação: 0" in result.output
    assert (tmp_path / "demo" / "lojasync.db").exists()
    # Then the back office: NF-e to the SEFAZ simulator, a venda simples, a cancellation.
    processed = " ".join(result.output.split())
    assert "certificado A1 de TESTE" in processed
    assert "NF-e autorizadas: " in processed and "NF-e autorizadas: 0 de" not in processed
    assert "cancelada na SEFAZ (simulador)" in processed
    # The demo's carrier: the NF-e of the orders the Correios ship name it; a pickup says no transport at all.
    assert "Transportadora cadastrada: Empresa Brasileira de Correios e Telégrafos (CNPJ 34.028.316/0001-03)" \
        in processed
    with sqlite3.connect(tmp_path / "demo" / "lojasync.db") as db:
        documents = [xml for (xml,) in db.execute("SELECT xml FROM invoices")]
        # review: the DANFE it suggests is of an NF-e that stands (it said NF-e 2, whatever existed).
        suggested = re.search(r"invoices danfe (\d+) --output", processed)
        assert suggested and db.execute("SELECT status FROM invoices WHERE id = ?",
                                        (int(suggested.group(1)),)).fetchone() == ("authorised",)
    assert any("<transporta><CNPJ>34028316000103</CNPJ><xNome>Empresa Brasileira de Correios e Telégrafos</xNome>"
               in xml for xml in documents), documents
    reset_container()


def test_install_link_carries_a_valid_invite(lojasync, app):
    from lojasync.nuvemshop.services.install_invite import invite_problem

    output = lojasync("store", "install-link", "--hours", "2").output
    link = next(line for line in output.splitlines() if "/nuvemshop/install?convite=" in line)
    invite = link.split("convite=", 1)[1].strip()
    assert invite_problem(app.cipher, invite) is None
    assert invite_problem(app.cipher, invite + "x") is not None


def test_lgpd_export_is_handed_over_from_the_database(lojasync, app, tmp_path):
    import stat

    from lojasync.nuvemshop.model.webhook_events import WebhookEvent
    from lojasync.nuvemshop.services.import_orders import import_order
    from lojasync.nuvemshop.services.import_policy import ImportPolicy
    from lojasync.nuvemshop.services.lgpd import handle_lgpd_event
    from tests.factories import make_store, order_payload

    store_id = make_store(app)
    payload = order_payload()
    import_order(app.uow(), store_id, payload, ImportPolicy())
    body = {"store_id": 1234567, "customer": {"id": payload["customer"]["id"],
                                              "identification": payload["customer"]["identification"]},
            "orders_requested": [payload["id"]], "data_request": {"id": 4242}}
    with app.uow() as uow:
        event = WebhookEvent(store_id, "1234567", "customers/data_request", None, body)
        uow.webhook_events.add(event)
        handle_lgpd_event(uow, uow.stores.get(store_id), event)
        uow.commit()

    assert "4242" in lojasync("lgpd", "exports").output
    target = tmp_path / "saida.json"
    lojasync("lgpd", "export", "4242", "--output", str(target))
    content = json.loads(target.read_text())
    assert content["data_request_id"] == "4242" and content["orders"][0]["store_order_id"] == str(payload["id"])
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "Nenhuma exportação" in lojasync("lgpd", "export", "999", expect=1).output


def test_a_bad_setting_names_its_variable_in_portuguese(lojasync, monkeypatch):
    monkeypatch.setenv("LOJASYNC_SYNC_PAGE_SIZE", "500")
    monkeypatch.setenv("LOJASYNC_HTTP_TIMEOUT", "abc")
    reset_container()
    output = lojasync("store", "list", expect=1).output
    assert "Configuração inválida" in output and "Traceback" not in output
    assert "LOJASYNC_SYNC_PAGE_SIZE acima do máximo (200)" in output
    assert "LOJASYNC_HTTP_TIMEOUT deveria ser um número" in output


def test_demo_refuses_a_folder_with_other_data_and_leaves_it_as_it_was(tmp_path):
    from alembic import command

    from lojasync.db.engine import build_engine
    from lojasync.db.migrate import alembic_config, current_revision

    folder = tmp_path / "dados"
    engine = build_engine(f"sqlite:///{folder / 'lojasync.db'}")
    command.upgrade(alembic_config(engine), "0005")  # a store's real data, from an older version
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO nuvemshop_stores (external_id, name, api_url, access_token, active, paused, "
                             "created_at) VALUES ('999', 'Minha loja', 'http://x', 't', 1, 0, '2026-01-01')")
    reset_container()
    result = CliRunner().invoke(cli, ["demo", "--orders", "5", "--live-seconds", "0", "--data-dir", str(folder)])
    assert result.exit_code == 1 and "não são da demonstração" in result.output
    assert current_revision(engine) == "0005"  # not migrated: left exactly as it was
    engine.dispose()
    reset_container()


def test_a_second_demo_in_the_same_folder_is_refused_while_the_first_runs(tmp_path):
    """review: a second `lojasync demo` beside a running one wiped the running one's database and SEFAZ."""
    from lojasync.entrypoints.cli import demo

    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "lojasync.db").write_bytes(b"a running demo's database")
    with demo._only_demo_here(folder):
        reset_container()
        result = CliRunner().invoke(cli, ["demo", "--orders", "5", "--live-seconds", "0", "--data-dir", str(folder)])
        assert result.exit_code == 1, result.output
        assert "Já há uma demonstração rodando na pasta" in result.output and "--data-dir" in result.output
        assert (folder / "lojasync.db").read_bytes() == b"a running demo's database"   # left as it was
    assert sorted(p.name for p in folder.iterdir()) == ["lojasync.db"]   # nothing of the lock in the folder
    with demo._only_demo_here(folder):   # the first one over: the folder is free again
        pass
    reset_container()


def test_an_order_says_which_store_it_came_from(app, lojasync):
    """multi-store review: two connected stores both had an order #100, and `orders show`, its JSON and the page
    named neither store."""
    from lojasync.nuvemshop.services.import_orders import import_order
    from lojasync.nuvemshop.services.import_policy import ImportPolicy
    from tests.factories import make_store, order_payload

    first, second = make_store(app), make_store(app, external_id="7654321")
    numbers = [import_order(app.uow(), store, order_payload(id=1990000001, number=100), ImportPolicy()).order_number
               for store in (first, second)]
    shown = [json.loads(lojasync("orders", "show", str(n), "--format", "json").output)["store"] for n in numbers]
    assert [(s["number"], s["store_id"]) for s in shown] == [("100", "1234567"), ("100", "7654321")]
    text = " ".join(lojasync("orders", "show", str(numbers[1])).output.split())
    assert "Na loja 7654321: pedido nº 100 (id 1990000001)" in text
    # The list too (a later multi-store review: `orders list` said "#100" for both).
    listed = " ".join(lojasync("orders", "list").output.split())
    assert "#100 (loja 1234567)" in listed and "#100 (loja 7654321)" in listed
    rows = json.loads(lojasync("orders", "list", "--format", "json").output)
    assert sorted(r["store_id"] for r in rows) == ["1234567", "7654321"]
