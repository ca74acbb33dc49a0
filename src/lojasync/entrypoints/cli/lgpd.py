"""`lojasync lgpd ...`: hand over the data exports that customers/data_request produced."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import console, container, friendly_errors
from lojasync.entrypoints.cli.output import table, time_column
from lojasync.nuvemshop.services.lgpd.exports import list_exports, write_export
from lojasync.nuvemshop.services.lgpd.redaction import erasure_still_pending

app = typer.Typer(help="LGPD: exportações de dados pedidas pelos titulares.", no_args_is_help=True)


@app.command("exports")
@friendly_errors
def exports() -> None:
    """Lista as exportações guardadas (apagadas após LOJASYNC_EVENT_RETENTION_DAYS)."""
    rows = list_exports(container().read_uow())
    table(f"Exportações LGPD ({formats.number(len(rows))})", ["Solicitação", "Loja", time_column("Gerada em")],
          [[escape(str(r["request_id"])), escape(str(r["store"])), formats.when(r["created_at"])] for r in rows])


@app.command("export")
@friendly_errors
def export(
    request_id: Annotated[str, typer.Argument(metavar="ID", help="O data_request.id enviado pela Nuvemshop.")],
    output: Annotated[Path | None, typer.Option("--output", metavar="ARQUIVO", help="Arquivo de saída.")] = None,
    store: Annotated[str | None, typer.Option("--store", metavar="LOJA", help=(
        "A loja (id na Nuvemshop, como na lista) quando lojas diferentes têm a mesma solicitação."))] = None,
) -> None:
    """Grava a exportação de um pedido de dados num arquivo (só o dono pode ler) para enviar ao titular."""
    target = output or Path(f"lgpd_data_request_{request_id}.json")
    written = write_export(container().read_uow(), request_id, target, store)
    console.print(f"Exportação gravada em {escape(str(written))}. Envie ao titular por um canal seguro e apague "
                  "depois.", highlight=False)


def erasure_pending_after(order_number: int) -> str | None:
    """After a cancellation: the LGPD erasure it owed that failed (the order's reason), None when it ran or was
    not owed; what `--format json` gives as `personal_data_erasure_pending`."""
    return erasure_still_pending(container().read_uow(), order_number)


def print_erasure_still_pending(order_number: int) -> None:
    """After a cancellation: the LGPD erasure it owed that failed, said where the person cancelling looks."""
    reason = erasure_pending_after(order_number)
    if reason is not None:
        console.print(f"[yellow]Atenção (pedido {order_number}):[/] {escape(reason)}", highlight=False)
