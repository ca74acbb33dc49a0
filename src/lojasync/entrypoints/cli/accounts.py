"""`lojasync users ...` (who logs in to the back office) and `lojasync tokens ...` (API tokens)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.markup import escape

from lojasync.accounts.passwords import generate_password
from lojasync.accounts.services.api_tokens import add_token, list_tokens, revoke_token
from lojasync.accounts.services.users import (
    add_user,
    disable_user,
    enable_user,
    find_user,
    list_users,
    set_password,
)
from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import ask_secret, console, container, fail, friendly_errors, usage_error
from lojasync.entrypoints.cli.output import FormatOption, OutputFormat, print_json, table, time_column

# Terminal journey: the arguments showed only "[obrigatório]" in the help.
UserEmail = Annotated[str, typer.Argument(metavar="EMAIL", help="O e-mail do usuário, com que ele entra.",
                                          show_default=False)]
TokenName = Annotated[str, typer.Argument(metavar="NOME", help="Um nome que diga quem usa o token (o histórico "
                                          "dos pedidos o cita em cada mudança feita com ele).", show_default=False)]

users_app = typer.Typer(help="Usuários do back office (entrar pelo navegador).", no_args_is_help=True)
tokens_app = typer.Typer(help="Tokens da API /api/v1 (para integrações).", no_args_is_help=True)
PasswordOption = Annotated[str | None, typer.Option(
    "--password", metavar="SENHA", help="A senha (sem ela, é perguntada duas vezes sem aparecer na tela).")]
GenerateOption = Annotated[bool, typer.Option(
    "--generate", help="Gera uma senha forte e a mostra uma única vez.")]


def _one_way(password: str | None, generate: bool) -> None:
    """A command line with both is wrong (exit 2), whatever else is (an unknown user) (review)."""
    if password is not None and generate:
        usage_error("Use --password ou --generate, não os dois.")


def _password(password: str | None, generate: bool) -> tuple[str, bool]:
    """The password given, generated, or asked twice without echo; True when generated. The caller has checked
    the options (`_one_way`) first."""
    if generate:
        return generate_password(), True
    if password is not None:
        return password, False
    first, second = ask_secret(("Senha", "Repita a senha"), "Nenhuma senha recebida: informe-a com --password SENHA, "
                               "gere uma com --generate ou mande as duas linhas pela entrada.")
    if first != second:
        fail("As duas senhas digitadas são diferentes; nada foi gravado.")
    return first, False


@users_app.command("add")
@friendly_errors
def users_add(email: UserEmail, password: PasswordOption = None,
              generate: GenerateOption = False) -> None:
    """Cria um usuário que entra no back office com e-mail e senha."""
    _one_way(password, generate)
    secret, generated = _password(password, generate)
    user = add_user(container(create=True).accounts_uow(), email, secret)
    console.print(f"Usuário {escape(user.email)} criado.", highlight=False)
    if generated:
        console.print(f"Senha: {secret}", highlight=False, soft_wrap=True)
        console.print("Guarde-a agora: ela não será mostrada de novo (o lojasync guarda só um resumo dela).",
                      highlight=False)


@users_app.command("list")
@friendly_errors
def users_list(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Lista os usuários, se estão ativos, o último login e as sessões abertas."""
    app = container()
    users = list_users(app.accounts_read_uow(), idle_timeout=app.settings.session_idle_timeout)
    if fmt is OutputFormat.JSON:
        print_json([asdict(u) for u in users])
        return
    if not users:
        console.print("Nenhum usuário: crie o primeiro com 'lojasync users add EMAIL'.", highlight=False)
        return
    table("Usuários", ["E-mail", "Situação", time_column("Criado em"), time_column("Último login"), "Sessões"],
          [[escape(u.email), "ativo" if u.active else "desativado", formats.when(u.created_at),
            formats.when(u.last_login_at), u.open_sessions] for u in users])


@users_app.command("disable")
@friendly_errors
def users_disable(email: UserEmail) -> None:
    """Desativa um usuário: não entra mais, e as sessões abertas dele terminam agora."""
    user, ended, changed = disable_user(container().accounts_uow(), email)
    if not changed:   # said as every other command repeated says it (README review: "desativado" twice)
        console.print(f"O usuário {escape(user.email)} já estava desativado: nada mudou"
                      + (f"; {_sessions(ended)} encerrada(s)." if ended else "."), highlight=False)
        return
    console.print(f"Usuário {escape(user.email)} desativado; {_sessions(ended)} encerrada(s).", highlight=False)


@users_app.command("enable")
@friendly_errors
def users_enable(email: UserEmail) -> None:
    """Reativa um usuário desativado."""
    user, changed = enable_user(container().accounts_uow(), email)
    console.print(f"Usuário {escape(user.email)} reativado." if changed
                  else f"O usuário {escape(user.email)} já estava ativo: nada mudou.", highlight=False)


@users_app.command("password")
@friendly_errors
def users_password(email: UserEmail, password: PasswordOption = None,
                   generate: GenerateOption = False) -> None:
    """Define uma nova senha (as sessões abertas com a antiga terminam)."""
    _one_way(password, generate)
    find_user(container().accounts_uow(), email)   # an unknown e-mail said before the password is asked
    secret, generated = _password(password, generate)
    user, ended = set_password(container().accounts_uow(), email, secret)
    console.print(f"Senha de {escape(user.email)} trocada; {_sessions(ended)} encerrada(s).", highlight=False)
    if generated:
        console.print(f"Senha: {secret}", highlight=False, soft_wrap=True)
        console.print("Guarde-a agora: ela não será mostrada de novo.", highlight=False)


@tokens_app.command("add")
@friendly_errors
def tokens_add(name: TokenName, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Cria um token para a API (mostrado uma única vez)."""
    secret, token = add_token(container(create=True).accounts_uow(), name)
    if fmt is OutputFormat.JSON:
        # A deployment script keeps it in its secrets store: the token as `tokens list` shows it, plus the secret.
        print_json({**asdict(token), "active": token.active, "token": secret})
        return
    console.print(f"Token {escape(token.name)} (nº {token.id}) criado:", highlight=False)
    # Plain print: the token must be copied whole, never wrapped or styled.
    print(secret)
    console.print("Guarde-o agora: ele não será mostrado de novo (o lojasync guarda só um resumo dele). Use-o "
                  "no cabeçalho 'Authorization: Bearer TOKEN'.", highlight=False)


@tokens_app.command("list")
@friendly_errors
def tokens_list(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Lista os tokens da API (só o começo de cada um)."""
    tokens = list_tokens(container().accounts_read_uow())
    if fmt is OutputFormat.JSON:
        print_json([{**asdict(t), "active": t.active} for t in tokens])
        return
    if not tokens:
        console.print("Nenhum token: crie um com 'lojasync tokens add NOME'.", highlight=False)
        return
    table("Tokens da API", ["Nº", "Nome", "Começa com", time_column("Criado em"), time_column("Último uso"),
                            "Situação"],
          [[t.id, escape(t.name), f"{t.prefix}…", formats.when(t.created_at), formats.when(t.last_used_at),
            "ativo" if t.active else f"revogado em {formats.when(t.revoked_at)}"] for t in tokens])


@tokens_app.command("revoke")
@friendly_errors
def tokens_revoke(reference: Annotated[str, typer.Argument(
        metavar="NOME|Nº", help="O nome do token ou o seu número, como lojasync tokens list os mostra.",
        show_default=False)]) -> None:
    """Revoga um token: ele para de funcionar na hora."""
    token, changed = revoke_token(container().accounts_uow(), reference)
    if changed:
        console.print(f"Token {escape(token.name)} (nº {token.id}) revogado.", highlight=False)
    else:
        console.print(f"Token {escape(token.name)} (nº {token.id}) já estava revogado, desde "
                      f"{formats.when(token.revoked_at)}.", highlight=False)


def _sessions(count: int) -> str:
    return f"{count} sessão" if count == 1 else f"{count} sessões"
