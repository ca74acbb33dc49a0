"""`lojasync secrets ...`: rotate the key that seals the stores' tokens, or recover from losing it."""

from __future__ import annotations

from typing import Annotated

import typer

from lojasync.entrypoints.cli.context import console, container, fail, friendly_errors
from lojasync.nuvemshop.services.secrets import discard_unreadable_tokens, rotate_tokens

app = typer.Typer(help="Chave que cifra os tokens das lojas.", no_args_is_help=True)


@app.command("rotate")
@friendly_errors
def rotate() -> None:
    """Cifra de novo os tokens com a chave atual (LOJASYNC_SECRET_KEY); as antigas ficam em LOJASYNC_OLD_SECRET_KEYS."""
    app_ = container()
    report = rotate_tokens(app_.uow(), app_.cipher)
    console.print(f"{report.rotated} token(s) cifrado(s) com a chave nova. Quando todos os processos usarem a "
                  "chave nova, LOJASYNC_OLD_SECRET_KEYS pode ser apagada (convites feitos antes dela deixam de "
                  "valer).", highlight=False)
    if report.unreadable:
        fail("Nenhuma chave configurada abre o token da(s) loja(s) "
             f"{', '.join(report.unreadable)}: inclua a chave antiga em LOJASYNC_OLD_SECRET_KEYS e rode de novo.")


@app.command("reset")
@friendly_errors
def reset(yes: Annotated[bool, typer.Option("--yes", help="Confirma: os tokens ilegíveis são apagados.")] = False
          ) -> None:
    """Apaga os tokens que nenhuma chave abre (chave perdida); depois reconecte essas lojas."""
    if not yes:
        fail("Isto apaga os tokens que nenhuma chave abre; as lojas deles terão de ser reconectadas. "
             "Confirme com --yes.")
    discarded = discard_unreadable_tokens(container().uow(), container().cipher)
    if discarded:
        console.print(f"Tokens apagados: {', '.join(discarded)}. Reconecte cada loja (lojasync store install-link, "
                      "ou lojasync store add --store ID --access-token TOKEN).", highlight=False)
    else:
        console.print("Todos os tokens abrem com a chave atual: nada foi apagado.")
