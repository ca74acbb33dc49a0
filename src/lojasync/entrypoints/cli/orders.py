"""`lojasync orders|customers|products ...`: what the import left in the ERP."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import (
    console,
    container,
    explain,
    fail,
    friendly_errors,
    terminal_person,
    usage_error,
)
from lojasync.entrypoints.cli.order_page import print_order
from lojasync.entrypoints.cli.output import (
    Column,
    FormatOption,
    LimitOption,
    OutputFormat,
    PageOption,
    SkuArgument,
    money_column,
    page_caption,
    per_page,
    print_json,
    table,
    table_or_lines,
    time_column,
)
from lojasync.entrypoints.cli.write_back import push_soon
from lojasync.fiscal.services.order_documents import order_documents
from lojasync.nuvemshop.services.order_search import order_number_for_store_number, search_store_orders
from lojasync.nuvemshop.services.outcomes import Outcome
from lojasync.nuvemshop.services.resync_order import ResyncNotImported, resync_order
from lojasync.sales.attention import clear_attention
from lojasync.sales.customer_registration import set_state_registration
from lojasync.sales.link_customer import link_customer
from lojasync.sales.order_filter import MAX_SEARCH_LENGTH
from lojasync.sales.status import OrderStatus
from lojasync.sales.tracking import KEEP_LINK, record_tracking
from lojasync.sales.views import OrderFilter, find_customers, for_scripts, show_order
from lojasync.shared.local_zone import day_end, day_start
from lojasync.shared.numbers import LARGEST_ID
from lojasync.stock.fiscal_data import ProductFiscalData, set_fiscal_data
from lojasync.stock.views import list_products

orders_app = typer.Typer(help="Pedidos/Orçamentos.", no_args_is_help=True)
customers_app = typer.Typer(help="Clientes.", no_args_is_help=True)
products_app = typer.Typer(help="Produtos e estoque.", no_args_is_help=True)

StoreOption = Annotated[str | None, typer.Option("--store", metavar="ID",
                                                 help="Só pedidos desta loja (id na Nuvemshop).")]


def _parse_status(value: str | None) -> OrderStatus | None:
    if value is None:
        return None
    try:
        return OrderStatus(value)
    except ValueError:
        usage_error(f"Situação desconhecida: {value}. Use em-aberto, confirmado ou cancelado.")


@orders_app.command("list")
@friendly_errors
def orders_list(
    status: Annotated[str | None, typer.Option("--status", metavar="SITUAÇÃO",
                                               help="em-aberto, confirmado ou cancelado.")] = None,
    without_customer: Annotated[bool, typer.Option("--without-customer", help="Só pedidos sem cliente.")] = False,
    attention: Annotated[bool, typer.Option("--needs-attention", help="Só pedidos que precisam de atenção.")] = False,
    store: StoreOption = None,
    since: Annotated[str | None, typer.Option("--since", metavar="DD/MM/AAAA",
                                              help="Feitos a partir deste dia (inclusive).")] = None,
    until: Annotated[str | None, typer.Option("--until", metavar="DD/MM/AAAA",
                                              help="Feitos até este dia (inclusive).")] = None,
    search: Annotated[str | None, typer.Option("--search", metavar="TEXTO", help=(
        "Número do pedido, número na loja, nome do cliente ou CPF/CNPJ."))] = None,
    page: PageOption = 1,
    limit: LimitOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    # The first spellings (0.1): still accepted, no longer shown.
    old_without_customer: Annotated[bool, typer.Option("--sem-cliente", hidden=True)] = False,
    old_attention: Annotated[bool, typer.Option("--atencao", hidden=True)] = False,
) -> None:
    """Lista os pedidos, do mais novo para o mais antigo pelo número no ERP (a ordem em que chegaram), em páginas."""
    if search is not None and len(search) > MAX_SEARCH_LENGTH:
        usage_error(f"--search: no máximo {MAX_SEARCH_LENGTH} caracteres (um número de pedido, um nome ou um "
                    "CPF/CNPJ).")
    first = formats.parse_day(since, "--since") if since else None
    last = formats.parse_day(until, "--until") if until else None
    app_ = container()   # first: it sets the merchant's time zone (LOJASYNC_TIME_ZONE), which the days' bounds are in
    criteria = OrderFilter(
        status=_parse_status(status), without_customer=True if without_customer or old_without_customer else None,
        needs_attention=True if attention or old_attention else None,
        placed_from=day_start(first) if first else None,
        placed_before=day_end(last) if last else None,
        text=search)
    as_json = fmt is OutputFormat.JSON
    result = search_store_orders(app_.read_uow(), criteria, store, page, per_page(limit, page, as_json))
    if as_json:   # as GET /api/v1/orders gives them: `status` the stable id, `status_label` the label
        print_json([for_scripts(o) for o in result.items])
        return
    rows = []
    for o in result.items:
        # The store's number marks an order of the online store ("Loja virtual"); orders made here have none.
        origin = f"#{escape(o['store_order_number'] or '?')}" if o["origin"] else "—"
        if o["origin"] and result.several_stores:
            origin += f" (loja {escape(o['store_id'] or '?')})"
        # The kind of problem only ("CPF inválido"): the document as sent is on the order's page.
        problem = (o["customer_problem"] or "sem cliente").split(":")[0]
        # Without a customer, the buyer's name as the store gave it (what the person searched for, and types again
        # to register the customer), then why there is none.
        buyer = f"{escape(o['contact_name'])} " if o.get("contact_name") else ""
        customer = escape(o["customer"]["name"]) if o["customer"] else f"{buyer}[dim]— {escape(problem)}[/]"
        flag = " [yellow]⚠[/]" if o["needs_attention"] else ""
        rows.append([o["number"], formats.when(o["placed_at"]), o["status"] + flag, origin, customer,
                     escape(formats.money(o["total"], o["currency"]))])
    title = f"Pedidos/Orçamentos ({formats.number(result.total)})"
    table_or_lines(title, [Column("Nº", justify="right", no_wrap=True), time_column("Data"),
                           Column("Situação", no_wrap=True), Column("Nº loja", no_wrap=True),
                           Column("Cliente", ratio=1), money_column("Total")], rows, caption=_page_caption(result))


def _page_caption(result) -> str | None:
    return page_caption(result.page, result.pages)


@orders_app.command("show")
@friendly_errors
def orders_show(
    number: Annotated[int | None, typer.Argument(metavar="NUMERO", help="Número do pedido no ERP.")] = None,
    store_number: Annotated[str | None, typer.Option("--store-number", metavar="N",
                                                     help="Em vez do número do ERP: o número do pedido na loja.")]
    = None,
    store: StoreOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Mostra um pedido: data, itens, cliente (ou por que não há), pagamento, entrega, situação na loja e histórico."""
    if number is None and store_number is None:
        usage_error("Informe o número do pedido (lojasync orders show NUMERO) ou o número na loja (--store-number N).")
    if number is None:
        number = order_number_for_store_number(container().read_uow(), store_number, store)
    # The history's sentences are for people, in JSON too: "R$ 160,00", as the API and the pages write them.
    order = show_order(container().read_uow(), number, money=formats.money)
    documents = order_documents(container().read_uow(), number)
    if fmt is OutputFormat.JSON:  # as GET /api/v1/orders/N has them
        scripted = for_scripts(order)
        print_json({**scripted, "documents": {"invoices": [i.to_dict() for i in documents.invoices],
                                              "sales": [s.to_dict() for s in documents.sales]},
                    # The history's first name here, kept for the scripts written before it was `history`.
                    "log": scripted["history"]})
        return
    print_order(order, documents)


@orders_app.command("link-customer")
@friendly_errors
def orders_link_customer(
    number: Annotated[int, typer.Argument(metavar="NUMERO", help="Número do pedido no ERP.")],
    tax_id: Annotated[str, typer.Option("--tax-id", metavar="CPF/CNPJ", help="CPF ou CNPJ do cliente.")],
    name: Annotated[str | None, typer.Option("--name", metavar="NOME",
                                             help="Nome, para cadastrar um cliente novo.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Troca o cliente de um pedido que já tem um.")] = False,
) -> None:
    """Vincula manualmente um cliente a um pedido (sem cliente; ou, com --force, troca o cliente)."""
    linked = link_customer(container().uow(), number, tax_id, name, actor=terminal_person(), force=force)
    who = f"{escape(linked['name'])} ({formats.tax_id(linked['tax_id'])})"
    if not linked["changed"]:
        console.print(f"O pedido {number} já estava vinculado a {who}: nada mudou.", highlight=False)
        return
    replaced = f" (substituiu {escape(linked['previous']['name'])})" if linked["previous"] else ""
    console.print(f"Pedido {number} vinculado a {who}{replaced}.", highlight=False)


@orders_app.command("tracking")
@friendly_errors
def orders_tracking(
    number: Annotated[int, typer.Argument(metavar="NUMERO", help="Número do pedido no ERP.")],
    code: Annotated[str, typer.Argument(metavar="CODIGO", help="Código de rastreio da transportadora.")],
    url: Annotated[str | None, typer.Option("--url", metavar="URL", help=(
        "Página de rastreio do envio (http:// ou https://). Sem --url, o mesmo código mantém o link já gravado e "
        "um código novo fica sem link; --url \"\" apaga o link."))] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Registra o código de rastreio do envio; se o pedido veio da loja, ela o recebe (pedido marcado como enviado,
    cliente avisado) na próxima rodada do worker ou com `lojasync store push`."""
    app = container()
    recorded = record_tracking(app.uow(), number, code, KEEP_LINK if url is None else url, actor=terminal_person())
    if recorded["changed"] and recorded["from_store"]:
        push_soon(app, quiet=True)
    if fmt is OutputFormat.JSON:
        print_json(recorded)
        return
    link = f" ({escape(recorded['tracking_url'])})" if recorded["tracking_url"] else ""
    what = f"código de rastreio {escape(recorded['tracking_code'])}{link}"
    if not recorded["changed"]:
        console.print(f"O pedido {number} já tinha o {what}: nada mudou.", highlight=False)
        return
    console.print(f"Pedido {number}: {what} registrado.", highlight=False)
    if recorded["from_store"]:
        console.print("Na fila para a loja, que marca o pedido como enviado e avisa o cliente (enviado pelo worker; "
                      "para enviar agora: lojasync store push; para acompanhar: lojasync store updates).",
                      style="dim", highlight=False)


@orders_app.command("resolve")
@friendly_errors
def orders_resolve(number: Annotated[int, typer.Argument(metavar="NUMERO", help="Número do pedido no ERP.")]) -> None:
    """Marca como resolvido o que fez o pedido precisar de atenção (fica no histórico; nada é desfeito)."""
    cleared, pending = clear_attention(container().uow(), number, terminal_person())
    if cleared and pending:
        # Raised by the resolution itself (an LGPD erasure it tried again and that failed again): said, not hidden,
        # and not after a line saying the order was resolved (review: it read as resolved and flagged at once).
        console.print(f"Pedido {number}: o que ele mostrava foi marcado como resolvido, mas ele ainda precisa de "
                      "atenção:", highlight=False)
        for reason in pending:
            console.print(f"  - {reason}", highlight=False)
    elif cleared:
        console.print(f"Pedido {number}: atenção marcada como resolvida.", highlight=False)
    else:
        console.print(f"O pedido {number} não estava marcado como precisando de atenção: nada mudou.",
                      highlight=False)


@orders_app.command("resync")
@friendly_errors
def orders_resync(number: Annotated[int, typer.Argument(metavar="NUMERO", help="Número do pedido no ERP.")]) -> None:
    """Relê o pedido na loja agora e atualiza o ERP (o "reprocessar" de outros ERPs)."""
    app = container()
    try:
        result = resync_order(app.uow(), app.client_for, app.policy(), number, actor=terminal_person())
    except ResyncNotImported as exc:   # 2, as `sync` says orders that failed (kept and tried again)
        fail(explain(exc), code=2)
    said = {
        Outcome.UPDATED: "atualizado com o que está na loja.",
        Outcome.CREATED: "importado.",
        Outcome.UNCHANGED: "nada mudou desde a última importação.",
        Outcome.ATTENTION: f"precisa de atenção: {result.message}",
    }[result.outcome]
    console.print(f"Pedido {number} relido da loja: {said}", highlight=False)
    console.print(f"Para ver: lojasync orders show {number}", style="dim", highlight=False)


@customers_app.command("list")
@friendly_errors
def customers_list(
    search: Annotated[str | None, typer.Option("--search", metavar="TEXTO", help=(
        "Parte do nome (sem importar acentos e maiúsculas), do e-mail ou do CPF/CNPJ (com ou sem pontuação)."))] = None,
    page: PageOption = 1,
    limit: LimitOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Lista os clientes (um por CPF/CNPJ), por nome, em páginas."""
    if search is not None and len(search) > MAX_SEARCH_LENGTH:
        usage_error(f"--search: no máximo {MAX_SEARCH_LENGTH} caracteres (um nome, um e-mail ou um CPF/CNPJ).")
    as_json = fmt is OutputFormat.JSON
    # Pages for people (review: 27,000 customers took 17 s to list whole).
    result = find_customers(container().read_uow(), search, page, per_page(limit, page, as_json))
    if as_json:
        print_json(result.items)
        return
    if not result.total:
        console.print("Nenhum cliente com esse texto no nome, no e-mail ou no CPF/CNPJ." if search
                      else "Nenhum cliente ainda: chegam com os pedidos da loja.", highlight=False)
        return
    table(f"Clientes ({formats.number(result.total)})",
          [Column("Nome", ratio=1), Column("CPF/CNPJ", no_wrap=True), Column("IE", no_wrap=True), "E-mail", "Cidade"],
          [[escape(c["name"]), formats.tax_id(c["tax_id"]), escape(_ie(c)), escape(c["email"] or ""),
            _city(c["address"])] for c in result.items], caption=_page_caption(result))


def _ie(customer: dict) -> str:
    """The IE with its UF's punctuation (the UF of the customer's address, which it was checked against)."""
    ie = customer["state_registration"]
    return formats.ie(ie, (customer["address"] or {}).get("state")) if ie else ""


@customers_app.command("ie")
@friendly_errors
def customers_ie(
    document: Annotated[str, typer.Argument(metavar="CPF/CNPJ", help="Documento do cliente.")],
    ie: Annotated[str | None, typer.Argument(metavar="IE", help=(
        "Inscrição estadual (com ou sem pontuação) ou ISENTO."))] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Apaga a IE: o cliente passa a não contribuinte.")] = False,
    order: Annotated[int | None, typer.Option("--order", metavar="N", min=1, max=LARGEST_ID, help=(
        "Pedido do cliente cujo endereço confere a IE, quando o cadastro do cliente não tem endereço."))] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Grava a inscrição estadual do cliente (a loja não a envia): decide o CFOP e o indIEDest da NF-e."""
    if (ie is None or not ie.strip()) != clear:
        usage_error("Informe a inscrição estadual (ou ISENTO) ou --clear para apagá-la, um dos dois. Exemplos: "
                    "lojasync customers ie 11.222.333/0001-81 110.042.490.114; lojasync customers ie 11222333000181 "
                    "--clear.")
    customer = set_state_registration(container().uow(), document, None if clear else ie, order_number=order,
                                      actor=terminal_person())
    if fmt is OutputFormat.JSON:
        print_json(customer)
        return
    who = f"{escape(customer['name'])} ({formats.tax_id(customer['tax_id'])})"
    ie_words = f"IE {formats.ie(customer['state_registration'])}" if customer["state_registration"] else "sem IE"
    change = "" if customer["changed"] else " Nada mudou."
    console.print(f"Cliente {who}: {ie_words}, {customer['contributor_label']}.{change} Vale para as NF-e geradas "
                  "daqui em diante; uma NF-e pendente já gerada fica como está: descarte-a e gere de novo.",
                  highlight=False)


def _city(address: dict | None) -> str:
    address = address or {}
    return escape("/".join(p for p in (address.get("city"), address.get("state")) if p))


@products_app.command("list")
@friendly_errors
def products_list(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Lista os produtos com o estoque (soma das movimentações)."""
    products = list_products(container().read_uow())
    if fmt is OutputFormat.JSON:
        print_json(products)
        return
    table(f"Produtos ({formats.number(len(products))})",
          ["SKU", Column("Nome", ratio=1), money_column("Preço"), Column("Estoque", justify="right"),
           "Criado pela loja"],
          [[escape(formats.product_cell(p["sku"], p["id"])), escape(p["name"]), formats.money(p["price"]),
            formats.number(p["stock"]),
            "sim" if p["created_by_store"] else ""] for p in products])


@products_app.command("set")
@friendly_errors
def products_set(
    sku: SkuArgument,
    ncm: Annotated[str | None, typer.Option("--ncm", help="NCM (8 dígitos).")] = None,
    cest: Annotated[str | None, typer.Option("--cest", help="CEST (7 dígitos), quando houver.")] = None,
    origin: Annotated[str | None, typer.Option("--origin", help="Origem da mercadoria, 0 a 8 (0 = nacional).")]
    = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Unidade comercial (UN, KG, CX...).")] = None,
    gtin: Annotated[str | None, typer.Option("--gtin", help="GTIN/EAN; vazio (ou \"SEM GTIN\") para SEM GTIN.")] = None,
    cfop: Annotated[str | None, typer.Option("--cfop", help=(
        "CFOP fixo para este produto (opcional): um de venda, 5101 a 5124 ou 6101 a 6124, ou 5405 (ICMS já retido por "
        "substituição tributária)."))] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Grava os dados fiscais do produto para a NF-e; os vazios usam o padrão da empresa."""
    product = set_fiscal_data(container().uow(), sku, ProductFiscalData(ncm, cest, origin, unit, gtin, cfop))
    if fmt is OutputFormat.JSON:
        print_json(product)
        return
    shown = ", ".join(f"{label} {product[key]}" for key, label in (("ncm", "NCM"), ("cest", "CEST"),
                      ("origin", "origem"), ("unit", "unidade"), ("gtin", "GTIN"), ("cfop", "CFOP")) if product[key])
    shown = shown or "sem dados fiscais próprios (usa o padrão da empresa)"
    console.print(f"Produto {escape(product['reference'])}: {shown}.", highlight=False)
