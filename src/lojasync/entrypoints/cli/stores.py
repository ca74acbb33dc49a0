"""`lojasync store ...`: connect a Nuvemshop store and check its webhook registrations."""

from __future__ import annotations

import shlex
from datetime import datetime, timezone
from typing import Annotated

import typer
from rich.markup import escape

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import console, container, err_console, friendly_errors
from lojasync.entrypoints.cli.output import FormatOption, OutputFormat, print_json, table
from lojasync.nuvemshop.services.install_invite import InviteRevocation, make_invite, revoke_invite, setup_warnings
from lojasync.nuvemshop.services.install_store import WebhookState, store_webhooks, webhook_url_for
from lojasync.nuvemshop.services.maintenance import worker_silence
from lojasync.nuvemshop.services.stores import (
    add_store,
    check_store_details,
    list_stores,
    remove_store,
    set_store_enabled,
    store_log,
)
from lojasync.sales.history_text import level_label
from lojasync.settings import DEFAULT_API_URL, load_settings
from lojasync.shared.numbers import LARGEST_ID

app = typer.Typer(help="Lojas Nuvemshop conectadas.", no_args_is_help=True)


@app.command("add")
@friendly_errors
def add(
    external_store_id: Annotated[str | None, typer.Option("--store", metavar="ID",
                                                          help="Id da loja na Nuvemshop (user_id do token).")] = None,
    # From the environment too: on the command line the token stays in the shell's history and in `ps` (review).
    access_token: Annotated[str | None, typer.Option("--access-token", metavar="TOKEN", envvar="LOJASYNC_STORE_TOKEN",
                                                     show_envvar=True, help=(
                                                         "Token de acesso do app (ou na variável LOJASYNC_STORE_TOKEN, "
                                                         "que não fica no histórico do terminal)."))] = None,
    api_url: Annotated[str | None, typer.Option("--api-url", metavar="URL", help=(
        f"Endereço base da API (sem ele, o de LOJASYNC_NUVEMSHOP_API_URL, ou {DEFAULT_API_URL}).")
    )] = None,
    name: Annotated[str | None, typer.Option("--name", help="Nome para mostrar.")] = None,
    no_check: Annotated[bool, typer.Option("--no-check", help="Não confere o token com a loja antes de gravar.")]
    = False,
    # The first spelling (0.1): still accepted, no longer shown (--store everywhere).
    old_store_id: Annotated[str | None, typer.Option("--store-id", hidden=True)] = None,
) -> None:
    """Conecta uma loja (ou troca o token e o endereço de uma já conectada), depois de conferir com a loja."""
    # A typo is said before a data folder is created for it.
    # The API the install link uses too when none is given (LOJASYNC_NUVEMSHOP_API_URL: the store simulator, a test
    # store); it was Nuvemshop's own whatever that said (first-day walk).
    details = check_store_details(external_store_id or old_store_id or "", access_token or "",
                                  api_url or load_settings().nuvemshop_api_url)
    app = container(create=True)
    view, created = add_store(app.uow(), app.cipher, *details, name, check=None if no_check else app.client_for)
    verb = "conectada" if created else "atualizada"
    console.print(f"Loja [bold]{escape(view.external_id)}[/] {verb}. API: {escape(view.api_url)}", highlight=False)
    if not view.active:
        console.print(f"Ela continua desativada: para voltar a importar dela, lojasync store enable "
                      f"{escape(view.external_id)}", highlight=False)
        return
    # A store added by its token has no webhooks yet (the install link registers them): without them the orders
    # arrive only with the periodic reconciliation, and nothing said so (review).
    # With the store named: with two stores connected, the commands alone ask which (review).
    store = escape(shlex.quote(view.external_id))
    console.print(f"Próximos passos: [bold]lojasync store webhooks --store {store}[/] para registrar os avisos em "
                  "tempo real (sem eles os pedidos chegam só na conferência periódica, a cada poucos minutos; o "
                  "endereço é LOJASYNC_PUBLIC_URL, que a Nuvemshop precisa alcançar) e "
                  f"[bold]lojasync sync --store {store}[/] para importar os pedidos.", highlight=False)


@app.command("list")
@friendly_errors
def list_(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Lista as lojas conectadas."""
    stores = list_stores(container().read_uow())
    if fmt is OutputFormat.JSON:
        say_worker_silence()   # on stderr: a script polling the list reads it in its log (review)
        print_json([s.__dict__ for s in stores])
        return
    if not stores:
        console.print("Nenhuma loja conectada. Para conectar: lojasync store install-link (ou lojasync store add).",
                      highlight=False)
        say_worker_silence()   # fiscal work may wait for a worker with no store left (review)
        return
    table("Lojas", ["Loja", "Nome", "Ativa", "Sincronizado até", "Interrompida", "Precisa de atenção"],
          [[s.external_id, escape(s.name or ""), "sim" if s.active else "não", formats.when(s.sync_cursor)
            if s.sync_cursor else "nunca", "sim" if s.interrupted_run else "não", escape(s.attention or "")]
           for s in stores])
    for s in stores:
        if s.attention:
            err_console.print(f"[yellow]Loja {s.external_id}:[/] {escape(s.attention)} Resolução: "
                              f"{escape(s.attention_resolution or '')}", highlight=False)
    say_worker_silence()


def say_worker_silence() -> None:
    """Said where an operator looks at the stores: no worker, and the orders stop arriving with nothing saying why."""
    moment = datetime.now(timezone.utc)
    silence = worker_silence(container().read_uow(), moment)
    if silence is not None:
        err_console.print(f"[yellow]Atenção:[/] {escape(silence.text(moment))}. No terminal: [bold]lojasync "
                          "worker[/] (ou [bold]lojasync serve[/] sem --no-worker).", highlight=False)


@app.command("log")
@friendly_errors
def log(
    store: Annotated[str | None, typer.Option("--store", help="Id da loja (se houver mais de uma).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=LARGEST_ID, help="Quantos registros mostrar.")] = 50,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Mostra o que aconteceu com a loja: instalação, suspensão, LGPD, pedidos que não puderam ser importados."""
    entries = store_log(container().read_uow(), store, limit)
    if fmt is OutputFormat.JSON:
        print_json(entries)
        return
    table(f"Registro da loja ({len(entries)})", ["Quando", "Nível", "Mensagem"],
          [[formats.when(e["at"]), level_label(e["level"]), escape(e["message"])] for e in entries])


@app.command("webhooks")
@friendly_errors
def webhooks(
    store: Annotated[str | None, typer.Option("--store", help="Id da loja (se houver mais de uma).")] = None,
    check: Annotated[bool, typer.Option("--check", help="Só confere, sem criar; sai com 1 se faltar algum.")] = False,
) -> None:
    """Registra na loja os webhooks que faltam (ou, com --check, mostra registrados x esperados)."""
    app = container()
    url = webhook_url_for(app.settings.public_url)
    report = store_webhooks(app.uow(), app.client_for, store, url, create=not check)
    if report.error:
        err_console.print(f"[bold red]Erro:[/] não foi possível listar os webhooks da loja {report.external_store_id}: "
                          f"{escape(report.error)}", highlight=False)
        raise typer.Exit(1)
    table(f"Webhooks da loja {report.external_store_id} → {escape(url)}", ["Evento", "Situação", "Erro"],
          [[i.event, i.state.value, escape(i.error or "")] for i in report.items])
    if report.others:
        table("Outros webhooks registrados (não esperados aqui)", ["Evento", "URL"],
              [[escape(event), escape(other_url)] for event, other_url in report.others])
    counts = {state: sum(1 for i in report.items if i.state is state) for state in WebhookState}
    console.print(f"Esperados: {len(report.items)}; registrados: {counts[WebhookState.PRESENT]}; "
                  f"criados agora: {counts[WebhookState.CREATED]}; faltando: {counts[WebhookState.MISSING]}; "
                  f"falharam: {counts[WebhookState.FAILED]}.", highlight=False)
    if report.missing:
        console.print("Rode [bold]lojasync store webhooks[/] (sem --check) para registrar os que faltam.")
    if report.failed:
        console.print("Confira se LOJASYNC_PUBLIC_URL é um endereço HTTPS público que a Nuvemshop alcança.")
    if not report.complete:
        raise typer.Exit(1)


@app.command("install-link")
@friendly_errors
def install_link(hours: Annotated[float, typer.Option("--hours", help="Validade do convite, em horas.")] = 24.0
                 ) -> None:
    """Gera o link (com convite) que o lojista abre para instalar o app e conectar a loja."""
    app = container(create=True)
    settings = app.settings
    invite = make_invite(app.cipher, hours)
    for warning in setup_warnings(settings.nuvemshop_client_id, settings.nuvemshop_client_secret,
                                  settings.public_url):
        err_console.print(f"[yellow]Atenção:[/] {warning}", highlight=False)
    console.print(f"{settings.public_url.rstrip('/')}/nuvemshop/install?convite={invite}", highlight=False,
                  soft_wrap=True)
    console.print(f"Válido por {hours:g} h, para uma loja só (usado, não serve de novo); até lá, quem tiver o link "
                  "pode conectar uma loja: envie só ao lojista. Para revogá-lo: lojasync store revoke-link LINK",
                  style="dim")


_SPENT_STORE = (" Uma loja já conectada por ele continua conectada (lojasync store list; para parar de importar "
                "dela: lojasync store disable ID).")


@app.command("revoke-link")
@friendly_errors
def revoke_link(link: Annotated[str, typer.Argument(metavar="LINK", help="O link de instalação (ou só o convite).")]
                ) -> None:
    """Revoga um link de instalação ainda não usado (enviado à pessoa errada, ou que não deve mais valer)."""
    app = container()
    outcome = revoke_invite(app.uow(), app.cipher, link)
    console.print(outcome.value + (_SPENT_STORE if outcome is InviteRevocation.ALREADY_SPENT else ""),
                  highlight=False)


@app.command("disable")
@friendly_errors
def disable(store: Annotated[str, typer.Argument(metavar="ID", help="Id da loja na Nuvemshop.")]) -> None:
    """Desativa uma loja: nada mais é importado dela; os pedidos já importados ficam."""
    view = set_store_enabled(container().uow(), store, enabled=False)
    console.print(f"Loja [bold]{view.external_id}[/] desativada. Para voltar: lojasync store enable "
                  f"{view.external_id}", highlight=False)


@app.command("enable")
@friendly_errors
def enable(store: Annotated[str, typer.Argument(metavar="ID", help="Id da loja na Nuvemshop.")]) -> None:
    """Reativa uma loja desativada."""
    view = set_store_enabled(container().uow(), store, enabled=True)
    console.print(f"Loja [bold]{view.external_id}[/] reativada.", highlight=False)


@app.command("remove")
@friendly_errors
def remove(store: Annotated[str, typer.Argument(metavar="ID", help="Id da loja na Nuvemshop.")]) -> None:
    """Remove uma loja que nunca importou pedidos (um id digitado errado, um teste)."""
    removed = remove_store(container().uow(), store)
    console.print(f"Loja [bold]{removed}[/] removida.", highlight=False)
