"""`lojasync sales ...`: vendas simples (generated from an order with `lojasync orders sale NUMBER`)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import console, container, friendly_errors, terminal_person, usage_error
from lojasync.entrypoints.cli.lgpd import erasure_pending_after, print_erasure_still_pending
from lojasync.entrypoints.cli.output import (
    FormatOption,
    LimitOption,
    OutputFormat,
    PageOption,
    money_column,
    page_caption,
    per_page,
    print_json,
    status_key,
    table,
    time_column,
)
from lojasync.entrypoints.cli.receivables import print_refund_check_hint, refund_check_command
from lojasync.entrypoints.cli.write_back import push_soon
from lojasync.fiscal.services.effect_words import done_words, undone_words
from lojasync.fiscal.services.simple_sales import cancel_sale, confirm_sale
from lojasync.fiscal.services.views import SaleView, list_sales, page_of_sales, sale_customer, show_sale
from lojasync.fiscal.simple_sales import SaleStatus

app = typer.Typer(help="Vendas simples (sem NF-e).", no_args_is_help=True)

_STATUS = {"pendente": SaleStatus.PENDING, "confirmada": SaleStatus.CONFIRMED, "cancelada": SaleStatus.CANCELLED}
# The stored values too ("authorised"), as the JSON gives them: a script passes back what it read.
_ACCEPTED = {**_STATUS, **{status.value: status for status in SaleStatus}}


def print_sales(sales: list[SaleView], title: str = "Vendas simples") -> None:
    table(title, ["Venda", "Pedido", "Pedido na loja", "Situação", money_column("Total"), time_column("Criada")],
          [[s.id, s.order_number, escape(s.store_number or ""), s.status_label, formats.money(s.total),
            formats.when(s.created_at)] for s in sales])


SaleId = Annotated[int, typer.Argument(metavar="ID", help="Número da venda simples (a coluna Venda de "
                                                            "lojasync sales list).")]


@app.command("list")
@friendly_errors
def list_(
    status: Annotated[str | None, typer.Option("--status", metavar="SITUAÇÃO",
                                               help="pendente, confirmada ou cancelada.")] = None,
    page: PageOption = 1,
    limit: LimitOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Lista as vendas simples, da mais nova para a mais antiga, em páginas."""
    if status is not None and status_key(status) not in _ACCEPTED:
        usage_error(f"Situação desconhecida: {status}. Use pendente, confirmada ou cancelada.")
    wanted = _ACCEPTED.get(status_key(status))
    # Pages for people, as `invoices list` and `receivables list` (review: the scale review paged those two and left
    # this one printing every sale of a store's history, with no --page or --limit to ask for less).
    size = per_page(limit, page, fmt is OutputFormat.JSON)
    listed = page_of_sales(container().read_uow(), wanted, page, size) if size else None
    sales = listed.items if listed else list_sales(container().read_uow(), wanted)
    if fmt is OutputFormat.JSON:
        print_json([s.to_dict() for s in sales])
    elif listed is not None and listed.total and not sales:
        console.print(page_caption(listed.page, listed.pages), highlight=False)
    elif not sales and status is not None:  # there may be others: say which were asked for
        console.print(f"Nenhuma venda simples {_ACCEPTED[status_key(status)].label}.", highlight=False)
    elif not sales:
        console.print("Nenhuma venda simples. Gere uma a partir de um pedido: lojasync orders sale NÚMERO.",
                      highlight=False)
    else:
        print_sales(sales)
        caption = page_caption(listed.page, listed.pages, "a mesma lista") if listed else None
        if caption:
            console.print(caption, style="dim", highlight=False)


@app.command("show")
@friendly_errors
def show(sale_id: SaleId, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Mostra uma venda simples com seus itens."""
    sale = show_sale(container().read_uow(), sale_id)
    if fmt is OutputFormat.JSON:
        print_json(sale.to_dict())
        return
    # A sale needs no customer: without one it is to the consumidor final, and says so.
    customer = sale_customer(container().read_uow(), sale)
    buyer = (f"cliente {escape(customer.name)} ({formats.tax_id(customer.tax_id)})" if customer is not None
             else "consumidor final (venda sem cliente)")
    console.print(f"[bold]Venda simples {sale.id}[/] — pedido {sale.order_number} — {sale.status_label} — "
                  f"total {formats.money(sale.total)} — {buyer}", highlight=False)
    table(None, ["Item", "SKU", "Produto", "Qtd.", money_column("Unitário"), money_column("Total")],
          [[line["position"], escape(line["sku"] or ""), escape(line["name"] or ""), line["quantity"],
            formats.money(line["unit_price"]),
            formats.money(line["total"])] for line in sale.lines])
    if sale.total != sale.items_total:   # so the total adds up: the order's freight less its discounts
        console.print(f"Itens {formats.money(sale.items_total)}; frete menos descontos "
                      f"{formats.money(sale.total - sale.items_total)}; total {formats.money(sale.total)}.",
                      highlight=False)


@app.command("confirm")
@friendly_errors
def confirm(sale_id: SaleId, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Confirma a venda: baixa o estoque e cria as contas a receber (uma vez só)."""
    app_ = container()
    sale, changed = confirm_sale(app_.uow(), sale_id, terminal_person())
    if fmt is OutputFormat.JSON:
        print_json({**sale.to_dict(), "changed": changed})
    elif changed:
        done = done_words(app_.read_uow(), "simple_sale", str(sale.id))
        console.print(f"Venda simples {sale.id} confirmada: {done}.", highlight=False)
    else:
        console.print(f"Venda simples {sale.id} já estava confirmada: nada foi feito de novo.", highlight=False)
    if changed:
        push_soon(app_, quiet=fmt is OutputFormat.JSON)


@app.command("cancel")
@friendly_errors
def cancel(sale_id: SaleId, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Cancela a venda; se estava confirmada, devolve o estoque e cancela as contas a receber em aberto."""
    app_ = container()
    sale, changed = cancel_sale(app_.uow(), sale_id, terminal_person())
    if fmt is OutputFormat.JSON:
        # Only a confirmed sale owed an erasure (its data were kept for it).
        erasure = erasure_pending_after(sale.order_number) if changed and sale.confirmed_at else None
        # Received receivables kept and flagged, as the API says them (retries too).
        to_check = refund_check_command("simple_sale", str(sale.id), sale.order_number)
        print_json({**sale.to_dict(), "changed": changed, "receivables_to_check": to_check,
                    "personal_data_erasure_pending": erasure})
    elif changed:
        # A confirmed sale had moved stock and created receivables: say what became of them.
        undone = (f": {undone_words(app_.read_uow(), 'simple_sale', str(sale.id), sale.order_number)}"
                  if sale.confirmed_at else "")
        console.print(f"Venda simples {sale.id} cancelada{undone}.", highlight=False)
        if sale.confirmed_at:
            print_refund_check_hint("simple_sale", str(sale.id), sale.order_number)
            print_erasure_still_pending(sale.order_number)
    else:
        console.print(f"Venda simples {sale.id} já estava cancelada: nada foi feito de novo.", highlight=False)
    if changed and sale.confirmed_at:   # a pending sale moved no stock: nothing for the stores
        push_soon(app_, quiet=fmt is OutputFormat.JSON)
