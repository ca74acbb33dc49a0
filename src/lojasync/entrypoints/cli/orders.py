"""`lojasync orders|customers|products ...`: what the import left in the ERP."""

from __future__ import annotations

from typing import Annotated

import typer

from lojasync.entrypoints.cli.context import console, container, fail, friendly_errors
from lojasync.entrypoints.cli.output import OutputFormat, print_json, table
from lojasync.sales.history import Actor
from lojasync.sales.link_customer import link_customer
from lojasync.sales.status import OrderStatus
from lojasync.sales.views import list_customers, list_orders, show_order
from lojasync.stock.views import list_products

orders_app = typer.Typer(help="Pedidos/Orçamentos.", no_args_is_help=True)
customers_app = typer.Typer(help="Clientes.", no_args_is_help=True)
products_app = typer.Typer(help="Produtos e estoque.", no_args_is_help=True)

ACTOR_LABELS = {actor.value: actor.label for actor in Actor}
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table ou json.")]


def _parse_status(value: str | None) -> OrderStatus | None:
    if value is None:
        return None
    try:
        return OrderStatus(value)
    except ValueError:
        fail(f"Situação desconhecida: {value}. Use em-aberto, confirmado ou cancelado.")


@orders_app.command("list")
@friendly_errors
def orders_list(
    status: Annotated[str | None, typer.Option("--status", help="em-aberto, confirmado ou cancelado.")] = None,
    without_customer: Annotated[bool, typer.Option("--sem-cliente", help="Só pedidos sem cliente.")] = False,
    attention: Annotated[bool, typer.Option("--atencao", help="Só pedidos que precisam de atenção.")] = False,
    limit: Annotated[int | None, typer.Option("--limit")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Lista os pedidos, do mais novo para o mais antigo."""
    orders = list_orders(container().read_uow(), status=_parse_status(status), without_customer=without_customer,
                         needs_attention=True if attention else None, limit=limit)
    if fmt is OutputFormat.JSON:
        print_json(orders)
        return
    rows = []
    for o in orders:
        origin = f"{o['origin_label']} #{o['store_order_number']}" if o["origin"] else "ERP"
        customer = o["customer"]["name"] if o["customer"] else f"[dim]— {o['customer_problem'] or ''}[/]"
        flag = " [yellow]⚠[/]" if o["needs_attention"] else ""
        rows.append([o["number"], o["status"] + flag, origin, customer, o["total"]])
    table(f"Pedidos/Orçamentos ({len(orders)})", ["Nº", "Situação", "Origem", "Cliente", "Total (R$)"], rows)


@orders_app.command("show")
@friendly_errors
def orders_show(number: int, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Mostra um pedido: itens, cliente (ou por que não há), situação na loja e histórico."""
    order = show_order(container().read_uow(), number)
    if fmt is OutputFormat.JSON:
        print_json(order)
        return
    origin = f" [reverse] {order['origin_label']} #{order['store_order_number']} [/]" if order["origin"] else ""
    console.print(f"[bold]Pedido {order['number']}[/] — {order['status']}{origin}", highlight=False)
    if order["needs_attention"]:
        console.print(f"[yellow]Atenção:[/] {order['attention_reason']}", highlight=False)
    if order["customer"]:
        c = order["customer"]
        console.print(f"Cliente: {c['name']} ({c['tax_id']})", highlight=False)
    else:
        console.print(f"Cliente: [red]não vinculado[/] — {order['customer_problem']}", highlight=False)
    table(None, ["SKU", "Produto", "Qtd", "Unitário (R$)", "Total (R$)"],
          [[ln["sku"], ln["name"], ln["quantity"], ln["unit_price"], ln["total"]] for ln in order["lines"]])
    console.print(f"Subtotal {order['subtotal']}  Desconto {order['discount']}  Frete {order['freight']}  "
                  f"[bold]Total {order['total']}[/]", highlight=False)
    store = order["store"]
    if store:
        console.print(f"Na loja: pedido {store['order_id']} nº {store['number']}, situação {store['status']}, "
                      f"pagamento {store['payment_status']}, envio {store['shipping_status']}", highlight=False)
    table("Histórico do pedido", ["Quando", "Nível", "Origem", "Evento", "Mensagem"],
          [[e["at"][:19], e["level"], ACTOR_LABELS.get(e["actor"], e["actor"]), e["event"], e["message"]]
           for e in order["log"]])


@orders_app.command("link-customer")
@friendly_errors
def orders_link_customer(
    number: int,
    tax_id: Annotated[str, typer.Option("--tax-id", help="CPF ou CNPJ do cliente.")],
    name: Annotated[str | None, typer.Option("--name", help="Nome, para cadastrar um cliente novo.")] = None,
) -> None:
    """Vincula manualmente um cliente a um pedido que chegou sem cliente."""
    customer = link_customer(container().uow(), number, tax_id, name)
    console.print(f"Pedido {number} vinculado a {customer['name']} ({customer['tax_id']}).", highlight=False)


@customers_app.command("list")
@friendly_errors
def customers_list(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Lista os clientes (um por CPF/CNPJ)."""
    customers = list_customers(container().read_uow())
    if fmt is OutputFormat.JSON:
        print_json(customers)
        return
    table(f"Clientes ({len(customers)})", ["Nome", "CPF/CNPJ", "Tipo", "E-mail", "Cidade"],
          [[c["name"], c["tax_id"], c["kind"], c["email"],
            (c["address"] or {}).get("city")] for c in customers])


@products_app.command("list")
@friendly_errors
def products_list(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Lista os produtos com o estoque (soma das movimentações)."""
    products = list_products(container().read_uow())
    if fmt is OutputFormat.JSON:
        print_json(products)
        return
    table(f"Produtos ({len(products)})", ["SKU", "Nome", "Preço (R$)", "Estoque", "Criado pela loja"],
          [[p["sku"], p["name"], p["price"], p["stock"], "sim" if p["created_by_store"] else ""] for p in products])
