"""`lojasync receivables ...`: contas a receber created by approved NF-e and confirmed sales."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import console, container, friendly_errors, terminal_person, usage_error
from lojasync.entrypoints.cli.output import (
    Column,
    FormatOption,
    LimitOption,
    OutputFormat,
    PageOption,
    money_column,
    page_caption,
    page_total,
    per_page,
    print_json,
    status_key,
    table_fitting,
)
from lojasync.finance.receivables import ReceivableStatus
from lojasync.finance.services import check_receivable, receive, undo_receipt, write_off_receivable
from lojasync.finance.views import ReceivableFilter, Situation, find_receivables, situated, to_check_of
from lojasync.fiscal.services.views import invoice_numbers
from lojasync.shared.numbers import LARGEST_ID

app = typer.Typer(help="Contas a receber.", no_args_is_help=True)
# As Financeiro and the API filter: "vencida" is open and past due, "em-aberto" open and not yet due. The JSON's
# stored "status" words are taken too, so that a script can ask for what it reads ("open": due or not).
_STATUS = {s.value: s for s in Situation}
_STORED = {s.value: s for s in ReceivableStatus}


ReceivableId = Annotated[int, typer.Argument(metavar="ID", help="Número da conta a receber (a coluna Conta "
                                                                  "de lojasync receivables list).")]


@app.command("list")
@friendly_errors
def list_(
    status: Annotated[str | None, typer.Option("--status", metavar="SITUAÇÃO", help=(
        "em-aberto (ainda não vencida), vencida, recebida ou cancelada; ou o campo status do JSON: open (vencida "
        "ou não), received, cancelled."))] = None,
    order: Annotated[int | None, typer.Option("--order", metavar="NÚMERO", min=1, max=LARGEST_ID,
                                              help="Só deste pedido.")] = None,
    to_check: Annotated[bool, typer.Option("--conferir", help=(
        "Só as marcadas \"conferir\": recebidas e com o documento cancelado depois."))] = False,
    due_from: Annotated[str | None, typer.Option("--due-from", metavar="DD/MM/AAAA",
                                                 help="Vencimento a partir deste dia (inclusive).")] = None,
    due_to: Annotated[str | None, typer.Option("--due-to", metavar="DD/MM/AAAA",
                                               help="Vencimento até este dia (inclusive).")] = None,
    received_from: Annotated[str | None, typer.Option("--received-from", metavar="DD/MM/AAAA", help=(
        "Só as recebidas a partir deste dia (inclusive): o dinheiro que entrou, como no extrato."))] = None,
    received_to: Annotated[str | None, typer.Option("--received-to", metavar="DD/MM/AAAA",
                                                    help="Só as recebidas até este dia (inclusive).")] = None,
    page: PageOption = 1,
    limit: LimitOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Lista as contas a receber por vencimento, em páginas."""
    key = status_key(status)
    if status is not None and key not in _STATUS and key not in _STORED:
        usage_error(f"Situação desconhecida: {status}. Use em-aberto, vencida, recebida ou cancelada (ou, como o "
                    "JSON diz no campo status, open, received ou cancelled).")
    # What the Financeiro page and the API filter by, the week's due dates included (review: only the page had them).
    first = formats.parse_day(due_from, "--due-from") if due_from else None
    last = formats.parse_day(due_to, "--due-to") if due_to else None
    if first and last and first > last:
        usage_error(f"Período invertido: --due-from {formats.day(first)} é depois de --due-to {formats.day(last)}.")
    since = formats.parse_day(received_from, "--received-from") if received_from else None
    until = formats.parse_day(received_to, "--received-to") if received_to else None
    if since and until and since > until:
        usage_error(f"Período invertido: --received-from {formats.day(since)} é depois de --received-to "
                    f"{formats.day(until)}.")
    app_ = container()
    criteria = ReceivableFilter(_STATUS.get(key), first, last, order_number=order,
                                to_check=True if to_check else None, status=_STORED.get(key),
                                received_from=since, received_to=until)
    # Pages for people (scale review: 23,000 receivables of a Black Friday took 20 s to list whole).
    size = per_page(limit, page, fmt is OutputFormat.JSON)
    found = find_receivables(app_.read_uow(), criteria, limit=size, offset=(page - 1) * size if size else 0)
    rows = found.items
    if fmt is OutputFormat.JSON:
        print_json(rows)
        return
    pages = page_total(found.matched, size)
    if not rows and found.matched:
        console.print(page_caption(page, pages), highlight=False)
        return
    if not rows and (status is not None or order is not None or to_check or first or last or since or until):
        asked = [(_STATUS.get(key) or _STORED[key]).label] if status is not None else []
        asked += ["a conferir"] if to_check else []
        asked += [f"do pedido {order}"] if order is not None else []
        if first and last:
            asked += [f"com vencimento de {formats.day(first)} a {formats.day(last)}"]
        elif first or last:
            asked += [f"com vencimento a partir de {formats.day(first)}" if first else
                      f"com vencimento até {formats.day(last)}"]
        if since and until:
            asked += [f"recebida de {formats.day(since)} a {formats.day(until)}"]
        elif since or until:
            asked += [f"recebida a partir de {formats.day(since)}" if since else f"recebida até {formats.day(until)}"]
        console.print(f"Nenhuma conta a receber {' '.join(asked)}.", highlight=False)
        return
    if not rows:
        console.print("Nenhuma conta a receber: elas nascem quando uma NF-e é autorizada ou uma venda simples é "
                      "confirmada.", highlight=False)
        return
    numbers = invoice_numbers(app_.read_uow(), [(r["document"], str(r["document_id"])) for r in rows])
    print_receivables(rows, numbers)
    # The whole list's total, every page's (counted by the database), as the page's "Total sem as canceladas".
    console.print(f"Total sem as canceladas: {formats.money(found.total)} em {formats.number(found.count)} conta(s)"
                  + "".join(f"; {t['label']}: {formats.money(t['amount'])} ({formats.number(t['count'])})"
                            for t in found.totals.values() if t["count"]), highlight=False)
    caption = page_caption(page, pages, "a mesma lista")
    if caption:
        console.print(caption, style="dim", highlight=False)


def print_receivables(rows: list[dict], numbers: dict[str, int]) -> None:
    """One receivable a line. A narrow terminal (80 columns) gets the table without the document, which the
    order's page names; then the receivables to check, each with the command that marks it checked."""
    table_fitting("Contas a receber", [
        Column("Conta", no_wrap=True), Column("Pedido", no_wrap=True), Column("Documento", no_wrap=True),
        Column("Parcela", no_wrap=True), money_column("Valor"), Column("Vencimento", no_wrap=True),
        Column("Situação", no_wrap=True)],
        [[r["id"], r["order_number"], formats.document(r["document"], str(r["document_id"]), numbers),
          f"{r['installment']}/{r['installments']}", formats.money(r["amount"]), formats.day(r["due_date"]),
          _situation(r)] for r in rows],
        "Documento", "lojasync orders show PEDIDO, ou a lista com --format json")
    for r in rows:
        if r["needs_attention"]:
            reason = escape(r["attention_reason"] or "")
            console.print(f"[yellow]Conta {r['id']}:[/] {reason} Devolução decidida: lojasync receivables check "
                          f"{r['id']}", highlight=False)


def _situation(row: dict) -> str:
    # A receivable a person cancelled (its document standing) can still be received; one cancelled with its document
    # cannot: the page tells them apart, and the list said "cancelada" for both (review).
    written_off = " à mão" if row.get("written_off") and row["status"] == "cancelled" else ""
    # The day the money came in, as the Financeiro page says it under the situation (review: a list of a month's
    # receipts showed only their due dates).
    received = f" em {formats.day(row['received_at'])}" if row.get("status") == "received" and row.get("received_at") \
        else ""
    return row["situation_label"] + received + written_off + (" (conferir)" if row["needs_attention"] else "")


def refund_check_command(source_type: str, source_id: str, order_number: int) -> str | None:
    """The command that lists a cancelled document's receivables kept received and flagged "conferir" (the list
    gives the one that marks each checked); None when none of them is. The terminal's twin of the API's
    `receivables_to_check`: the JSON of a cancellation carries it too (review: only the table said it)."""
    if not to_check_of(container().read_uow(), source_type, source_id):
        return None
    return f"lojasync receivables list --order {order_number} --conferir"


def print_refund_check_hint(source_type: str, source_id: str, order_number: int) -> None:
    """After a cancellation that kept this document's received receivables flagged: the command that lists them; the
    cancellation's words alone said to check without saying how."""
    command = refund_check_command(source_type, source_id, order_number)
    if command is not None:
        console.print(f"Para conferir: {command}", highlight=False)


@app.command("receive")
@friendly_errors
def receive_(receivable_id: ReceivableId,
             day: Annotated[str | None, typer.Option("--date", metavar="DATA", help=(
                 "Dia em que o dinheiro entrou (DD/MM/AAAA), quando a baixa é feita depois; sem ela, hoje."))] = None,
             fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Registra o recebimento de uma conta (baixa do título)."""
    received_on = formats.parse_day(day, "--date") if day is not None else None
    row, changed = receive(container().uow(), receivable_id, actor=terminal_person(), received_on=received_on)
    if fmt is OutputFormat.JSON:
        print_json(_changed_json(row, changed))
    elif changed:
        console.print(f"Conta {row['id']} recebida: {formats.money(row['amount'])}"
                      + (f", em {formats.day(row['received_at'])}." if received_on is not None else "."),
                      highlight=False)
    else:
        # Another day than the receipt's is refused by the service (finance.receipt_date_conflict): here the day is
        # the same, or none was given.
        console.print(f"Conta {row['id']} já estava recebida (em {formats.day(row['received_at'])}): nada mudou.",
                      highlight=False)


@app.command("check")
@friendly_errors
def check_(receivable_id: ReceivableId, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Marca como conferida uma conta recebida antes do cancelamento do documento (devolução decidida)."""
    row, changed = check_receivable(container().uow(), receivable_id, actor=terminal_person())
    if fmt is OutputFormat.JSON:
        print_json(_changed_json(row, changed))
    elif changed:
        console.print(f"Conta {row['id']} conferida: sai da lista do que conferir.", highlight=False)
    else:
        console.print(f"Conta {row['id']} não está marcada para conferir: nada mudou.", highlight=False)


@app.command("cancel")
@friendly_errors
def cancel_(receivable_id: ReceivableId,
            reason: Annotated[str, typer.Option("--reason", metavar="MOTIVO", help=(
                "Por que a conta não será paga (fica no histórico do pedido)."))],
            fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Cancela uma conta em aberto que não será paga, com o documento valendo (a loja cancelou o pedido depois
    das 24 horas da NF-e, ou a dívida foi perdoada)."""
    row, changed = write_off_receivable(container().uow(), receivable_id, reason, actor=terminal_person())
    if fmt is OutputFormat.JSON:
        print_json(_changed_json(row, changed))
    elif changed:
        console.print(f"Conta {row['id']} cancelada: {formats.money(row['amount'])} não será recebido; o motivo está "
                      "no histórico do pedido. Se o cliente pagar mesmo assim: "
                      f"lojasync receivables receive {row['id']}", highlight=False)
    else:
        console.print(f"Conta {row['id']} já estava cancelada: nada mudou.", highlight=False)


@app.command("undo")
@friendly_errors
def undo_(receivable_id: ReceivableId,
          reason: Annotated[str, typer.Option("--reason", metavar="MOTIVO", help=(
              "Por que o recebimento está sendo desfeito (fica no histórico do pedido)."))],
          fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Desfaz o recebimento de uma conta marcada como recebida por engano: ela volta a ficar em aberto (ou
    cancelada, se o documento dela foi cancelado)."""
    row, changed = undo_receipt(container().uow(), receivable_id, reason, actor=terminal_person())
    if fmt is OutputFormat.JSON:
        print_json(_changed_json(row, changed))
    elif changed:
        now = ("cancelada, como estava antes do recebimento" if row["written_off"] else
               "cancelada (o documento dela foi cancelado)" if row["status"] == "cancelled" else "em aberto")
        console.print(f"Recebimento da conta {row['id']} desfeito: ela está {now}; o motivo está no histórico do "
                      "pedido.", highlight=False)
    else:
        console.print(f"Conta {row['id']} não está recebida: nada mudou.", highlight=False)


def _changed_json(row: dict, changed: bool) -> dict:
    """The receivable as `receivables list --format json` gives it, and whether this call changed it (false: it
    already was so; the API's `changed`): a script that repeats the command after a timeout can tell."""
    return {**situated(row), "changed": changed}
