"""`lojasync stock ...`: stock on hand per product, one product's movements, counting a product, and its entradas
and saídas."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import console, container, friendly_errors, terminal_person
from lojasync.entrypoints.cli.output import (
    Column,
    FormatOption,
    LimitOption,
    OutputFormat,
    PageOption,
    SkuArgument,
    page_caption,
    page_total,
    per_page,
    print_json,
    table_fitting,
    time_column,
)
from lojasync.entrypoints.cli.write_back import push_soon
from lojasync.fiscal.services.views import document_orders, invoice_numbers
from lojasync.shared.shell_words import command_with
from lojasync.stock.adjustments import adjust_stock
from lojasync.stock.counts import count_stock
from lojasync.stock.product_filter import ProductFilter
from lojasync.stock.views import counted_stock_levels, counted_stock_movements

app = typer.Typer(help="Estoque.", no_args_is_help=True)


@app.command("list")
@friendly_errors
def list_(
    search: Annotated[str, typer.Option("--search", metavar="TEXTO", help=(
        "Parte do SKU ou do nome (sem acentos ou maiúsculas), ou id:N de um produto sem SKU, como a busca da "
        "página Estoque; os encontrados vêm por nome."))] = "",
    page: PageOption = 1, limit: LimitOption = None, fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Estoque de cada produto (a soma das suas movimentações), o reservado por pedidos ainda sem NF-e ou venda
    simples confirmada, e se o ERP controla o estoque dele (o disponível é o que vai para a loja), em páginas."""
    # Pages for people, as GET /api/v1/stock and the Estoque page (review: a catalog of thousands of SKUs was printed
    # whole, with no --page or --limit to ask for less).
    size = per_page(limit, page, fmt is OutputFormat.JSON)
    rows, total = counted_stock_levels(container().read_uow(), size, (page - 1) * size if size else 0, search)
    if fmt is OutputFormat.JSON:
        print_json(rows)
        return
    searched = bool(ProductFilter(text=search).words)
    pages = page_total(total, size)
    if not rows and total:
        console.print(page_caption(page, pages), highlight=False)
    elif not rows and searched:
        console.print("Nenhum produto com essa busca.", highlight=False)
    elif not rows:
        console.print("Nenhum produto cadastrado ainda: os produtos chegam com os pedidos da loja.", highlight=False)
    else:
        print_stock_levels(rows)
        caption = page_caption(page, pages, "a mesma busca" if searched else "a mesma lista")
        if caption:
            console.print(caption, style="dim", highlight=False)


def print_stock_levels(rows: list[dict]) -> None:
    """One product a line. A narrow terminal (80 columns) gets the table without "Controlado pelo ERP", which the
    dash in "Disponível na loja" already says, and long names cut with "…" (the SKU names the product)."""
    quantity = {"justify": "right", "no_wrap": True}
    columns: list[str | Column] = [
        Column("SKU", no_wrap=True), Column("Produto", cut=True, min_width=16), Column("Estoque", **quantity),
        Column("Reservado", **quantity), Column("Disponível na loja", **quantity),
        Column("Controlado pelo ERP", no_wrap=True)]
    table_fitting("Estoque", columns,
                  [[escape(formats.product_cell(r["sku"], r["product_id"])), escape(r["name"]),
                    formats.number(r["quantity"]), formats.number(r["reserved"]),
                    formats.number(r["available"]) if r["managed"] else "—",
                    "sim" if r["managed"] else "não (fica com a loja)"] for r in rows],
                  "Controlado pelo ERP", "não onde Disponível na loja é — (o estoque fica com a loja), sim nos outros")


@app.command("count")
@friendly_errors
def count(
    sku: SkuArgument,
    quantity: Annotated[int, typer.Option("--quantity", metavar="N", help="Quantas unidades há em estoque.")],
    count_id: Annotated[str | None, typer.Option(
        "--count-id", metavar="CHAVE", help="Chave da contagem no seu sistema: repetida, o comando responde a "
                                            "contagem já registrada e nada se move de novo.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Registra a contagem de estoque de um produto: o saldo passa a ser N, e dali em diante o ERP controla o
    estoque dele e o envia à loja a cada movimentação."""
    app_ = container()
    result = count_stock(app_.uow(), sku, quantity, count_id, terminal_person().label)
    if fmt is OutputFormat.JSON:
        print_json(result)
    else:
        said = "já estava registrada (nada se moveu agora)" if result["repeated"] else "registrada"
        adjustment = result["adjustment"]
        # Escaped: a store's SKU may hold brackets ("CAM-P[azul]" lost them; "KIT[/]" crashed after the count was kept).
        console.print(f"Contagem de {escape(result['reference'])} {said}: estoque {formats.number(result['quantity'])} "
                      f"(era {formats.number(result['previous'])}; ajuste de {'-' if adjustment < 0 else '+'}"
                      f"{formats.number(abs(adjustment))}).", highlight=False)
    if not result["repeated"]:
        push_soon(app_, quiet=fmt is OutputFormat.JSON)


@app.command("adjust")
@friendly_errors
def adjust(
    sku: SkuArgument,
    quantity: Annotated[int, typer.Option("--quantity", metavar="N", help=(
        "Quantas unidades entram (10: mercadoria recebida) ou saem (-3: perda, avaria).")
    )],
    reason: Annotated[str | None, typer.Option("--reason", metavar="MOTIVO", help=(
        "O motivo, que aparece nas movimentações (a nota do fornecedor, uma avaria).")
    )] = None,
    adjustment_id: Annotated[str | None, typer.Option(
        "--adjustment-id", metavar="CHAVE", help="Chave do ajuste no seu sistema: repetida, o comando responde o "
                                                 "ajuste já registrado e nada se move de novo.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Registra uma entrada ou saída de estoque de um produto já contado: soma ao saldo de agora (uma venda
    aprovada enquanto a mercadoria era recebida continua contada, o que uma contagem nova apagaria)."""
    app_ = container()
    result = adjust_stock(app_.uow(), sku, quantity, reason, adjustment_id, terminal_person().label)
    if fmt is OutputFormat.JSON:
        print_json(result)
    else:
        moved = result["adjustment"]
        kind = "Entrada" if moved > 0 else "Saída"
        said = "já estava registrada (nada se moveu agora)" if result["repeated"] else "registrada"
        console.print(f"{kind} de {formats.number(abs(moved))} unidade(s) de {escape(result['reference'])} {said}: "
                      f"estoque {formats.number(result['quantity'])}.", highlight=False)
    if not result["repeated"]:
        push_soon(app_, quiet=fmt is OutputFormat.JSON)


@app.command("movements")
@friendly_errors
def movements(sku: SkuArgument, page: PageOption = 1, limit: LimitOption = None,
              fmt: FormatOption = OutputFormat.TABLE) -> None:
    """As movimentações de um produto, da mais antiga para a mais nova, com o saldo, em páginas."""
    app_ = container()
    # Pages for people, as `stock list` and the product's page (a product sold all year had 30,000 movements, all
    # printed); the balance of each row is the whole ledger's up to it, whatever the page.
    size = per_page(limit, page, fmt is OutputFormat.JSON)
    rows, total = counted_stock_movements(app_.read_uow(), sku, size, (page - 1) * size if size else 0)
    # The order behind each document's movement: which sale took the units (review: only the document was named).
    orders = document_orders(app_.read_uow(), [(r["source_type"], r["source_id"]) for r in rows])
    rows = [{**r, "order_number": orders.get((r["source_type"], r["source_id"]))} for r in rows]
    if fmt is OutputFormat.JSON:
        print_json(rows)
        return
    pages = page_total(total, size)
    if not rows and total:
        console.print(page_caption(page, pages), highlight=False)
    elif not rows:
        console.print(f"O produto {escape(sku)} ainda não teve movimentações.", highlight=False)
    else:
        numbers = invoice_numbers(app_.read_uow(), [(r["source_type"], r["source_id"]) for r in rows])
        print_movements(sku, rows, numbers)
        caption = page_caption(page, pages, "a mesma lista")
        if caption:
            console.print(caption, style="dim", highlight=False)


def print_movements(sku: str, rows: list[dict], numbers: dict[str, int]) -> None:
    """One movement a line, with the order of each document's ("Pedido": none when no row has one). A narrow
    terminal (80 columns) gets the table without the order, or else without "Motivo" (baixa, devolução, contagem,
    entrada), and the command that has them."""
    with_orders = any(r.get("order_number") for r in rows)
    with_who = any(r.get("made_by") for r in rows)   # none on a ledger written before lojasync kept it
    columns = [time_column(), Column("Qtd.", justify="right", no_wrap=True),
               Column("Saldo", justify="right", no_wrap=True), Column("Documento", no_wrap=True),
               *([Column("Pedido", justify="right", no_wrap=True)] if with_orders else []),
               Column("Motivo", no_wrap=True), *([Column("Por")] if with_who else [])]
    table_fitting(f"Movimentações de {escape(sku)}", columns,
                  [[formats.when(r["at"]), formats.signed_number(r["quantity"]),   # +2 back, -2 out (as the page)
                    formats.number(r["balance"]), formats.document(r["source_type"], r["source_id"], numbers),
                    *([str(r["order_number"]) if r.get("order_number") else "—"] if with_orders else []),
                    escape(formats.movement_reason(r["reason"])),
                    *([escape(r.get("made_by") or "—")] if with_who else [])] for r in rows],
                  # Who goes first, then the order: the reason is the only place a count's or an entrada's words are
                  # said (review: the order's column, added, pushed the reason out of an 80-column terminal).
                  tuple(name for name, shown in (("Por", with_who), ("Pedido", with_orders), ("Motivo", True))
                        if shown),
                  escape(command_with("lojasync stock movements", sku, "--format json")))
