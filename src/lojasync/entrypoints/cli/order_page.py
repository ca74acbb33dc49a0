"""`lojasync orders show`: one order as the back office reads it, in pt-BR."""

from __future__ import annotations

from rich.markup import escape

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import console
from lojasync.entrypoints.cli.formats import address_line
from lojasync.entrypoints.cli.invoices import status_words
from lojasync.entrypoints.cli.output import Column, money_column, table, time_column
from lojasync.fiscal.services.order_documents import OrderDocuments
from lojasync.sales.history import actor_label
from lojasync.sales.history_text import level_label, store_state_label, type_label
from lojasync.shared.money import foreign_currency

_LEVEL_STYLES = {"warning": "yellow", "error": "red"}


def _say(text: str) -> None:
    console.print(text, highlight=False)


def print_order(order: dict, documents: OrderDocuments) -> None:
    origin = (f" [reverse] {order['origin_label']} #{escape(order['store_order_number'] or '')} [/]"
              if order["origin"] else "")
    _say(f"[bold]Pedido {order['number']}[/] — {order['status']}{origin}")
    _say(f"Data: {formats.when(order['placed_at'])}")
    if order["needs_attention"]:
        reasons = order["attention_reasons"]
        if len(reasons) > 1:   # one per line, so the second never reads as the end of the first
            _say("[yellow]Atenção:[/]")
            for reason in reasons:
                _say(f"  - {escape(reason)}")
        else:
            _say(f"[yellow]Atenção:[/] {escape(order['attention_reason'] or '')}")
    _print_customer(order)
    _print_payment(order)
    _print_addresses(order)
    currency = order["currency"]
    table(None, ["SKU", Column("Produto", ratio=1), Column("Qtd", justify="right"), money_column("Unitário"),
                 money_column("Total")],
          [[escape(formats.product_cell(ln["sku"], ln.get("product_id"))), escape(ln["name"]),
            formats.number(ln["quantity"]), escape(formats.money(ln["unit_price"], currency)),
            escape(formats.money(ln["total"], currency))]
           for ln in order["lines"]])
    # The currency's sign is the store's text when babel knows no other (escaped: it is printed as rich markup).
    amount = {name: escape(formats.money(order[name], currency))
              for name in ("subtotal", "discount", "freight", "total")}
    _say(f"Subtotal {amount['subtotal']}  Desconto {amount['discount']}  Frete {amount['freight']}  "
         f"[bold]Total {amount['total']}[/]")
    if foreign_currency(currency):
        _say(f"[bold]Valores em {escape(currency)}[/], como a loja os informou (não em reais): o lojasync não emite "
             "NF-e nem venda simples deste pedido")
    if order["note"]:
        _say(f"Observação do comprador: {escape(order['note'])}")
    _print_documents(documents)
    _print_store(order["store"])
    # Three columns, so the message keeps room in 80 columns: what happened, its level and who did it share one.
    table("Histórico do pedido", [time_column(), Column("Evento", max_width=24), Column("Mensagem", ratio=1)],
          [[formats.when(e["at"]), _event(e), escape(e["message"])] for e in order["log"]])


def _print_documents(documents: OrderDocuments) -> None:
    """Each NF-e by its number and each sale, with the id that `invoices`/`sales` commands take."""
    words = [f"NF-e nº {i.number} série {i.series} (id {i.id}): {status_words(i)}" for i in documents.invoices]
    words += [f"venda simples {s.id}: {s.status_label}" for s in documents.sales]
    if words:
        _say("Documentos: " + "; ".join(words))


def _event(entry: dict) -> str:
    """`sem cliente` over `aviso · sincronização`."""
    style = _LEVEL_STYLES.get(entry["level"], "dim")
    return (f"{type_label(entry['event'])}\n[{style}]{level_label(entry['level'])}[/] [dim]·[/] "
            f"[dim]{escape(actor_label(entry['actor'], entry.get('actor_name')))}[/]")


def _print_customer(order: dict) -> None:
    customer = order["customer"]
    if customer:
        how = " [dim](vinculado manualmente)[/]" if order.get("customer_link") == "manual" else ""
        _say(f"Cliente: {escape(customer['name'])} ({formats.tax_id(customer['tax_id'])}){how}")
    else:
        _say(f"Cliente: [red]não vinculado[/] — {escape(order['customer_problem'] or '')}")
        if order["contact"].get("name"):
            _say(f"Comprador: {escape(order['contact']['name'])}")
    contact = order["contact"]
    # Linked by hand to another person: the store's buyer, whose e-mail and phone follow, is named too (terminal
    # journey: the buyer's name went and their contact stayed, read as the new customer's).
    buyer_apart = bool(customer and order.get("customer_link") == "manual" and contact.get("name")
                       and contact["name"] != customer["name"])
    if buyer_apart:
        _say(f"Comprador na loja: {escape(contact['name'])}")
    reach = [c for c in (contact.get("email"), contact.get("phone") and formats.phone(contact["phone"])) if c]
    if reach:
        _say(f"Contato{' do comprador' if buyer_apart else ''}: {escape(', '.join(reach))}")


def _print_payment(order: dict) -> None:
    payment = order["payment"]
    method = store_state_label("payment_method", payment["method"]) or "forma não informada"
    installments = payment["installments"]
    if installments and installments > 1:
        method += f" em {installments}x"
    gateway = f" ({escape(payment['gateway'])})" if payment["gateway"] else ""
    paid = ""
    if order["store"] and order["store"].get("payment_status"):
        paid = f" — na loja: {store_state_label('payment_status', order['store']['payment_status'])}"
    _say(f"Pagamento: {escape(method)}{gateway}{paid}")


def _print_addresses(order: dict) -> None:
    store = order["store"] or {}
    shipping = store_state_label("shipping_status", store.get("shipping_status"))
    if order.get("marketplace"):
        _say(f"Vendido no {escape(order['marketplace'])} (a NF-e declara o intermediador)")
    if order.get("shipping"):   # "Envio: Correios - PAC", "Retirada na loja (Loja Centro)"
        _say(escape(order["shipping"]["words"]))
    where = address_line(order["shipping_address"]) or "sem endereço de entrega"
    _say(f"Entrega: {escape(where)}" + (f" — envio na loja: {shipping}" if shipping else ""))
    tracking = order.get("tracking")
    if tracking:
        link = f" ({escape(tracking['url'])})" if tracking["url"] else ""
        _say(f"Rastreio: {escape(tracking['code'])}{link}")
    billing = address_line(order["billing_address"])
    if billing and billing != address_line(order["shipping_address"]):
        _say(f"Cobrança: {escape(billing)}")




def _store_named(store: dict) -> str:
    """The store as the commands take it (its id: --store), with its name when known."""
    name = f" ({escape(store['store_name'])})" if store.get("store_name") else ""
    return f"{escape(store.get('store_id') or '?')}{name}"


def _print_store(store: dict | None) -> None:
    if not store:
        return
    states = [f"{label} {store_state_label(kind, store.get(kind))}"
              for kind, label in (("status", "situação"), ("payment_status", "pagamento"),
                                  ("shipping_status", "envio")) if store.get(kind)]
    changed = f"; alterado na loja em {formats.when(store['updated_at'])}" if store.get("updated_at") else ""
    _say(f"Na loja {_store_named(store)}: pedido nº {escape(store['number'] or '?')} (id {escape(store['order_id'])}), "
         f"{', '.join(states) or 'sem situação'}{changed}.")
    # Shown once the store's bindings keep it (they do not yet).
    if store.get("cancel_reason"):
        _say(f"Motivo do cancelamento na loja: {store_state_label('cancel_reason', store['cancel_reason'])}.")
