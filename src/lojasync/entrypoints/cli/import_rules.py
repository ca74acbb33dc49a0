"""`lojasync import-rules ...`: the status table, the unknown-SKU rule, the reconciliation interval and the first day
of the orders brought in, shown with
where each comes from and changed in the database (the same services as Configurações), without a restart."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import console, container, friendly_errors, usage_error
from lojasync.entrypoints.cli.output import FormatOption, OutputFormat, print_json
from lojasync.nuvemshop.services.import_settings import (
    KEYS,
    ORDER_STATUSES,
    ORDERS_FROM,
    PAYMENT_STATUSES,
    RECONCILE_MINUTES,
    STATUS_RULES,
    UNKNOWN_SKU,
    UNKNOWN_SKU_TEXT,
    ImportSettingsChange,
    ImportSettingsView,
    set_import_settings,
    show_import_settings,
    whole_minutes,
)

app = typer.Typer(help="Regras de importação: tabela de situações, SKU desconhecido, conferência periódica e data "
                       "inicial dos pedidos.",
                  no_args_is_help=True)
# The names a person types for --reset, with dashes as the other options.
RESET_NAMES = {key.replace("_", "-"): key for key in KEYS}


@app.command("show")
@friendly_errors
def show(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Mostra as regras em vigor e de onde vem cada uma (padrão, variável LOJASYNC_… ou configurado no lojasync)."""
    app_ = container()
    _print(show_import_settings(app_.read_uow(), app_.import_defaults), fmt)


@app.command("set")
@friendly_errors
def set_(
    order_status: Annotated[list[str] | None, typer.Option(
        "--order-status", metavar="VALOR=SITUAÇÃO",
        help=f"Situação do pedido na loja ({', '.join(ORDER_STATUSES)}) → Em Aberto, Confirmado ou Cancelado; "
             "VALOR= (vazio) tira a regra. Repita para vários.")] = None,
    payment_status: Annotated[list[str] | None, typer.Option(
        "--payment-status", metavar="VALOR=SITUAÇÃO",
        help=f"Pagamento na loja ({', '.join(PAYMENT_STATUSES)}) → Em Aberto, Confirmado ou Cancelado; VALOR= (vazio) "
             "tira a regra. Repita para vários.")] = None,
    default_status: Annotated[str | None, typer.Option(
        "--default-status", metavar="SITUAÇÃO", help="Situação quando nenhuma regra se aplica.")] = None,
    unknown_sku: Annotated[str | None, typer.Option(
        "--unknown-sku", metavar="create|unlinked",
        help="create: cria o produto a partir do item; unlinked: deixa o item sem produto vinculado.")] = None,
    reconcile_minutes: Annotated[int | None, typer.Option(
        "--reconcile-minutes", metavar="N", help="Conferência periódica a cada N minutos (1 a 1440).")] = None,
    orders_from: Annotated[str | None, typer.Option(
        "--orders-from", metavar="DATA|todos",
        help="Importa só os pedidos criados na loja a partir deste dia (AAAA-MM-DD ou DD/MM/AAAA); os já importados "
             "continuam sendo atualizados. todos: o histórico inteiro.")] = None,
    reset: Annotated[list[str] | None, typer.Option(
        "--reset", metavar="REGRA",
        help="Volta ao padrão (a variável LOJASYNC_…, se houver): status-rules, unknown-sku, reconcile-minutes, "
             "orders-from ou all. Repita para várias.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Muda as regras no banco de dados: valem a partir da próxima importação, sem reiniciar o lojasync."""
    resets = set()
    for name in reset or []:
        if name.strip().lower() == "all":
            resets |= set(KEYS)
        elif name.strip().lower() in RESET_NAMES:
            resets.add(RESET_NAMES[name.strip().lower()])
        else:
            usage_error(f"--reset {name}: use status-rules, unknown-sku, reconcile-minutes, orders-from ou all.")
    change = ImportSettingsChange(
        by_order_status=_pairs(order_status, "--order-status"),
        by_payment_status=_pairs(payment_status, "--payment-status"),
        default_status=default_status, unknown_sku=unknown_sku, reconcile_minutes=reconcile_minutes,
        orders_from=orders_from, reset=frozenset(resets))
    if not (change.touches_status_rules() or unknown_sku is not None or reconcile_minutes is not None
            or orders_from is not None or resets):
        usage_error("Nada a mudar: informe --payment-status, --order-status, --default-status, --unknown-sku, "
                    "--reconcile-minutes, --orders-from ou --reset (veja lojasync import-rules set --help).")
    # A new installation's rules are set before any store is connected, as its company and users are.
    app_ = container(create=True)
    view = set_import_settings(app_.uow(), app_.import_defaults, change, _who())
    _print(view, fmt, "Regras de importação gravadas: valem a partir da próxima importação (uma sincronização "
                      "completa, lojasync sync --full, reaplica a tabela de situações aos pedidos já importados, menos "
                      "aos já processados, que ficam como estão; com uma data inicial mais antiga, traz os pedidos "
                      "anteriores que faltam).")


def _pairs(given: list[str] | None, option: str) -> dict[str, str]:
    pairs = {}
    for text in given or []:
        if "=" not in text:
            usage_error(f"{option} {text}: use VALOR=SITUAÇÃO, ex.: {option} paid=Confirmado.")
        value, status = text.split("=", 1)
        pairs[value.strip()] = status.strip()
    return pairs


def _who() -> str:
    try:
        return f"terminal ({getpass.getuser()})"
    except (OSError, KeyError):   # no login name in a bare container
        return "terminal"


def _print(view: ImportSettingsView, fmt: OutputFormat, done: str | None = None) -> None:
    if fmt is OutputFormat.JSON:
        print_json(view.to_dict())
        return
    if done:
        console.print(done, highlight=False)
    rules, sources = view.current.rules, view.sources

    def origin(key: str) -> str:
        s = sources[key]
        # In the store's time, as the settings page says it (review: this said UTC, the page Brasília's).
        when = f", {formats.when(s.updated_at)} por {s.updated_by or '?'}" if s.updated_at else ""
        return f"[dim]({s.label}{when})[/]"

    console.print(f"[bold]Tabela de situações[/] {origin(STATUS_RULES)}", highlight=False)
    for value, status in rules.by_order_status.items():
        console.print(f"  situação do pedido {value} → {status.label}", highlight=False)
    for value, status in rules.by_payment_status.items():
        console.print(f"  pagamento {value} → {status.label}", highlight=False)
    console.print(f"  qualquer outra combinação → {rules.default.label}", highlight=False)
    sku = view.current.unknown_sku
    console.print(f"[bold]SKU desconhecido:[/] {sku.value}: {UNKNOWN_SKU_TEXT[sku]} {origin(UNKNOWN_SKU)}",
                  highlight=False)
    minutes = whole_minutes(view.current.reconcile_minutes)
    console.print(f"[bold]Conferência periódica:[/] a cada {minutes} minuto(s) {origin(RECONCILE_MINUTES)}",
                  highlight=False)
    first = view.current.orders_from
    console.print("[bold]Pedidos importados:[/] " + (f"os criados na loja a partir de {formats.day(first)}"
                                                     if first else "todos, o histórico inteiro da loja")
                  + f" {origin(ORDERS_FROM)}", highlight=False)
