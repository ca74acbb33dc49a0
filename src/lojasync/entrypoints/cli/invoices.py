"""`lojasync invoices ...`: NF-e (generated from orders with `lojasync orders invoice NUMBER`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import (
    INTERRUPTED,
    console,
    container,
    err_console,
    explain,
    fail,
    friendly_errors,
    say_attention,
    terminal_person,
    usage_error,
)
from lojasync.entrypoints.cli.lgpd import erasure_pending_after, print_erasure_still_pending
from lojasync.entrypoints.cli.number_voids import gaps, print_number_void, void, voids
from lojasync.entrypoints.cli.output import (
    Column,
    FormatOption,
    LimitOption,
    OutputFormat,
    PageOption,
    is_standard_output,
    money_column,
    page_caption,
    per_page,
    print_json,
    status_key,
    table_fitting,
    write_document,
    write_whole,
)
from lojasync.entrypoints.cli.receivables import print_refund_check_hint, refund_check_command
from lojasync.entrypoints.cli.to_the_end import run_to_the_end
from lojasync.entrypoints.cli.write_back import push_soon
from lojasync.entrypoints.sefaz_access import sefaz_for
from lojasync.entrypoints.worker_words import NO_WORKER_ALONE, and_no_worker, no_worker_words, with_worker_words
from lojasync.fiscal.errors import CancellationQueued, CancellationUnanswered
from lojasync.fiscal.invoices import InvoiceStatus
from lojasync.fiscal.services.company import ibs_cbs_notice
from lojasync.fiscal.services.effect_words import done_words, undone_words
from lojasync.fiscal.services.invoice_cancellation import cancel_invoice, withdraw_cancellation
from lojasync.fiscal.services.invoice_files import cancellation_xml, invoice_danfe, invoice_xml
from lojasync.fiscal.services.invoices import MINUTE, SENDING_WINDOW, approve_invoice
from lojasync.fiscal.services.number_voids import company_numbering, void_xml, voids_covering
from lojasync.fiscal.services.views import (
    InvoiceView,
    holds_sefaz_answer,
    list_invoices,
    page_of_invoices,
    show_invoice,
)
from lojasync.fiscal.services.worker_work import left_to_worker
from lojasync.shared.errors import LojasyncError, terminal_commands
from lojasync.shared.os_words import in_portuguese

app = typer.Typer(help="Notas fiscais eletrônicas (NF-e).", no_args_is_help=True)
IdArgument = Annotated[int, typer.Argument(metavar="ID", help="Id da NF-e (lojasync invoices list).")]
_STATUS = {"pendente": InvoiceStatus.PENDING, "aguardando": InvoiceStatus.AWAITING,
           "autorizada": InvoiceStatus.AUTHORISED, "rejeitada": InvoiceStatus.REJECTED,
           "denegada": InvoiceStatus.DENIED, "cancelada": InvoiceStatus.CANCELLED,
           "descartada": InvoiceStatus.DISCARDED}
# The stored values too ("authorised"), as the JSON gives them: a script passes back what it read.
_ACCEPTED = {**_STATUS, **{status.value: status for status in InvoiceStatus}}


def status_words(invoice: InvoiceView) -> str:
    words = invoice.status_label
    if invoice.simulated:
        words += " (simulador)"
    if invoice.cancel_requested_at is not None:
        words += " (cancelamento pedido, aguardando a SEFAZ)"
    if invoice.environment == "2":
        words += escape(" [homologação]")   # Rich would take the brackets for a markup tag and drop them
    return words


def print_invoices(invoices: list[InvoiceView], title: str = "NF-e") -> None:
    """The NF-e as a table. The access key (44 digits) is copied whole or not at all: folded over lines it is
    unreadable, so a terminal too narrow for it (80 columns) gets the table without it and where to find it."""
    columns: list[str | Column] = ["Id", "Nº", "Série", "Pedido", "Situação", money_column("Total"),
                                   Column("Chave de acesso", no_wrap=True)]
    rows: list[list[object]] = [[i.id, i.number, i.series, i.order_number, status_words(i), formats.money(i.total),
                                 i.access_key] for i in invoices]
    table_fitting(title, columns, rows, "Chave de acesso", "lojasync invoices show ID, ou a lista com --format json")


def print_invoice(invoice: InvoiceView) -> None:
    console.print(f"[bold]NF-e nº {invoice.number} série {invoice.series}[/] (id {invoice.id}) — pedido "
                  f"{invoice.order_number} — {status_words(invoice)} — total {formats.money(invoice.total)}",
                  highlight=False)
    console.print(f"Chave de acesso: {invoice.access_key or '—'}", highlight=False)
    if invoice.protocol:
        # A denial's protocol has no authorisation time: the number alone, as the NF-e's page shows it.
        when = f" em {formats.when(invoice.authorised_at)}" if invoice.authorised_at else ""
        console.print(f"Protocolo: {invoice.protocol}{when}", highlight=False)
    if invoice.rejection_code:
        what = "Uso denegado" if invoice.status == "denied" else "Rejeição"
        console.print(f"[red]{what} {invoice.rejection_code}:[/] {escape(invoice.rejection_reason or '')}",
                      highlight=False)
    if invoice.cancel_requested_at is not None:
        console.print(f"[yellow]Cancelamento pedido em {formats.when(invoice.cancel_requested_at)}:[/] ainda não "
                      "registrado na SEFAZ. O lojasync consulta a NF-e pela chave a cada 5 minutos e registra o "
                      "resultado; se a SEFAZ não tiver recebido o pedido, ele o envia sozinho (a SEFAZ só o aceita "
                      "até 24 horas depois da autorização). Até lá a NF-e segue autorizada.", highlight=False)
        if invoice.cancel_withdrawable:
            console.print("A SEFAZ não recebeu este pedido: ainda dá para retirá-lo, antes que o lojasync o envie "
                          f"(lojasync invoices withdraw-cancel {invoice.id}).", highlight=False)
    if invoice.status == "cancelled":
        justification = escape(invoice.cancel_justification or "")
        console.print(f"Cancelada em {formats.when(invoice.cancelled_at)}: {justification}", highlight=False)
        if invoice.cancel_protocol:   # the event's own, kept in the books beside the authorisation's
            console.print(f"Protocolo do cancelamento: {invoice.cancel_protocol}", highlight=False)
    if invoice.discarded_at is not None:
        why = f" Motivo: {escape(invoice.cancel_justification)}." if invoice.cancel_justification else ""
        console.print(f"Descartada em {formats.when(invoice.discarded_at)}, sem autorização: nada se moveu.{why}",
                      highlight=False)
    if invoice.elsewhere_note:
        console.print(f"[yellow]{escape(invoice.elsewhere_note)}[/]", highlight=False)
    if invoice.simulator_note:
        console.print(f"[yellow]{escape(invoice.simulator_note)}[/]", highlight=False)


@app.command("list")
@friendly_errors
def list_(
    status: Annotated[str | None, typer.Option("--status", metavar="SITUAÇÃO", help=(
        "pendente, aguardando, autorizada, rejeitada, denegada, cancelada ou descartada."))] = None,
    page: PageOption = 1,
    limit: LimitOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Lista as NF-e, da mais nova para a mais antiga, em páginas."""
    if status is not None and status_key(status) not in _ACCEPTED:
        usage_error(f"Situação desconhecida: {status}. Use {', '.join(_STATUS)}.")
    wanted = _ACCEPTED.get(status_key(status))
    size = per_page(limit, page, fmt is OutputFormat.JSON)
    # Pages for people (scale review: 20,000 NF-e of a Black Friday took 11 s to list whole).
    listed = page_of_invoices(container().read_uow(), wanted, page, size) if size else None
    invoices = listed.items if listed else list_invoices(container().read_uow(), wanted)
    if fmt is OutputFormat.JSON:
        print_json([i.to_dict() for i in invoices])
    elif listed is not None and listed.total and not invoices:
        console.print(page_caption(listed.page, listed.pages), highlight=False)
    elif not invoices and status is not None:  # there may be others: say which were asked for
        console.print(f"Nenhuma NF-e {_ACCEPTED[status_key(status)].label}.", highlight=False)
    elif not invoices:
        console.print("Nenhuma NF-e. Gere uma a partir de um pedido: lojasync orders invoice NÚMERO.", highlight=False)
    else:
        print_invoices(invoices)
        caption = page_caption(listed.page, listed.pages, "a mesma lista") if listed else None
        if caption:
            console.print(caption, style="dim", highlight=False)


@app.command("show")
@friendly_errors
def show(invoice_id: IdArgument, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Mostra uma NF-e: número, chave, situação na SEFAZ, protocolo ou rejeição."""
    invoice = show_invoice(container().read_uow(), invoice_id)
    if fmt is OutputFormat.JSON:
        print_json(invoice.to_dict())
        return
    print_invoice(invoice)
    voids = voids_covering(container().read_uow(), invoice.environment, invoice.series, invoice.number) \
        if invoice.status == "discarded" else []
    if invoice.status == "discarded":   # its number is a gap the issuer closes at SEFAZ
        print_number_void(invoice, voids, company_numbering(container().read_uow())[1])
    # Left to the worker: said when none is running (review; the void's, the last notes).
    if left_to_worker(invoice, voids) and (words := no_worker_words(container(), NO_WORKER_ALONE)):
        err_console.print(f"[yellow]{escape(words)}[/]", highlight=False, soft_wrap=not err_console.is_terminal)


@app.command("approve")
@friendly_errors
def approve(invoice_id: IdArgument, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Transmite a NF-e à SEFAZ e espera a resposta; autorizada, baixa o estoque e cria as contas a receber."""
    app_ = container()
    (invoice, changed), interrupted = run_to_the_end(
        lambda last_chance: approve_invoice(app_.uow(), app_.cipher, sefaz_for(app_.settings), invoice_id,
                                            terminal_person(), last_chance=last_chance),
        "aguardando a resposta da SEFAZ para registrá-la (até o tempo limite da SEFAZ); Ctrl+C de novo deixa de "
        "esperar.",
        lambda: and_no_worker(app_, (
            f"a NF-e fica aguardando a SEFAZ: o worker a consulta pela chave (e a envia se a SEFAZ não a recebeu), sem "
            f"reenviar às cegas; no terminal, lojasync invoices approve {invoice_id} {SENDING_WINDOW // MINUTE} "
            f"minutos depois do envio. Veja em lojasync invoices show {invoice_id}.")),
        "nada foi enviado à SEFAZ; a NF-e fica como estava.")
    try:
        _say_approved(app_, invoice, changed, fmt)
    except typer.Exit:
        if not interrupted:
            raise
    if interrupted:
        raise typer.Exit(INTERRUPTED)


def _say_approved(app_, invoice: InvoiceView, changed: bool, fmt: OutputFormat) -> None:
    if changed and invoice.status == "authorised":
        push_soon(app_, quiet=True)
    if changed:
        say_attention(lambda: ibs_cbs_notice(app_.read_uow(), [invoice.issued_at]))
    if fmt is OutputFormat.JSON:
        print_json({**invoice.to_dict(), "changed": changed})
        if invoice.status in ("rejected", "denied") or invoice.cancelled_elsewhere:
            raise typer.Exit(1)
        return
    if invoice.status == "authorised":
        console.print((f"NF-e autorizada: {done_words(app_.read_uow(), 'nfe', str(invoice.id))}." if changed
                       else "A NF-e já estava autorizada: nada foi feito de novo."), highlight=False)
    print_invoice(invoice)   # a cancellation found at SEFAZ says what happened (`elsewhere_note`)
    if invoice.cancelled_elsewhere:
        console.print(f"Outro documento para o pedido: lojasync orders invoice {invoice.order_number} (NF-e) ou "
                      f"lojasync orders sale {invoice.order_number} (venda simples).", highlight=False)
        raise typer.Exit(1)
    if invoice.status == "rejected":
        console.print(f"{invoice.rejection_resolution} Para descartar: lojasync invoices cancel {invoice.id} "
                      "--reason MOTIVO", highlight=False)
        for command in terminal_commands([invoice.rejection_resolution]):
            console.print(f"No terminal: {escape(command)}", highlight=False)
        raise typer.Exit(1)
    if invoice.status == "denied":
        # Uso denegado is final: the number is spent and this NF-e can never be authorised.
        console.print("[red]Uso denegado pela SEFAZ:[/] esta NF-e não tem valor e não pode ser transmitida de novo "
                      "(o número foi usado). Resolva a situação cadastral indicada na SEFAZ e emita outra NF-e "
                      f"para o pedido (lojasync orders invoice {invoice.order_number}).", highlight=False)
        raise typer.Exit(1)


@app.command("cancel")
@friendly_errors
def cancel(
    invoice_id: IdArgument,
    reason: Annotated[str | None, typer.Option("--reason", metavar="TEXTO", help=(
        "Justificativa (15 a 255 caracteres); para descartar uma pendente ou rejeitada, o motivo (obrigatório, sem "
        "mínimo)."))] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Cancela a NF-e na SEFAZ (devolve o estoque e cancela as contas a receber); uma pendente é descartada."""
    app_ = container()
    interrupted = False
    try:
        (invoice, changed), interrupted = run_to_the_end(
            lambda last_chance: cancel_invoice(app_.uow(), app_.cipher, sefaz_for(app_.settings), invoice_id,
                                               reason or "", terminal_person(), last_chance=last_chance),
            "aguardando a resposta da SEFAZ ao cancelamento para registrá-la; Ctrl+C de novo deixa de esperar.",
            lambda: and_no_worker(app_, (
                "o pedido de cancelamento fica guardado: o worker consulta a SEFAZ pela chave e o envia se ela não o "
                f"recebeu, sem enviá-lo às cegas. Veja em lojasync invoices show {invoice_id}.")),
            "nada foi enviado à SEFAZ; a NF-e fica como estava.")
    except (CancellationQueued, CancellationUnanswered) as queued:
        invoice, changed = show_invoice(app_.read_uow(), invoice_id), False
        interrupted = getattr(queued, "interrupted", False)
        if invoice.status != "cancelled":   # cancelled meanwhile (another person's cancel): said as it is (review)
            _say_kept(app_, invoice, queued, fmt)
            if interrupted:
                raise typer.Exit(INTERRUPTED) from None
            return
    _said_cancelled(app_, invoice, changed, fmt)
    if interrupted:
        raise typer.Exit(INTERRUPTED)


def _say_kept(app_, kept, queued: LojasyncError, fmt: OutputFormat) -> None:
    """A cancellation accepted and kept, as the API's 202: exit 0 (75 told a script to run it again, and each run sent
    the event again and moved the request's time: the integrator's review); the words on stderr, the NF-e on stdout.
    Sent without an answer, it is kept too, for the worker's query by key (the last notes)."""
    with_worker_words(app_, queued)
    err_console.print(f"[yellow]Atenção:[/] {escape(explain(queued))}", highlight=False,
                      soft_wrap=not err_console.is_terminal)
    if fmt is OutputFormat.JSON:
        print_json({**kept.to_dict(), "changed": False,
                    "cancellation_queued": {"erro": queued.message, "codigo": queued.code,
                                            "resolucao": queued.resolution}})


def _said_cancelled(app_, invoice, changed: bool, fmt: OutputFormat) -> None:
    """The NF-e cancelled (or discarded) by this command, or found so."""
    if changed:
        push_soon(app_, quiet=True)
    if fmt is OutputFormat.JSON:
        # The erasure the cancellation owed, when it failed (review: said in the text only, not to a script).
        erasure = erasure_pending_after(invoice.order_number) if changed and invoice.status == "cancelled" else None
        # Received receivables kept and flagged, as the API says them (retries too); null for a discarded one.
        to_check = (refund_check_command("nfe", str(invoice.id), invoice.order_number)
                    if invoice.status == "cancelled" else None)
        print_json({**invoice.to_dict(), "changed": changed, "receivables_to_check": to_check,
                    "personal_data_erasure_pending": erasure})
    elif not changed:
        console.print(f"A NF-e nº {invoice.number} já estava {invoice.status_label}.", highlight=False)
    elif invoice.status == "discarded":
        console.print(f"NF-e nº {invoice.number} descartada (não tinha sido autorizada: nada a devolver).",
                      highlight=False)
    else:
        words = undone_words(app_.read_uow(), "nfe", str(invoice.id), invoice.order_number)
        console.print(f"NF-e nº {invoice.number} cancelada: {words}.", highlight=False)
        print_refund_check_hint("nfe", str(invoice.id), invoice.order_number)
        print_erasure_still_pending(invoice.order_number)


@app.command("withdraw-cancel")
@friendly_errors
def withdraw_cancel(invoice_id: IdArgument, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Retira um pedido de cancelamento guardado (a SEFAZ fora do ar) antes que o lojasync o envie."""
    app_ = container()
    invoice, changed = withdraw_cancellation(app_.uow(), invoice_id, terminal_person())
    if fmt is OutputFormat.JSON:
        print_json({**invoice.to_dict(), "changed": changed})
    elif changed:
        console.print(f"Pedido de cancelamento da NF-e nº {invoice.number} retirado: nada será enviado à SEFAZ, e "
                      f"ela segue {invoice.status_label}.", highlight=False)
    else:
        console.print(f"A NF-e nº {invoice.number} não tem pedido de cancelamento guardado: segue "
                      f"{invoice.status_label}.", highlight=False)


@app.command("xml")
@friendly_errors
def xml(
    invoice_id: IdArgument,
    output: Annotated[Path | None, typer.Option("--output", metavar="ARQUIVO", help="Grava em vez de mostrar.")]
    = None,
    cancellation: Annotated[bool, typer.Option("--cancellation", help="O XML do evento de cancelamento.")] = False,
) -> None:
    """O XML da NF-e (nfeProc quando autorizada; a NF-e assinada antes disso)."""
    uow = container().read_uow()
    data = cancellation_xml(uow, invoice_id) if cancellation else invoice_xml(uow, invoice_id)
    if data is None:   # with what to do (review: the bare sentence)
        fail(f"A NF-e {invoice_id} não tem evento de cancelamento: ela não foi cancelada na SEFAZ. Para ver em que "
             f"situação ela está: lojasync invoices show {invoice_id}")
    if output is None:
        write_document(data)
    else:
        _write(output, data)
    shown = None if cancellation else show_invoice(container().read_uow(), invoice_id)
    if shown is not None and shown.status == InvoiceStatus.CANCELLED:
        # On stderr, beside the document (stdout stays the XML alone): the nfeProc of a cancelled NF-e reads as a
        # valid one (review: nothing said it was cancelled). Its event only when lojasync has it (one cancelled
        # elsewhere, found by a query, may not).
        where = "acima" if output is None or is_standard_output(output) else "gravado"
        what = "o da autorização" if shown.protocol else "a NF-e assinada"
        event = (f" O do cancelamento: lojasync invoices xml {invoice_id} --cancellation"
                 if cancellation_xml(container().read_uow(), invoice_id) is not None else "")
        err_console.print(f"Atenção: esta NF-e foi cancelada; o XML {where} é {what}.{event}", highlight=False,
                          soft_wrap=not err_console.is_terminal)
    elif shown is not None and not holds_sefaz_answer(data):
        # The signed NF-e alone reads as the authorised one too (review: said for a cancelled NF-e only). One awaiting
        # SEFAZ may be authorised there, its answer not yet here: not said to be without value.
        where = "acima" if output is None or is_standard_output(output) else "gravado"
        state = ("ainda não tem a resposta da SEFAZ" if shown.status == InvoiceStatus.AWAITING
                 else f"não foi autorizada pela SEFAZ (situação: {shown.status_label})")
        worth = "" if shown.status == InvoiceStatus.AWAITING else " e sem valor fiscal"
        err_console.print(f"Atenção: esta NF-e {state}; o XML {where} é a NF-e assinada, sem o protocolo da "
                          f"SEFAZ{worth}.", highlight=False, soft_wrap=not err_console.is_terminal)


@app.command("danfe")
@friendly_errors
def danfe(
    invoice_id: IdArgument,
    output: Annotated[Path, typer.Option("--output", metavar="ARQUIVO", help="Arquivo PDF a gravar.")],
) -> None:
    """Gera o DANFE (PDF) de uma NF-e autorizada."""
    services = container()
    _write(output, invoice_danfe(services.read_uow(), services.uow, invoice_id))


def _write(path: Path, data: bytes) -> None:
    """The file whole or not at all: written beside it, then put in its place (a full disk left a 0-byte PDF, or
    half an XML over the file that was there). Replacing a file that was there is said."""
    if is_standard_output(path):   # --output /dev/stdout: the document alone on it (into a pipe, or appended)
        write_document(data)
        return
    # os.path's: False on any error (a folder without search permission, a name too long), which the write
    # then says in Portuguese; Path.exists() raised them past the message, as a bug (exit 70).
    existed = os.path.exists(path)
    try:
        write_whole(path, data)
    except OSError as exc:
        fail(f"Não foi possível gravar {path}: {in_portuguese(exc)}.")
    replaced = " (substituiu o arquivo que havia)" if existed else ""
    console.print(f"Gravado em {escape(str(path))} ({formats.number(len(data))} bytes){replaced}.", highlight=False)


app.command("void")(void)
app.command("voids")(voids)
app.command("gaps")(gaps)


@app.command("void-xml")
@friendly_errors
def void_xml_file(
    void_id: Annotated[int, typer.Argument(metavar="ID", help="Id do pedido (lojasync invoices voids).")],
    output: Annotated[Path | None, typer.Option("--output", metavar="ARQUIVO", help="Grava em vez de mostrar.")]
    = None,
) -> None:
    """O XML de um pedido de inutilização (procInutNFe quando inutilizado; o pedido assinado antes disso)."""
    _, data = void_xml(container().read_uow(), void_id)
    if output is None:
        write_document(data)
        return
    _write(output, data)
