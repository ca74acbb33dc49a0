"""`lojasync sync`: pull the store's changed orders into Pedidos/Orçamentos."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import INTERRUPTED, console, container, friendly_errors
from lojasync.nuvemshop.services.outcomes import Outcome, outcome_label
from lojasync.nuvemshop.services.sync_store import SyncReport, sync_store


@friendly_errors
def sync(
    store: Annotated[str | None, typer.Option("--store", metavar="ID",
                                              help="Id da loja (se houver mais de uma).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Relê todos os pedidos da loja, não só os alterados.")] = False,
) -> None:
    """Importa os pedidos novos e alterados da loja."""
    report = run_sync(external_store_id=store, full=full)
    print_sync_report(report)
    if report.imports.failed():
        raise typer.Exit(2)


@dataclass
class _Done:
    saved: int = 0
    total: int | None = None


def progress_columns() -> tuple:
    """Saved of total, time elapsed and the estimate of what is left ("falta")."""
    return (TextColumn("[bold]Importando pedidos"), BarColumn(), TextColumn("{task.fields[shown]}"),
            TimeElapsedColumn(), TextColumn("falta"), TimeRemainingColumn())


def run_sync(external_store_id: str | None = None, full: bool = False, app=None,
             next_step: str = "rode `lojasync sync` para continuar") -> SyncReport:
    """Run the sync with a progress bar; Ctrl-C stops it and says how far it got and how to go on."""
    app = app or container()
    settings = app.settings
    done = _Done()
    try:
        with Progress(*progress_columns(), console=console, transient=True) as bar:
            task = bar.add_task("sync", total=None, shown="")

            def progress(saved: int, total: int | None) -> None:
                done.saved, done.total = saved, total
                shown = formats.number(saved) + (f" de {formats.number(total)}" if total is not None else "")
                bar.update(task, completed=saved, total=total, shown=shown)

            return sync_store(app.uow(), app.client_for, app.policy(), external_store_id=external_store_id,
                              full=full, overlap_seconds=settings.sync_overlap_seconds,
                              page_size=settings.sync_page_size, progress=progress)
    except KeyboardInterrupt:
        # Each page is committed with the point to resume from: what was saved stays, the next run goes on.
        console.print(interrupted_message(done.saved, done.total, next_step), highlight=False)
        raise typer.Exit(INTERRUPTED) from None


def interrupted_message(saved: int, total: int | None, next_step: str = "rode `lojasync sync` para continuar") -> str:
    """`Interrompida: 850 de 2.005 gravados; rode `lojasync sync` para continuar.`"""
    of_total = f" de {formats.number(total)}" if total is not None else ""
    return f"Interrompida: {formats.number(saved)}{of_total} gravados; {next_step}."


def _counted(count: int, one: str, several: str) -> str:
    return f"{formats.number(count)} {one if count == 1 else several}"


def print_sync_report(report: SyncReport) -> None:
    counts = report.imports.counts()
    where = "completa" if report.full or report.since is None else f"desde {formats.when(report.since)}"
    if report.resumed:   # a store's first sync taken up again is still the complete one it began as
        where += " retomada"
    seconds = formats.format_decimal_places(report.seconds, 1)
    # Each count in the singular for one (terminal journey: "1 pedidos lidos em 1 página(s)").
    read = _counted(report.fetched, "pedido lido", "pedidos lidos")
    pages = _counted(report.pages, "página", "páginas")
    calls = _counted(report.api_calls, "chamada à API", "chamadas à API")
    console.print(f"Loja {report.external_store_id}: sincronização {where}. {read} em {pages}, {calls}, {seconds} s.",
                  highlight=False)
    parts = [f"{formats.number(counts[o])} {outcome_label(o, counts[o])}" for o in Outcome if counts.get(o)]
    console.print("Resultado: " + (", ".join(parts) if parts else "nada a importar") + ".", highlight=False)
    if report.retry_stopped:
        console.print(f"[yellow]Novas tentativas de pedidos com erro interrompidas:[/] {escape(report.retry_stopped)}",
                      highlight=False)
    for failure in report.imports.failed()[:10]:
        console.print(f"[red]Falha[/] pedido {failure.external_id or '?'}: {escape(failure.message or '')}",
                      highlight=False)
    for result in report.imports.results:
        if result.outcome is Outcome.ATTENTION:
            console.print(f"[yellow]Atenção[/] pedido {result.order_number}: {escape(result.message or '')}",
                          highlight=False)
