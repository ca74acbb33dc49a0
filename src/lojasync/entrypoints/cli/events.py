"""`lojasync events ...`: the notifications (webhooks) received from the store, and retrying failed ones."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import COMMANDS, console, container, friendly_errors, usage_error
from lojasync.entrypoints.cli.output import Column, OutputFormat, print_json, table, time_column
from lojasync.entrypoints.cli.runtime import task_queue
from lojasync.nuvemshop.services.events_admin import left_advice, left_words, list_events, retry_events
from lojasync.shared.errors import Action
from lojasync.shared.numbers import LARGEST_ID

app = typer.Typer(help="Notificações (webhooks) recebidas da loja.", no_args_is_help=True)


@app.command("list")
@friendly_errors
def events_list(
    failed: Annotated[bool, typer.Option("--failed", help="Só os que falharam.")] = False,
    limit: Annotated[int, typer.Option("--limit", metavar="N", min=1, max=LARGEST_ID,
                                       help="Quantos, dos mais novos.")] = 50,
    before: Annotated[int | None, typer.Option("--before", metavar="ID", min=1, max=LARGEST_ID, help=(
        "Só os anteriores a este ID (a página seguinte: o menor ID da lista atual)."))] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table (para ler) ou json (para scripts).")]
    = OutputFormat.TABLE,
) -> None:
    """Lista as notificações recebidas, das mais novas para as mais antigas."""
    events = list_events(container().read_uow(), failed_only=failed, limit=limit, before=before)
    if fmt is OutputFormat.JSON:
        print_json([e.__dict__ for e in events])
        return
    several_stores = len({e.store for e in events}) > 1
    # Eighty columns: the errors, long by nature, go under the table instead of in a column of it.
    table(f"Notificações ({formats.number(len(events))})",
          [Column("ID", justify="right", no_wrap=True), time_column("Recebida"), Column("Evento", max_width=22),
           Column("Pedido", justify="right", no_wrap=True), Column("Situação", no_wrap=True),
           Column("Tent.", justify="right", no_wrap=True)]
          + ([Column("Loja", no_wrap=True)] if several_stores else []),
          [[e.id, formats.when(e.received_at), escape(e.event), e.order_number or "—", _status(e), e.attempts]
           + ([escape(str(e.store))] if several_stores else []) for e in events])
    for event in events:
        if event.error:
            console.print(f"[red]{event.id}[/] {escape(event.error)}", highlight=False)
            if event.resolution:
                console.print(f"   Resolução: {escape(event.resolution)}", highlight=False)
    if any(e.retryable for e in events):
        console.print("Para tentar de novo: [bold]lojasync events retry ID[/] (ou --all).")


def _status(event) -> str:
    return f"[red]{event.status}[/]" if event.retryable else event.status


@app.command("retry")
@friendly_errors
def events_retry(
    event_id: Annotated[int | None, typer.Argument(metavar="ID",
                                                   help="ID do evento (veja `lojasync events list --failed`).")] = None,
    all_failed: Annotated[bool, typer.Option("--all", help="Todos os eventos com erro.")] = False,
) -> None:
    """Tenta de novo um evento com erro (ou todos)."""
    if event_id is None and not all_failed:
        usage_error("Informe o ID do evento ou --all.")
    outcome = retry_events(container().uow(), event_id, all_failed)
    queue = task_queue()
    for store in outcome.stores:
        queue.drain_soon(store.id)
    if outcome.left:   # put back, the worker would ignore them: left failed, and said so
        advice = left_advice(outcome, lambda stores: "; ".join(f"lojasync store enable {s}" for s in stores),
                             COMMANDS[Action.RECONNECT_STORE])
        console.print(("Eventos recolocados na fila; " if outcome.stores else "Nenhum evento recolocado na fila: ")
                      + f"{left_words(outcome)}. {advice}", highlight=False)
        return
    console.print("Eventos recolocados na fila." if outcome.stores else "Nenhum evento com erro.")
