"""`lojasync sync`: pull the store's changed orders into Pedidos/Orçamentos."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lojasync.entrypoints.cli.context import console, container, friendly_errors
from lojasync.nuvemshop.services.outcomes import OUTCOME_LABELS, Outcome
from lojasync.nuvemshop.services.sync_store import SyncReport, sync_store


@friendly_errors
def sync(
    store: Annotated[str | None, typer.Option("--store", help="Id da loja (se houver mais de uma).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Relê todos os pedidos da loja, não só os alterados.")] = False,
) -> None:
    """Importa os pedidos novos e alterados da loja."""
    report = run_sync(external_store_id=store, full=full)
    print_sync_report(report)
    if report.imports.failed():
        raise typer.Exit(2)


def run_sync(external_store_id: str | None = None, full: bool = False, app=None) -> SyncReport:
    app = app or container()
    settings = app.settings
    with Progress(TextColumn("[bold]Importando pedidos"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("sync", total=None)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        return sync_store(app.uow(), app.client_for, app.policy(), external_store_id=external_store_id, full=full,
                          overlap_seconds=settings.sync_overlap_seconds, page_size=settings.sync_page_size,
                          progress=progress)


def print_sync_report(report: SyncReport) -> None:
    counts = report.imports.counts()
    if report.resumed:
        where = "retomada"
    else:
        where = "completa" if report.since is None else f"desde {report.since:%d/%m/%Y %H:%M:%S} UTC"
    console.print(f"Loja {report.external_store_id}: sincronização {where}. {report.fetched} pedidos lidos em "
                  f"{report.pages} página(s), {report.api_calls} chamadas à API, {report.seconds:.1f} s.",
                  highlight=False)
    parts = [f"{counts.get(o, 0)} {OUTCOME_LABELS[o]}" for o in Outcome if counts.get(o)]
    console.print("Resultado: " + (", ".join(parts) if parts else "nada a importar") + ".", highlight=False)
    if report.retry_stopped:
        console.print(f"[yellow]Novas tentativas de pedidos com erro interrompidas:[/] {report.retry_stopped}",
                      highlight=False)
    for failure in report.imports.failed()[:10]:
        console.print(f"[red]Falha[/] pedido {failure.external_id or '?'}: {failure.message}", highlight=False)
    for result in report.imports.results:
        if result.outcome is Outcome.ATTENTION:
            console.print(f"[yellow]Atenção[/] pedido {result.order_number}: {result.message}", highlight=False)
