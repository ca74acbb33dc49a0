"""`lojasync secrets ...`: rotate the key that seals the stores' tokens and the A1 certificate, or recover from
losing it."""

from __future__ import annotations

from typing import Annotated

import typer

from lojasync.entrypoints.cli.context import console, container, fail, friendly_errors, usage_error
from lojasync.fiscal.services.certificate_key import Resealed, discard_unreadable_certificate, reseal_certificate
from lojasync.nuvemshop.services.secrets import discard_unreadable_tokens, rotate_tokens

app = typer.Typer(help="Chave que cifra os tokens das lojas e o certificado A1.", no_args_is_help=True)


@app.command("new-key")
def new_key_command() -> None:
    """Gera uma chave nova para LOJASYNC_SECRET_KEY e a escreve (só ela) na saída."""
    from lojasync.crypto import new_key

    # Only the key on stdout, so that `export LOJASYNC_SECRET_KEY=$(lojasync secrets new-key)` works; nothing is
    # changed here: the key counts once it is set (and, replacing one in use, after `secrets rotate`).
    print(new_key())


@app.command("rotate")
@friendly_errors
def rotate() -> None:
    """Cifra de novo os tokens com a chave atual (LOJASYNC_SECRET_KEY); as antigas ficam em LOJASYNC_OLD_SECRET_KEYS."""
    app_ = container()
    report = rotate_tokens(app_.uow(), app_.cipher)
    certificate = reseal_certificate(app_.uow(), app_.cipher)
    resealed = " e o certificado A1" if certificate is Resealed.RESEALED else ""
    console.print(f"{report.rotated} token(s){resealed} cifrado(s) com a chave nova. Quando todos os processos usarem "
                  "a chave nova, LOJASYNC_OLD_SECRET_KEYS pode ser apagada (convites feitos antes dela deixam de "
                  "valer).", highlight=False)
    unreadable = [f"o token da(s) loja(s) {', '.join(report.unreadable)}"] if report.unreadable else []
    if certificate is Resealed.UNREADABLE:
        unreadable.append("o certificado A1")
    if unreadable:
        fail(f"Nenhuma chave configurada abre {' nem '.join(unreadable)}: inclua a chave antiga em "
             "LOJASYNC_OLD_SECRET_KEYS e rode de novo (não apague a chave antiga antes disso).")


@app.command("reset")
@friendly_errors
def reset(yes: Annotated[bool, typer.Option("--yes", help="Confirma: os tokens ilegíveis são apagados.")] = False
          ) -> None:
    """Apaga os tokens (e o certificado A1) que nenhuma chave abre (chave perdida); depois reconecte essas lojas."""
    if not yes:   # the confirmation is part of the command line: without it, a usage error (2), not a refusal
        usage_error("Isto apaga os tokens e o certificado A1 que nenhuma chave abre; as lojas terão de ser "
                    "reconectadas e o certificado instalado de novo. Confirme com --yes.")
    discarded = discard_unreadable_tokens(container().uow(), container().cipher)
    certificate = discard_unreadable_certificate(container().uow(), container().cipher)
    if discarded:
        console.print(f"Tokens apagados: {', '.join(discarded)}. Reconecte cada loja (lojasync store install-link, "
                      "ou lojasync store add --store ID --access-token TOKEN).", highlight=False)
    if certificate:
        console.print("Certificado A1 apagado: instale-o de novo (lojasync company certificate ARQUIVO) para voltar "
                      "a emitir NF-e.", highlight=False)
    if not discarded and not certificate:
        console.print("Todos os tokens e o certificado abrem com a chave atual: nada foi apagado.")
