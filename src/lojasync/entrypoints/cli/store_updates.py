"""`lojasync store updates|push`: what waits to be written to the store (stock, NF-e keys, tracking codes), and
sending it now.
Registered on the `store` group."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import EXIT_TRY_AGAIN, console, container, err_console, friendly_errors
from lojasync.entrypoints.cli.output import (
    Column,
    FormatOption,
    OutputFormat,
    print_json,
    table_or_lines,
    time_column,
)
from lojasync.nuvemshop.services.store_updates import (
    count_store_updates,
    list_store_updates,
    push_now,
    waiting_elsewhere,
)

StoreOption = Annotated[str | None, typer.Option("--store", help="Id da loja (se houver mais de uma).")]
_SKIPPED = {"inactive": "a loja está desativada",
            # The way out (review: none was given): a sync that reads the store ends the pause, as the worker's
            # recheck does every few minutes.
            "paused": "a loja está suspensa na Nuvemshop. Quando ela voltar, rode lojasync sync (ou espere o worker, "
                      "que confere a loja sozinho a cada poucos minutos) e envie de novo",
            "attention": "a loja precisa de atenção (veja lojasync store list)"}


@friendly_errors
def updates(
    store: StoreOption = None,
    include_done: Annotated[bool, typer.Option("--all", help="Inclui as já enviadas.")] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """O que espera para ser gravado na loja (estoque das variantes, chave da NF-e e código de rastreio nos pedidos)
    e o que a loja recusou."""
    rows = list_store_updates(container().read_uow(), store, include_done)
    counts = count_store_updates(container().read_uow(), store, include_done) if rows else {}
    total = sum(counts.values())
    # A store named: that one was asked for, and the others are not read.
    chosen, others = (store, []) if store else waiting_elsewhere(container().read_uow(), None)
    if fmt is OutputFormat.JSON:
        print_json([r.to_dict() for r in rows])
        if total > len(rows):
            # The list stays a list (scripts read it as one); what it leaves out is said apart (review: 200 rows
            # of 311, and nothing told a script checking that everything was written back).
            err_console.print(f"Atenção: {_shown(rows, total, counts, include_done)}", highlight=False,
                              soft_wrap=True)
        _say_others(others, err_console)
        return
    if not rows:
        console.print(f"Nada esperando para ser enviado à loja {chosen}.", highlight=False)
        _say_others(others, console)
        return
    # One line per update where the table does not fit (80 columns: words were split, a key over six lines; review).
    table_or_lines(f"Atualizações para a loja ({formats.number(total)})",
                   ["Tipo", "Produto / pedido", Column("Situação", no_wrap=True), Column("Enviado", justify="right",
                    no_wrap=True), Column("Tentativas", justify="right", no_wrap=True), time_column("Atualizada"),
                    "Erro"],
                   [[r.kind_label, escape(f"{r.subject} ({r.ref} na loja)" if r.subject else r.ref), r.status_label,
                     _sent(r), r.attempts, formats.when(r.updated_at), escape(_error(r))]
                    for r in rows])
    if total > len(rows):
        # review: "(200)" was printed over a backlog of thousands, the refused ones (a person's to act on) past it.
        console.print(_shown(rows, total, counts, include_done), highlight=False)


def _say_others(others: list[tuple[str, bool, int]], where) -> None:
    for external_id, active, waiting in others:
        state = "" if active else " (desativada: nada é enviado a ela até ser reativada)"
        where.print(f"Atenção: a loja {external_id}{state} tem {formats.number(waiting)} atualização(ões) esperando: "
                    f"lojasync store updates --store {external_id}", highlight=False, soft_wrap=True)


def _shown(rows, total: int, counts: dict, include_done: bool) -> str:
    return (f"Mostrando {formats.number(len(rows))} de {formats.number(total)} (as recusadas pela loja primeiro, "
            f"depois as mais recentes): {formats.number(counts.get('failed', 0))} recusada(s), "
            f"{formats.number(counts.get('pending', 0))} pendente(s)"
            + (f", {formats.number(counts.get('done', 0))} enviada(s)" if include_done else "") + ".")


def _sent(row) -> str:
    """What goes to the store: the stock last written, the NF-e key or the tracking code (operator text: escaped);
    an NF-e key with none is being taken away, its NF-e cancelled (README review: an empty cell)."""
    value = row.sent_value if row.kind == "stock" else row.value
    if not value and row.kind == "nfe_key":
        return "(remover a chave)"
    return escape(str(value)) if value is not None else ""


def _error(row) -> str:
    text = f"{row.error} Resolução: {row.resolution}" if row.resolution else row.error or ""
    return f"Com erro desde {formats.when(row.failing_since)}: {text}" if row.late else text


@friendly_errors
def push(
    store: StoreOption = None,
    failed: Annotated[bool, typer.Option("--failed", help="Reenvia também as que a loja recusou.")] = False,
) -> None:
    """Envia agora à loja o estoque, as chaves de NF-e e os códigos de rastreio pendentes (o worker faz isso
    sozinho)."""
    app = container()
    report, again = push_now(app.uow(), app.client_for, store, retry_failed=failed)
    if report.skipped:
        err_console.print(f"[yellow]Nada enviado:[/] {_SKIPPED[report.skipped]}.", highlight=False)
        raise typer.Exit(1)
    if report.busy:   # 75: the same command may work in a moment (README's exit codes; review: it was 1)
        err_console.print("[yellow]Nada enviado agora:[/] outro processo está usando esta loja; tente de novo em "
                          "instantes.", highlight=False)
        raise typer.Exit(EXIT_TRY_AGAIN)
    if again:
        console.print(f"{formats.number(again)} atualização(ões) com erro recolocada(s) na fila.", highlight=False)
    unsent = (f"; encerradas sem envio (variante não mais vinculada, ou estoque que o ERP não controla): "
              f"{formats.number(report.unsent)}" if report.unsent else "")
    console.print(f"Enviadas: {formats.number(report.pushed)}; recusadas pela loja: {formats.number(report.failed)}"
                  f"{unsent}; chamadas à API: {formats.number(report.calls)}.", highlight=False)
    if report.failed:
        console.print("Veja os motivos em lojasync store updates (ou lojasync store log).", highlight=False)
    if report.error:
        err_console.print(f"[yellow]Ficaram para depois:[/] {escape(report.error)}", highlight=False)
        if report.needs_person:   # the token, a permission, a suspension, a bug: a person first
            if report.error_resolution:
                err_console.print(f"Resolução: {escape(report.error_resolution)}", highlight=False)
            raise typer.Exit(1)
        # The store failed for now: kept in the queue, tried again (75, as any outside outage)
        err_console.print("Resolução: as atualizações ficam na fila e o worker tenta de novo sozinho. No terminal: "
                          "lojasync store push", highlight=False)
        raise typer.Exit(EXIT_TRY_AGAIN)
    if report.more:
        console.print("Há mais atualizações: rode o comando de novo (ou deixe o worker enviar).", highlight=False)
