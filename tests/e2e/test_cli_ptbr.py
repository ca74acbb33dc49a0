"""The CLI in Brazilian Portuguese, as an operator meets it: Typer's own words, money, dates and documents
in pt-BR, the order list in pages and filters, one order read again from the store, a customer replaced by
hand, notifications in 80 columns, an interrupted sync. JSON keeps machine values."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from lojasync.entrypoints.cli import context
from lojasync.entrypoints.cli.app import app as cli
from lojasync.entrypoints.cli.context import reset_container
from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.server import SimulatorServer

MONEY = re.compile(r"R\$ \d{1,3}(\.\d{3})*,\d{2}")
WHEN = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}")


@pytest.fixture()
def run(app, monkeypatch):
    monkeypatch.setenv("LOJASYNC_DATABASE_URL", app.settings.resolved_database_url)
    monkeypatch.setenv("LOJASYNC_DATA_DIR", str(app.settings.data_dir))
    # The width of a terminal an operator has, whatever runs the tests.
    monkeypatch.setattr(context.console, "_width", 100)
    reset_container()
    runner = CliRunner()

    def invoke(*args: str, expect: int = 0):
        result = runner.invoke(cli, list(args), prog_name="lojasync")
        assert result.exit_code == expect, result.output + str(result.exception or "")
        return result.output

    yield invoke
    reset_container()


@pytest.fixture()
def synced(run):
    with SimulatorServer(config=SimulatorConfig(orders=80, seed=5, leak_per_second=50.0)) as server:
        run("store", "add", "--store-id", server.store_id, "--access-token", server.access_token,
            "--api-url", server.api_url)
        run("sync")
        yield server


# -- Typer's own words ----------------------------------------------------------------------------------------------


def test_help_is_portuguese_without_type_tags(run):
    for args in (["--help"], ["orders", "list", "--help"], ["orders", "show", "--help"], ["sync", "--help"]):
        output = run(*args)
        assert "Uso: lojasync" in output and "Mostra esta mensagem e sai." in output, output
        for english in ("Usage:", "Options", "Show this message", "[default:", "<bool>", "<str>", "<int>"):
            assert english not in output, (args, english)
    root = run("--help")
    assert "[OPÇÕES] COMANDO [ARGS]..." in root and "Comandos" in root and "Opções" in root
    assert "[padrão: table]" in run("orders", "list", "--help")


def test_the_demo_help_names_a_folder_and_explains_every_option(run):
    shown = " ".join(run("demo", "--help").split())
    assert "--data-dir PASTA Pasta da demonstração" in shown and "ARQUIVO" not in shown
    assert "--seed N Mesma semente, mesma loja" in shown


def _commands(command=None, path=()):
    """Every command of `lojasync`, with the words that call it."""
    import typer

    command = command or typer.main.get_command(cli)
    yield list(path), command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_every_option_of_every_command_says_what_it_does():
    from typer.core import TyperOption

    silent = [f"lojasync {' '.join(path)} {option.opts[0]}"
              for path, command in _commands()
              for option in command.params
              if isinstance(option, TyperOption) and not option.hidden and not (option.help or "").strip()]
    assert silent == []


def test_every_argument_of_every_command_says_what_it_takes():
    """Terminal journey: `users add EMAIL` and `tokens add NOME` showed only "[obrigatório]" for their argument."""
    from typer.core import TyperArgument

    silent = [f"lojasync {' '.join(path)} {argument.metavar or argument.name}"
              for path, command in _commands()
              for argument in command.params
              if isinstance(argument, TyperArgument) and not (argument.help or "").strip()]
    assert silent == []


def test_a_wrong_option_and_a_missing_argument_are_explained_in_portuguese(run):
    wrong = run("orders", "list", "--sem-clientes", expect=2)
    assert "Opção desconhecida: --sem-clientes." in wrong and "Erro" in wrong
    # Not a terminal (a script's pipe or log): one line, no box folding the sentence at 80 columns.
    long_one = run("orders", "list", "--limit", "99999999999999999999999", expect=2)
    assert ("Erro: Valor inválido para '--limit': '99999999999999999999999' é maior que o máximo (2147483647).\n"
            in long_one) and "╭" not in long_one
    # A value the command cannot take is a wrong command line too (2), not a refusal about the data (1).
    assert "Situação desconhecida: pago." in run("orders", "list", "--status", "pago", expect=2)
    assert "Para ajuda: lojasync orders list --help" in wrong and "No such option" not in wrong
    # review: a negative id read as an unknown option.
    negative = run("invoices", "show", "-5", expect=2)
    assert "Número inválido: -5. Ids e números de pedido e de NF-e são positivos (1 ou mais)." in negative

    missing = run("orders", "link-customer", expect=2)
    assert "Falta o argumento 'NUMERO'." in missing and "Missing argument" not in missing
    assert "Falta a opção '--tax-id'." in run("orders", "link-customer", "12", expect=2)
    assert "'abc' não é um número inteiro" in run("orders", "resync", "abc", expect=2)
    assert "'xml' não é uma das opções (table, json)" in run("orders", "list", "--format", "xml", expect=2)
    assert "Comando desconhecido: 'order'. Você quis dizer 'orders'" in run("order", expect=2)


def test_numbers_and_days_past_what_can_be_kept_are_refused_not_a_defect(run):
    """Each of these ended with exit 70 ("defeito do lojasync") and an OverflowError in the log."""
    huge = "99999999999999999999999"
    for args in (("orders", "list", "--limit", huge), ("events", "list", "--limit", huge),
                 ("receivables", "list", "--order", huge), ("store", "log", "--limit", huge)):
        words = _unboxed(run(*args, expect=2))
        assert f"Valor inválido para '{args[-2]}'" in words and "é maior que o máximo (2147483647)" in words, args
    assert "é maior que o máximo (65535)" in _unboxed(run("serve", "--port", "99999", expect=2))
    # No worker at all was started and said "com 0 threads".
    assert "é menor que o mínimo (1)" in _unboxed(run("worker", "--workers", "0", expect=2))
    far = " ".join(run("orders", "list", "--until", "31/12/9999", expect=1).split())
    assert "Data fora do intervalo em --until: 31/12/9999." in far and "31/12/2999" in far


def _unboxed(output: str) -> str:
    """The words of a usage error, without the box around them."""
    return " ".join(output.replace("│", " ").split())


def test_version_comes_from_the_package(run):
    from importlib.metadata import version

    assert run("--version").strip() == f"lojasync {version('lojasync')}"


# -- orders in pt-BR --------------------------------------------------------------------------------------------------


def test_order_list_pages_the_table_and_json_keeps_machine_values(run, synced):
    table = run("orders", "list")
    assert "Pedidos/Orçamentos (80)" in table and "Página 1 de 2." in table and "--page 2" in table
    assert MONEY.search(table) and WHEN.search(table)
    second = run("orders", "list", "--page", "2")
    assert "Página 2 de 2." in second

    everything = json.loads(run("orders", "list", "--format", "json"))
    assert len(everything) == 80    # scripts get every match
    sample = everything[0]
    assert Decimal(sample["total"]) and "," not in sample["total"]
    assert sample["placed_at"].endswith("Z")      # ISO, UTC, as the API writes it
    assert len(json.loads(run("orders", "list", "--format", "json", "--limit", "7"))) == 7


def test_order_list_filters_by_text_period_and_store(run, synced):
    orders = json.loads(run("orders", "list", "--format", "json"))
    named = next(o for o in orders if o["customer"])
    first_name = named["customer"]["name"].split()[0]
    found = json.loads(run("orders", "list", "--format", "json", "--search", first_name.lower()))
    assert named["number"] in [o["number"] for o in found]
    assert all(first_name.casefold() in (o["customer"] or {}).get("name", o["contact_name"] or "").casefold()
               for o in found)
    by_store_number = json.loads(run("orders", "list", "--format", "json", "--search",
                                     "#" + named["store_order_number"]))
    assert named["number"] in [o["number"] for o in by_store_number]

    from lojasync.entrypoints.cli.formats import day

    the_day = day(named["placed_at"])
    same_day = json.loads(run("orders", "list", "--format", "json", "--since", the_day, "--until", the_day))
    assert named["number"] in [o["number"] for o in same_day]
    assert all(day(o["placed_at"]) == the_day for o in same_day)

    assert len(json.loads(run("orders", "list", "--format", "json", "--store", synced.store_id))) == 80
    assert "Loja 999 não está conectada" in run("orders", "list", "--store", "999", expect=1)
    assert "Data inexistente em --since: 31/02/2026." in run("orders", "list", "--since", "31/02/2026", expect=1)
    # review: 50,000 characters read as a write conflict (exit 75, "tente de novo"): SQLite's LIKE refused it.
    assert "--search: no máximo 200 caracteres" in run("orders", "list", "--search", "x" * 50_000, expect=2)
    # Swapped days: said, not an empty list that reads as "no sales then".
    assert "Período inválido: a data final é anterior à inicial." in run(
        "orders", "list", "--since", "20/11/2026", "--until", "10/11/2026", expect=1)


def test_order_show_reads_like_the_back_office(run, synced):
    orders = json.loads(run("orders", "list", "--format", "json"))
    order = next(o for o in orders if o["customer"])
    shown = run("orders", "show", "--store-number", order["store_order_number"])
    assert f"Pedido {order['number']}" in shown
    assert f"Data: {WHEN.search(shown).group()}" in shown
    document = order["customer"]["tax_id"]
    assert re.search(r"\d{3}\.\d{3}\.\d{3}-\d{2}|\w{2}\.\w{3}\.\w{3}/\w{4}-\d{2}", shown), document
    assert "Pagamento: " in shown and "Entrega: " in shown and "na loja:" in shown
    assert f"Total {MONEY.pattern}" and MONEY.search(shown)
    assert "informação" in shown and "sincronização" in shown and "importado" in shown
    for english in ("situação open", "pagamento paid", "info ", "created"):
        assert english not in shown, english
    as_json = json.loads(run("orders", "show", str(order["number"]), "--format", "json"))
    assert as_json["log"][0]["event"] == "created" and as_json["log"][0]["level"] == "info"
    assert as_json["customer"]["tax_id"] == document


def test_resync_reads_one_order_from_the_store_again(run, synced):
    orders = json.loads(run("orders", "list", "--format", "json"))
    order = next(o for o in orders if o["status"] == "em-aberto")
    assert "nada mudou desde a última importação" in run("orders", "resync", str(order["number"]))

    synced.simulator.pay_order(order["store_order_id"])
    said = run("orders", "resync", str(order["number"]))
    assert f"Pedido {order['number']} relido da loja: atualizado" in said
    shown = json.loads(run("orders", "show", str(order["number"]), "--format", "json"))
    assert (shown["status"], shown["status_label"]) == ("confirmado", "Confirmado")
    assert (shown["log"][-1]["event"], shown["log"][-1]["actor"]) == ("updated", "operator")
    assert "não encontrado" in run("orders", "resync", "424242", expect=1)


def test_replacing_a_customer_needs_force(run, synced):
    orders = json.loads(run("orders", "list", "--format", "json"))
    order = next(o for o in orders if o["customer"])
    number, previous = str(order["number"]), order["customer"]["name"]

    refused = run("orders", "link-customer", number, "--tax-id", "111.444.777-35", "--name", "Balcão Ltda",
                  expect=1)
    assert f"O pedido {number} já tem cliente" in refused and "--force" in refused
    done = run("orders", "link-customer", number, "--tax-id", "11144477735", "--name", "Balcão Ltda", "--force")
    assert f"Pedido {number} vinculado a Balcão Ltda (111.444.777-35) (substituiu {previous})." in done
    log = json.loads(run("orders", "show", number, "--format", "json"))["log"]
    assert log[-1]["message"].endswith(f"vinculado manualmente (substituiu {previous}).")


def test_customers_and_products_in_pt_br(run, synced):
    customers = run("customers", "list")
    assert re.search(r"\d{3}\.\d{3}\.\d{3}-\d{2}", customers)
    assert re.search(r"/[A-Z]{2}\b", customers)          # city/UF
    assert MONEY.search(run("products", "list"))


# -- notifications in 80 columns ----------------------------------------------------------------------------------


def test_events_list_fits_80_columns_and_names_the_erp_order(run, app, monkeypatch):
    from lojasync.nuvemshop.services.import_orders import import_order
    from lojasync.nuvemshop.services.import_policy import ImportPolicy
    from tests.factories import make_store, order_payload
    from tests.unit.fakes import pending_event

    store_id = make_store(app)
    number = import_order(app.uow(), store_id, order_payload(id=1700000900), ImportPolicy()).order_number
    with app.uow() as uow:
        store = uow.stores.get(store_id)
        event = pending_event(uow, store, "order/paid", "1700000900")
        event.id = None
        event.mark_failed(event.received_at, "A loja respondeu 500 ao ler o pedido 1700000900, várias vezes seguidas.",
                          "Tente de novo mais tarde: lojasync events retry ID.")
        uow.commit()
    monkeypatch.setattr(context.console, "_width", 80)
    output = run("events", "list")
    assert max(len(line) for line in output.splitlines()) <= 80, output
    assert re.search(rf"│\s+{number}\s+│", output), output
    assert "com erro" in output and "Resolução: Tente de novo" in output and WHEN.search(output)


# -- Ctrl-C during a sync ---------------------------------------------------------------------------------------------


def test_ctrl_c_in_sync_says_how_far_it_got(run, monkeypatch):
    from lojasync.entrypoints.cli import sync as sync_command

    def interrupted(*args, progress, **kwargs):
        progress(850, 2005)
        raise KeyboardInterrupt

    monkeypatch.setattr(sync_command, "sync_store", interrupted)
    output = run("sync", expect=130)
    assert "Interrompida: 850 de 2.005 gravados; rode `lojasync sync` para continuar." in output


def test_a_resumed_sync_says_whether_it_is_the_complete_one(run, monkeypatch):
    """A store's first sync taken up again reads every order, and is recorded so; the terminal said only
    "sincronização retomada"."""
    from datetime import datetime, timezone

    from lojasync.entrypoints.cli import sync as sync_command
    from lojasync.nuvemshop.services.sync_store import SyncReport

    reports = iter([SyncReport("123", None, resumed=True, full=True),
                    SyncReport("123", datetime(2026, 3, 1, 15, 0, tzinfo=timezone.utc), resumed=True)])
    monkeypatch.setattr(sync_command, "sync_store", lambda *args, **kwargs: next(reports))
    assert "Loja 123: sincronização completa retomada." in run("sync")
    assert "Loja 123: sincronização desde 01/03/2026 12:00 retomada." in run("sync")
