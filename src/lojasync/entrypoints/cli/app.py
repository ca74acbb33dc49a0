"""The `lojasync` command: every subcommand builds a request and calls one service function."""

from __future__ import annotations

import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated

import typer

from lojasync.entrypoints.cli import (
    accounts,
    carriers,
    company,
    demo,
    events,
    import_rules,
    invoices,
    lgpd,
    order_processing,
    orders,
    receivables,
    sales,
    secrets,
    serve,
    simulator,
    stock,
    store_updates,
    stores,
    sync,
    typer_numbers,
    typer_texts,
    worker,
)
from lojasync.entrypoints.cli.context import console, container, friendly_errors, show_warnings_in_terminal

# Typer prints its own words (usage, help panels, parsing errors) when the command runs: Portuguese from
# the start. Only Typer's module-level texts change; nothing is opened or connected here.
typer_texts.install()
# "1.000" is one thousand, as on the pages (Typer read it as 1).
typer_numbers.install()

app = typer.Typer(
    help="lojasync: pedidos da loja Nuvemshop em Pedidos/Orçamentos do ERP.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Banco de dados.", no_args_is_help=True)

app.add_typer(stores.app, name="store")
stores.app.command("updates")(store_updates.updates)
stores.app.command("push")(store_updates.push)
app.add_typer(orders.orders_app, name="orders")
app.add_typer(orders.customers_app, name="customers")
app.add_typer(orders.products_app, name="products")
app.add_typer(db_app, name="db")
app.command("sync")(sync.sync)
app.command("simulator")(simulator.simulator)
app.command("sefaz-simulator")(simulator.sefaz_simulator)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("worker")(worker.worker)
app.add_typer(events.app, name="events")
app.add_typer(lgpd.app, name="lgpd")
app.add_typer(secrets.app, name="secrets")
app.add_typer(company.app, name="company")
company.app.add_typer(carriers.app, name="carriers")
app.add_typer(invoices.app, name="invoices")
orders.orders_app.command("invoice")(order_processing.invoice)
orders.orders_app.command("sale")(order_processing.sale)
app.add_typer(sales.app, name="sales")
app.add_typer(stock.app, name="stock")
app.add_typer(receivables.app, name="receivables")
app.add_typer(accounts.users_app, name="users")
app.add_typer(accounts.tokens_app, name="tokens")
app.add_typer(import_rules.app, name="import-rules")


def package_version() -> str:
    try:
        return version("lojasync")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "desconhecida (pacote não instalado)"


def _print_version(value: bool) -> None:
    if value:
        console.print(f"lojasync {package_version()}", highlight=False)
        raise typer.Exit()


# Commands that keep running, whose log is what an operator watches: their warnings stay on the terminal.
LONG_RUNNING = frozenset({"serve", "worker", "simulator", "sefaz-simulator", "demo"})


@app.callback()
def lojasync(
    ctx: typer.Context,
    _version: Annotated[bool, typer.Option("--version", help="Mostra a versão do lojasync e sai.",
                                           callback=_print_version, is_eager=True)] = False,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", metavar="PASTA", help="Pasta de dados (banco, fila, chave); o mesmo que LOJASYNC_DATA_DIR.",
        file_okay=True, dir_okay=True)] = None,
) -> None:
    """lojasync: pedidos da loja Nuvemshop em Pedidos/Orçamentos do ERP."""
    show_warnings_in_terminal(ctx.invoked_subcommand in LONG_RUNNING)
    if data_dir is not None:
        # Through the environment: the settings read it, and so do the processes a command starts (demo).
        os.environ["LOJASYNC_DATA_DIR"] = str(data_dir.expanduser())


@db_app.command("upgrade")
@friendly_errors
def db_upgrade() -> None:
    """Aplica as migrações pendentes (os outros comandos também aplicam sozinhos)."""
    app = container(create=True, say_new=False)  # the first step of a new installation; names the database below
    # What was done, not only where it stands (upgrade review: the same line whether 16 migrations ran or none).
    revision, was = app.database_revision(), app.migrated_from
    done = ("já estava atualizado, nada a aplicar" if was is None else "criado" if not was else
            f"atualizado a partir da revisão {was}")
    console.print(f"Banco {done} (revisão {revision}): {app.database_url()}", highlight=False)


def main() -> None:
    _tolerant_output()
    app()


def _tolerant_output() -> None:
    """A terminal that cannot show every character (a Latin-1 or ASCII locale) gets "?" for the ones it lacks,
    an em dash or an arrow in a table: the command does its job instead of stopping on UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure") and (stream.encoding or "").lower() != "utf-8":
            stream.reconfigure(errors="replace")
