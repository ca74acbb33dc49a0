"""`lojasync store ...`: connect a Nuvemshop store."""

from __future__ import annotations

from typing import Annotated

import typer

from lojasync.entrypoints.cli.context import console, container, friendly_errors
from lojasync.entrypoints.cli.output import OutputFormat, print_json, table
from lojasync.services.stores import add_store, list_stores
from lojasync.settings import DEFAULT_API_URL

app = typer.Typer(help="Lojas Nuvemshop conectadas.", no_args_is_help=True)


@app.command("add")
@friendly_errors
def add(
    store_id: Annotated[str, typer.Option("--store-id", help="Id da loja na Nuvemshop (user_id do token).")],
    access_token: Annotated[str, typer.Option("--access-token", help="Token de acesso do app.")],
    api_url: Annotated[str, typer.Option("--api-url", help="Endereço base da API.")] = DEFAULT_API_URL,
    name: Annotated[str | None, typer.Option("--name", help="Nome para mostrar.")] = None,
) -> None:
    """Conecta uma loja (ou troca o token e o endereço de uma já conectada)."""
    view, created = add_store(container().uow(), store_id, access_token, api_url, name)
    verb = "conectada" if created else "atualizada"
    console.print(f"Loja [bold]{view.external_id}[/] {verb}. API: {view.api_url}", highlight=False)
    console.print("Próximo passo: [bold]lojasync sync[/] para importar os pedidos.")


@app.command("list")
@friendly_errors
def list_(fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE) -> None:
    """Lista as lojas conectadas."""
    stores = list_stores(container().read_uow())
    if fmt is OutputFormat.JSON:
        print_json([s.__dict__ for s in stores])
        return
    table("Lojas", ["Loja", "Nome", "API", "Ativa", "Sincronizado até", "Sincronização interrompida"],
          [[s.external_id, s.name, s.api_url, "sim" if s.active else "não", s.sync_cursor or "nunca",
            "sim" if s.interrupted_run else "não"] for s in stores])
