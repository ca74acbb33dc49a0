"""`lojasync orders invoice|sale`: process orders (NF-e, venda simples); registered on the `orders` group."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import (
    EXIT_REFUSED,
    EXIT_TRY_AGAIN,
    EXIT_UNEXPECTED,
    INTERRUPTED,
    console,
    container,
    err_console,
    friendly_errors,
    record_bug,
    say_attention,
    terminal_person,
    usage_error,
)
from lojasync.entrypoints.cli.invoices import print_invoices
from lojasync.entrypoints.cli.output import FormatOption, OutputFormat, print_json, status_key
from lojasync.entrypoints.cli.write_back import push_soon
from lojasync.entrypoints.sefaz_access import sefaz_for
from lojasync.entrypoints.worker_words import no_worker_words
from lojasync.fiscal.errors import OrderCancelledInStore, OrderChangedSinceGenerated
from lojasync.fiscal.gateway import NUMBER_SPENT_AT_SEFAZ
from lojasync.fiscal.services.batch import (
    STILL_AWAITING_CODE,
    UNEXPECTED,
    BatchItem,
    BatchReport,
    awaiting_in,
    held_by_running_batches,
    invoice_orders,
    orders_to_invoice,
    refused_item,
    unsent_in,
)
from lojasync.fiscal.services.company import CompanyNotReady, ibs_cbs_notice
from lojasync.fiscal.services.invoices import MINUTE, SENDING_WINDOW
from lojasync.fiscal.services.simple_sales import generate_sale
from lojasync.fiscal.services.views import InvoiceView
from lojasync.sales.status import OrderStatus
from lojasync.shared.local_zone import day_start

_STATUS = {"em-aberto": OrderStatus.OPEN, "confirmado": OrderStatus.CONFIRMED, "cancelado": OrderStatus.CANCELLED}
# NF-e left awaiting SEFAZ by an earlier run named one by one after a run by status; past this, the list command.
AWAITING_SHOWN = 10


@friendly_errors
def invoice(
    numbers: Annotated[list[int] | None, typer.Argument(metavar="NUMERO",
                                                         help="Números dos pedidos no ERP (um ou mais).")]
    = None,
    status: Annotated[str | None, typer.Option("--status", metavar="SITUAÇÃO", help=(
        "Em vez dos números: todos os pedidos nesta situação que nunca tiveram NF-e nem venda simples (ex.: "
        "confirmado; uma NF-e descartada, que nada movimentou, não conta) e, ao transmitir, os de NF-e só gerada "
        "(pendente); um com NF-e ou venda simples cancelada só pelo número."))] = None,
    placed_from: Annotated[str | None, typer.Option("--placed-from", metavar="DD/MM/AAAA", help=(
        "Com --status: só os pedidos feitos a partir deste dia. Numa loja conectada com o histórico, os pedidos "
        "que o sistema anterior já faturou também vêm como confirmados e sem NF-e: informe o dia em que o lojasync "
        "passou a faturar."))] = None,
    approve: Annotated[bool, typer.Option("--approve/--no-approve", help=(
        "Transmite à SEFAZ logo após gerar (padrão); --no-approve só gera (pendente)."))] = True,
    parallel: Annotated[int | None, typer.Option("--parallel", min=1, max=16, metavar="N", help=(
        "Quantas NF-e aguardam a resposta da SEFAZ ao mesmo tempo (padrão: LOJASYNC_SEFAZ_PARALLEL, 4). "
        "A numeração segue a ordem dos pedidos."))] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Gera a NF-e de cada pedido e a transmite à SEFAZ; no fim, o resumo do que foi autorizado e do que não foi."""
    if bool(numbers) == bool(status):
        usage_error("Informe os números dos pedidos ou --status SITUAÇÃO (um dos dois).")
    if status is not None and status_key(status) not in _STATUS:
        usage_error(f"Situação desconhecida: {status}. Use em-aberto, confirmado ou cancelado.")
    if placed_from is not None and not status:
        usage_error("--placed-from escolhe entre os pedidos de uma situação: use-o com --status.")
    day = formats.parse_day(placed_from, "--placed-from") if placed_from else None
    app_ = container()
    # After the container: it sets the merchant's time zone, where the day begins (review: read before it, the day
    # began at Brasília's midnight, and a store in Manaus had its previous day's last hour invoiced again).
    since = day_start(day) if day else None
    # The same order twice would be refused the second time for the NF-e made the first (the API keeps one).
    moment = datetime.now(timezone.utc)   # one moment for both lists: an NF-e whose window ends between is in one
    targets = list(dict.fromkeys(numbers)) if numbers else orders_to_invoice(
        app_.read_uow(), _STATUS[status_key(status)], with_pending=approve, now=moment, placed_from=since)
    # Read before this run, so that they are those an earlier run left (killed mid-way, SEFAZ silent); the pending
    # ones, and those awaiting SEFAZ that no send holds, are among the targets of a run that transmits.
    earlier = awaiting_in(app_.read_uow(), _STATUS[status_key(status)], in_flight_only=approve,
                          now=moment) if status else []
    unsent = unsent_in(app_.read_uow(), _STATUS[status_key(status)], pending=not approve) if status else []
    held = held_by_running_batches(app_.read_uow(), _STATUS[status_key(status)], with_pending=approve,
                                   now=moment, placed_from=since) if status else []
    if not targets:
        if fmt is OutputFormat.JSON:   # a script reads a list (empty when nothing is left), not a sentence
            print_json([_held_json(number) for number in held]
                       + [_earlier_json(invoice) for invoice in earlier + unsent])
        else:
            console.print(f"Nenhum pedido {status_key(status)} sem NF-e"
                          f"{f' feito a partir de {formats.day(since)}' if since else ''}"
                          f"{' fora de um lote em andamento' if held else ''}.", highlight=False)
            _print_held(held)
            _print_awaiting(earlier)
            _print_unsent(unsent)
        _say_no_worker(app_, earlier)
        _still_awaiting(earlier if approve else [], held)
        return
    sefaz = sefaz_for(app_.settings)
    seen: list[BatchItem] = []   # as each order finishes: what a stopped run still reports

    def advance(item: BatchItem) -> None:
        seen.append(item)
        progress.advance(task)

    try:
        # On stderr, JSON runs included: stdout is the result alone, and `> arquivo` or `| tee` still show progress
        # (review: the bar went to stdout, and JSON runs had none). Not into a file or pipe: a blank line there.
        with Progress(TextColumn("Emitindo NF-e"), BarColumn(), MofNCompleteColumn(), console=err_console,
                      disable=len(targets) == 1 or not err_console.is_terminal, transient=True) as progress:
            task = progress.add_task("nfe", total=len(targets))
            report = invoice_orders(app_.uow, app_.cipher, sefaz, targets, approve=approve, actor=terminal_person(),
                                    progress=advance, parallel=parallel or app_.settings.sefaz_parallel,
                                    report_bug=record_bug, stopping=_stopping)
    except CompanyNotReady as refused:
        if fmt is not OutputFormat.JSON:
            raise   # one sentence for the whole run, as any command's refusal
        # A script reads one row per order it gave, as when the company refuses a single order (review: stdout was
        # empty, no JSON at all, the reason on stderr only).
        _report(BatchReport([refused_item(number, refused) for number in targets]), approve, len(targets), fmt,
                earlier, unsent, held=held)
        raise typer.Exit(EXIT_REFUSED) from None
    except KeyboardInterrupt:
        # Stopped (Ctrl+C): what was done is said as a finished run says it (review: nothing was printed, in JSON
        # not even an empty list, and nobody was told which NF-e were authorised or left pending), then the orders
        # not reached; the exit is 130, as for any command interrupted.
        position = {number: index for index, number in enumerate(targets)}
        done = sorted(seen, key=lambda item: position.get(item.order_number, len(targets)))   # in the orders' order
        reached = {item.order_number for item in done}
        left = [number for number in targets if number not in reached]
        # In JSON each order not reached is a row too, so that a script sees every order it gave.
        _report(BatchReport(done), approve, len(targets), fmt, earlier, unsent, held=held,
                not_reached=left if fmt is OutputFormat.JSON else [])
        if left and fmt is not OutputFormat.JSON:
            shown = ", ".join(str(n) for n in left[:AWAITING_SHOWN]) + (" ..." if len(left) > AWAITING_SHOWN else "")
            # "(pedidos 12, 15)": the numbers are orders, not another count (journey review: "(1)" read as one).
            label = "pedido" if len(left) == 1 else "pedidos"
            console.print(f"[yellow]Interrompido: {formats.number(len(left))} pedido(s) não alcançado(s)[/] "
                          f"({label} {shown}); "
                          "rode o comando de novo para emiti-los (os já emitidos não são emitidos outra vez).",
                          highlight=False)
        if seen:
            push_soon(app_, quiet=True)
        raise typer.Exit(INTERRUPTED) from None
    if report.authorised:
        push_soon(app_, quiet=True)   # once for the whole batch: one push per store
    _report(report, approve, len(targets), fmt, earlier, unsent, held=held)
    _say_no_worker(app_, earlier + [i.invoice for i in report.items if i.invoice is not None])
    # Issued all the same (invoicing does not stop on 1 January), said once for the run.
    say_attention(lambda: ibs_cbs_notice(app_.read_uow(),
                                         [i.invoice.issued_at for i in report.items if i.invoice is not None]))
    # In a batch, an order that already had its NF-e or sale is no failure (review: a run again, as the interrupted
    # run's own message asks, ended in exit 1 with them in red), as the batch page says them; one order alone keeps
    # its refusal, as `invoices approve` would.
    considered = report.failed if len(targets) > 1 else report.items
    failed = [i for i in considered if i.error] if approve else [i for i in considered if i.invoice is None]
    if failed:
        # As `invoices approve`: 75 when only SEFAZ's absence stood in the way (run it again later), 1 when a
        # person has something to fix (a refusal, a rejection), so a script can tell the two apart.
        waiting = all(i.not_sent or (i.refusal is not None and i.refusal.retryable) for i in failed)
        # 70 when a bug stood in the way of any order (its line names the reference), as for a command it stops.
        bug = any(i.refusal is not None and i.refusal.code == UNEXPECTED for i in failed)
        raise typer.Exit(EXIT_UNEXPECTED if bug else EXIT_TRY_AGAIN if waiting else EXIT_REFUSED)
    _still_awaiting(earlier if approve else [], held)


def _say_no_worker(app_, invoices: list[InvoiceView]) -> None:
    """Once, on stderr: NF-e left awaiting SEFAZ are asked about by key by a worker alone ("consultada pela chave
    sozinha"), and none is running (review: the rows' words came from copies of the errors, which the terminal's
    errors now complete, and never said it)."""
    if any(invoice.status == "awaiting_sefaz" for invoice in invoices) and no_worker_words(app_):
        err_console.print(f"[yellow]Atenção:[/] {NO_WORKER_FOR_AWAITING}", highlight=False,
                          soft_wrap=not err_console.is_terminal)


NO_WORKER_FOR_AWAITING = ("nenhum worker do lojasync está no ar agora, e as NF-e aguardando a SEFAZ só são consultadas "
                          "pela chave sozinhas quando um entrar no ar: inicie-o (lojasync worker, ou o serviço do "
                          "lojasync sem --no-worker), ou rode este comando de novo depois.")


def _still_awaiting(earlier: list[InvoiceView], held: Sequence[int] = ()) -> None:
    """75, as for this run's own NF-e left awaiting SEFAZ, when an earlier run's still await it (said in the
    summary): a script running `--status confirmado` until it exits 0 saw 0 with them undecided (review). Not for a
    run that only generates (`--no-approve`): running it again settles nothing (the integrator's review). 75 too
    when a batch still running holds orders of the status (said as "rode de novo quando ele terminar"): this run did
    not issue them, and a script took 0 for "every order invoiced" (the last notes)."""
    if earlier or held:
        raise typer.Exit(EXIT_TRY_AGAIN)


def _report(report: BatchReport, approve: bool, targets: int, fmt: OutputFormat, earlier: list[InvoiceView],
            unsent: list[InvoiceView], not_reached: list[int] = (), held: list[int] = ()) -> None:
    """The run's summary: its NF-e, how many were authorised (or generated) of how many orders, each order's
    problem with its commands, and what earlier runs left (`earlier`, awaiting SEFAZ; `unsent`, not authorised).
    `not_reached`: the orders an interrupted run never got to (JSON rows; the table says them after)."""
    if fmt is OutputFormat.JSON:
        print_json([_item_json(item) for item in report.items]
                   + [_not_reached_json(number) for number in not_reached]
                   + [_held_json(number) for number in held]
                   + [_earlier_json(invoice) for invoice in earlier + unsent])
    else:
        created = [item.invoice for item in report.items if item.invoice is not None]
        if created:
            print_invoices(created)
        wanted = "autorizada(s)" if approve else "gerada(s)"
        done = len(report.authorised) if approve else len(created)
        # Each kind of "not authorised" counted, the reasons listed below (review: a batch SEFAZ rejected whole said
        # only "0 NF-e autorizada(s) de 2 pedido(s)", and orders refused before generation went uncounted).
        had = {id(i) for i in report.already_done} if targets > 1 else set()
        # An earlier document that does not stand (a rejected NF-e, a pending sale): counted apart, said in red.
        in_the_way = {id(i) for i in report.had_document if id(i) not in had} if targets > 1 else set()
        # One order alone that has its document: said as such, not as "sem NF-e gerada" (final review: its NF-e, sent
        # moments ago, exists), its refusal below as the command's own.
        alone = {id(i) for i in report.had_document} if targets == 1 else set()
        awaiting = [i for i in report.items if i.invoice is not None and i.invoice.status == "awaiting_sefaz"]
        counts = [(len(report.rejected), "rejeitada(s)"), (len(report.denied), "denegada(s)"),
                  (len(awaiting), "aguardando a SEFAZ"),
                  (len([i for i in report.not_generated if id(i) not in had | in_the_way | alone]),
                   "pedido(s) sem NF-e gerada"),
                  (len(had), "já tinha(m) NF-e ou venda simples (nada foi feito neles)"),
                  (len(in_the_way), "já tinha(m) NF-e rejeitada ou venda simples pendente (veja abaixo)"),
                  (len(alone), "já tinha NF-e ou venda simples (veja abaixo)")]
        more = "".join(f"; {formats.number(count)} {words}" for count, words in counts if count)
        console.print(f"{formats.number(done)} NF-e {wanted} de {formats.number(targets)} pedido(s){more}.",
                      highlight=False)
        for item in report.items:
            if item.error:
                # An order of a batch that had its document already: nothing went wrong, not in red.
                label = f"Pedido {item.order_number}:" if id(item) in had else f"[red]Pedido {item.order_number}:[/]"
                console.print(f"{label} {escape(item.error)}", highlight=False)
                for command in (*(item.refusal.terminal if item.refusal else ()), *_next_steps(item)):
                    # Escaped: a command names a SKU, which may hold brackets (review: "KIT[/]" ended the summary
                    # in an unexpected error).
                    console.print(f"  No terminal: {escape(command)}", highlight=False)
        # Those a stopped run put back unsent say so on their own line: SEFAZ had nothing to do with it; nor with
        # a certificate its TLS refused, which waiting does not fix (review: the line said SEFAZ was down).
        if report.not_sent_sefaz_down:
            console.print(f"[yellow]{formats.number(len(report.not_sent_sefaz_down))} não transmitida(s): a SEFAZ não "
                          "respondeu ou não decidiu (ou está fora do ar), transmita depois[/] (geradas e pendentes; "
                          "para transmitir depois: lojasync invoices approve ID).", highlight=False)
        if report.not_sent_to_fix:
            console.print(f"[red]{formats.number(len(report.not_sent_to_fix))} não transmitida(s) (geradas e "
                          f"pendentes): {escape(report.not_sent_to_fix[0].error.removeprefix('não transmitida: '))}."
                          "[/]", highlight=False)
        _print_held(held)
        _print_awaiting(earlier)
        _print_unsent(unsent)


IN_ANOTHER_RUN = "batch.in_another_run"


def _held_json(number: int) -> dict:
    """A row for an order of the status a batch still running holds: this run left it to that one."""
    return {"id": None, "status": None, "order_number": number,
            "error": "num lote em andamento (NF-e em lote, ou um lote da API): este comando não o emitiu",
            "error_code": IN_ANOTHER_RUN, "existing_document": None, "earlier_run": False}


def _print_held(held: list[int]) -> None:
    if held:
        shown = ", ".join(str(n) for n in held[:AWAITING_SHOWN]) + (" ..." if len(held) > AWAITING_SHOWN else "")
        console.print(f"{formats.number(len(held))} pedido(s) num lote em andamento ({shown}): este comando não os "
                      "emitiu; acompanhe o lote na página NF-e em lote (ou rode de novo quando ele terminar).",
                      highlight=False)


def _stopping(count: int) -> None:
    # On stderr: with --format json, stdout is the script's, and this line is no JSON.
    err_console.print(f"[yellow]Interrompido: aguardando a resposta da SEFAZ para {formats.number(count)} NF-e já "
                  "transmitida(s), para registrá-la(s) (até o tempo limite da SEFAZ).[/]", highlight=False)


def _print_awaiting(invoices: list[InvoiceView]) -> None:
    """The NF-e an earlier run left awaiting SEFAZ, whose orders this run by status left out: without this, a run
    again after a crash said only what it did, and those orders looked done while SEFAZ's answer for their NF-e
    was still to be recorded (by the worker's or a person's query by key)."""
    if not invoices:
        return
    console.print(f"[yellow]{formats.number(len(invoices))} NF-e de uma emissão anterior aguardando a SEFAZ[/] (não "
                  "foram emitidas de novo): o worker consulta a SEFAZ pela chave, sem reenviar, "
                  f"{SENDING_WINDOW // MINUTE} minutos depois do envio; no terminal, a mesma consulta:",
                  highlight=False)
    ordered = sorted(invoices, key=lambda i: (i.series, i.number))
    for invoice in ordered[:AWAITING_SHOWN]:
        console.print(f"  Pedido {invoice.order_number}, NF-e nº {invoice.number}: lojasync invoices approve "
                      f"{invoice.id}", highlight=False)
    if len(ordered) > AWAITING_SHOWN:
        console.print(f"  e mais {formats.number(len(ordered) - AWAITING_SHOWN)}: lojasync invoices list --status "
                      "aguardando", highlight=False)


def _print_unsent(invoices: list[InvoiceView]) -> None:
    """The NF-e an earlier run generated and left unauthorised (pending: SEFAZ was down, or the run was killed
    before its summary; rejected), whose orders this run by status left out: nobody sends them by themselves."""
    if not invoices:
        return
    one = len(invoices) == 1   # "1 NF-e ... gerada e não autorizada (... ninguém a transmite)": the number agreeing
    console.print(f"[yellow]{formats.number(len(invoices))} NF-e de uma emissão anterior "
                  f"{'gerada e não autorizada' if one else 'geradas e não autorizadas'}[/] (não "
                  f"{'foi emitida' if one else 'foram emitidas'} de novo; ninguém {'a' if one else 'as'} transmite "
                  "sozinho):", highlight=False)
    for invoice in invoices[:AWAITING_SHOWN]:
        state = f"rejeitada ({invoice.rejection_code})" if invoice.status == "rejected" else "pendente"
        console.print(f"  Pedido {invoice.order_number}, NF-e nº {invoice.number} {state}: "
                      f"{_command_for(invoice)}", highlight=False)
    if len(invoices) > AWAITING_SHOWN:
        console.print(f"  e mais {formats.number(len(invoices) - AWAITING_SHOWN)}: lojasync invoices list --status "
                      "pendente (e --status rejeitada)", highlight=False)


def _next_steps(item: BatchItem) -> tuple[str, ...]:
    """The commands for the NF-e this run left unauthorised, by the id they take (the summary names the order):
    transmit it (again: an NF-e awaiting SEFAZ is asked by key first), or discard a rejected one."""
    invoice = item.invoice
    if invoice is None or invoice.status == "authorised":
        return ()
    code = item.refusal.code if item.refusal else None
    if code in _OUTDATED and invoice.status in ("pending", "rejected"):
        # Refused because the store changed or cancelled the order since it was generated: discard it (review: the
        # line said "descarte" and printed the approve that had just been refused).
        discard = f"lojasync invoices cancel {invoice.id} --reason MOTIVO (descarta)"
        if code == OrderCancelledInStore.code:
            return (discard,)
        return (discard, f"lojasync orders invoice {invoice.order_number} (outra NF-e, do pedido como está agora)")
    if invoice.status == "denied":
        # Final: kept as it is, the number used; the order takes another document once the cause is solved (review:
        # the run said nothing of what to do).
        return (f"lojasync orders invoice {invoice.order_number} (outra NF-e, resolvida a situação cadastral que a "
                "SEFAZ indicou)",)
    return (_command_for(invoice),)


# The refusals of a pending NF-e that no longer describes its order, which only a discard resolves.
_OUTDATED = frozenset({OrderChangedSinceGenerated.code, OrderCancelledInStore.code})


def _command_for(invoice: InvoiceView) -> str:
    """What to run for an NF-e not authorised: transmit it, or, rejected, correct and transmit or discard it."""
    if invoice.status == "rejected" and invoice.rejection_code in NUMBER_SPENT_AT_SEFAZ:
        # 539/206: SEFAZ holds the number (another key, voided); transmitting it again is refused (review: the run
        # said to).
        return (f"lojasync invoices cancel {invoice.id} --reason MOTIVO (descarta: o número já está na SEFAZ) e "
                f"lojasync orders invoice {invoice.order_number} (outra NF-e, com outro número)")
    if invoice.status == "rejected":
        return (f"lojasync invoices approve {invoice.id} (corrigido o que a SEFAZ indicou) ou lojasync invoices "
                f"cancel {invoice.id} --reason MOTIVO (descarta)")
    return f"lojasync invoices approve {invoice.id}"


def _item_json(item: BatchItem) -> dict:
    """The NF-e as `invoices show --format json` gives it, or, for an order that got none, the same first keys
    (`id` and `status` null) so that a script reads every row alike; `error_code` is the error's stable code
    (the API's `codigo`) for a script to switch on; for SEFAZ's rejection or denial, `SEFAZ_REJECTED` or
    `SEFAZ_DENIED` (SEFAZ's own code in `rejection_code`; review: it was null, as for an NF-e authorised)."""
    data = item.invoice.to_dict() if item.invoice is not None else {
        "id": None, "status": None, "order_number": item.order_number}
    # Refused for the document the order already has: which one, as the API's `existing_document` (review: its id
    # was only inside the error's words).
    kind, existing = item.refusal.document if item.refusal and item.refusal.document else (None, None)
    code = item.why.code if item.why else _BY_SEFAZ.get(data["status"]) if item.error else None
    # `stands`: whether that document stands for the sale (authorised, awaiting SEFAZ, generated by a run that only
    # generates, a confirmed sale), or is in the way (a rejected NF-e, a pending sale: the exit is 1 for it).
    return {**data, "error": item.error, "error_code": code,
            "existing_document": {"kind": kind, "id": existing, "stands": item.refusal.settled}
            if existing is not None else None,
            "earlier_run": False}


SEFAZ_REJECTED = "fiscal.sefaz_rejected"
SEFAZ_DENIED = "fiscal.sefaz_denied"
_BY_SEFAZ = {"rejected": SEFAZ_REJECTED, "denied": SEFAZ_DENIED}
NOT_REACHED = "batch.not_reached"


def _not_reached_json(number: int) -> dict:
    """A row for an order an interrupted run never got to: nothing was made for it (run the command again)."""
    return {"id": None, "status": None, "order_number": number,
            "error": "não alcançado: o lote foi interrompido antes deste pedido; rode o comando de novo",
            "error_code": NOT_REACHED, "existing_document": None, "earlier_run": False}


def _earlier_json(invoice: InvoiceView) -> dict:
    """A row for an NF-e an earlier run left awaiting SEFAZ, pending or rejected (its order was not invoiced again),
    shaped as this run's rows, `earlier_run` true: what the table lists at the end, so that a script does not take
    those orders as done."""
    # Why it is not authorised, in the table's words, and a code as this run's rows carry (review: both were null,
    # and a script switching on `error_code` took these orders for done).
    if invoice.status == "awaiting_sefaz":
        code = STILL_AWAITING_CODE
        error = (f"NF-e de uma emissão anterior aguardando a SEFAZ: consultada pela chave, sem reenviar, "
                 f"{SENDING_WINDOW // MINUTE} minutos depois do envio; {_command_for(invoice)}")
    elif invoice.status == "rejected":
        error, code = (f"NF-e de uma emissão anterior rejeitada pela SEFAZ ({invoice.rejection_code}): "
                       f"{_command_for(invoice)}"), SEFAZ_REJECTED
    else:
        error, code = (f"NF-e de uma emissão anterior gerada e não transmitida: {_command_for(invoice)}"), \
            EARLIER_NOT_SENT
    return {**invoice.to_dict(), "error": error, "error_code": code, "existing_document": None, "earlier_run": True}


EARLIER_NOT_SENT = "fiscal.earlier_not_sent"   # generated by an earlier run and never transmitted: nobody sends it


@friendly_errors
def sale(
    number: Annotated[int, typer.Argument(metavar="NUMERO", help="Número do pedido no ERP.")],
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Gera uma venda simples do pedido (pendente: não mexe em estoque nem no financeiro até ser confirmada)."""
    sale_ = generate_sale(container().uow(), number, terminal_person())
    if fmt is OutputFormat.JSON:
        print_json(sale_.to_dict())
        return
    console.print(f"Venda simples {sale_.id} gerada do pedido {sale_.order_number} ({formats.money(sale_.total)}). "
                  f"Para baixar o estoque e criar as contas a receber: lojasync sales confirm {sale_.id}",
                  highlight=False)
