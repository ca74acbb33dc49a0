"""`lojasync events ...`: the notifications (webhooks) received from the store, and retrying failed ones."""

from __future__ import annotations

from typing import Annotated

import typer

from lojasync.entrypoints.cli.context import console, container, fail, friendly_errors
from lojasync.entrypoints.cli.output import OutputFormat, print_json, table
from lojasync.entrypoints.cli.runtime import task_queue
from lojasync.nuvemshop.services.events_admin import list_events, retry_events

app = typer.Typer(help="Notificações (webhooks) recebidas da loja.", no_args_is_help=True)


@app.command("list")
@friendly_errors
def events_list(
    failed: Annotated[bool, typer.Option("--failed", help="Só os que falharam.")] = False,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Lista as notificações recebidas, das mais novas para as mais antigas."""
    events = list_events(container().read_uow(), failed_only=failed, limit=limit)
    if fmt is OutputFormat.JSON:
        print_json([e.__dict__ for e in events])
        return
    table(f"Eventos ({len(events)})", ["ID", "Loja", "Evento", "Recurso", "Situação", "Tent.", "Recebido",
                                       "Erro / Resolução"],
          [[e.id, e.store, e.event, e.resource_id, e.status, e.attempts, e.received_at[:19], _problem(e)]
           for e in events])
    if any(e.retryable for e in events):
        console.print("Para reprocessar: [bold]lojasync events retry ID[/] (ou --all).")


def _problem(event) -> str | None:
    if not event.error:
        return None
    return f"{event.error}\nResolução: {event.resolution}" if event.resolution else event.error


@app.command("retry")
@friendly_errors
def events_retry(
    event_id: Annotated[int | None, typer.Argument(help="ID do evento (veja `lojasync events list --failed`).")] = None,
    all_failed: Annotated[bool, typer.Option("--all", help="Todos os eventos com erro.")] = False,
) -> None:
    """Tenta de novo um evento com erro (ou todos)."""
    if event_id is None and not all_failed:
        fail("Informe o ID do evento ou --all.")
    stores = retry_events(container().uow(), event_id, all_failed)
    queue = task_queue()
    for store_id in stores:
        queue.drain_soon(store_id)
    console.print("Eventos recolocados na fila." if stores else "Nenhum evento com erro.")
