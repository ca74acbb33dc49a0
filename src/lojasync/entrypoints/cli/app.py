"""The `lojasync` command: every subcommand builds a request and calls one service function."""

from __future__ import annotations

import typer

from lojasync.entrypoints.cli import demo, events, lgpd, orders, serve, simulator, stores, sync, worker
from lojasync.entrypoints.cli.context import console, container, friendly_errors

app = typer.Typer(
    help="lojasync: pedidos da loja Nuvemshop em Pedidos/Orçamentos do ERP.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Banco de dados.", no_args_is_help=True)

app.add_typer(stores.app, name="store")
app.add_typer(orders.orders_app, name="orders")
app.add_typer(orders.customers_app, name="customers")
app.add_typer(orders.products_app, name="products")
app.add_typer(db_app, name="db")
app.command("sync")(sync.sync)
app.command("simulator")(simulator.simulator)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("worker")(worker.worker)
app.add_typer(events.app, name="events")
app.add_typer(lgpd.app, name="lgpd")


@db_app.command("upgrade")
@friendly_errors
def db_upgrade() -> None:
    """Aplica as migrações pendentes (os outros comandos também aplicam sozinhos)."""
    app = container()
    console.print(f"Banco atualizado (revisão {app.database_revision()}): {app.database_url()}", highlight=False)


def main() -> None:
    app()
