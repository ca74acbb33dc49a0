"""`lojasync users ...` and `lojasync tokens ...` as an administrator uses them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lojasync.accounts import passwords
from lojasync.accounts.services.api_tokens import token_caller
from lojasync.accounts.services.login import log_in
from lojasync.entrypoints.cli.app import app as cli
from lojasync.entrypoints.cli.context import reset_container


@pytest.fixture()
def lojasync(app, monkeypatch):
    monkeypatch.setenv("LOJASYNC_DATABASE_URL", app.settings.resolved_database_url)
    monkeypatch.setenv("LOJASYNC_DATA_DIR", str(app.settings.data_dir))
    previous = passwords.use_parameters(time_cost=1, memory_cost=8, parallelism=1)  # speed only
    reset_container()
    runner = CliRunner()

    def run(*args: str, expect: int = 0, input: str | None = None):
        result = runner.invoke(cli, list(args), input=input)
        assert result.exit_code == expect, result.output + str(result.exception or "")
        return result

    yield run
    reset_container()
    passwords.restore(previous)


def test_users_add_with_a_password_list_disable_enable(app, lojasync):
    added = lojasync("users", "add", "Ana@Loja.com.br", "--password", "uma frase de senha")
    assert "Usuário ana@loja.com.br criado." in added.output and "uma frase de senha" not in added.output
    log_in(app.accounts_uow(), "ana@loja.com.br", "uma frase de senha", None)

    listed = json.loads(lojasync("users", "list", "--format", "json").output)
    assert [(u["email"], u["active"], u["open_sessions"]) for u in listed] == [("ana@loja.com.br", True, 1)]
    assert "password" not in json.dumps(listed)
    table = lojasync("users", "list").output
    assert "ana@loja.com.br" in table and "ativo" in table
    # Its column and its help say the same: the last login, not the last page seen (3b4249c2 renamed the column only).
    helped = " ".join(lojasync("users", "list", "--help").output.split())
    assert "o último login" in helped and "último acesso" not in helped

    disabled = lojasync("users", "disable", "ana@loja.com.br")
    assert "desativado; 1 sessão encerrada(s)" in disabled.output
    assert json.loads(lojasync("users", "list", "--format", "json").output)[0]["active"] is False
    # Again: said as nothing done, as every command repeated says it (README review).
    assert ("O usuário ana@loja.com.br já estava desativado: nada mudou."
            in lojasync("users", "disable", "ana@loja.com.br").output)
    assert "reativado" in lojasync("users", "enable", "ana@loja.com.br").output
    assert "O usuário ana@loja.com.br já estava ativo: nada mudou." in lojasync("users", "enable",
                                                                                 "ana@loja.com.br").output


def test_users_add_asks_the_password_twice_or_generates_one(app, lojasync):
    asked = lojasync("users", "add", "bia@loja.com.br", input="frase de senha boa\nfrase de senha boa\n")
    assert "criado" in asked.output and "Repita a senha" in asked.output
    log_in(app.accounts_uow(), "bia@loja.com.br", "frase de senha boa", None)

    # review: a password piped from Windows kept its "\r", and nobody could log in with what was typed; the
    # prompts went to stdout, among the result a script reads.
    piped = lojasync("users", "add", "edu@loja.com.br", input="frase de senha boa\r\nfrase de senha boa\r\n")
    assert "Repita a senha" not in piped.stdout and "criado" in piped.stdout
    log_in(app.accounts_uow(), "edu@loja.com.br", "frase de senha boa", None)

    mismatch = lojasync("users", "add", "caio@loja.com.br", input="frase de senha boa\noutra frase qualquer\n",
                        expect=1)
    assert "diferentes" in mismatch.output

    generated = lojasync("users", "add", "davi@loja.com.br", "--generate")
    password = next(line.split("Senha: ", 1)[1].strip() for line in generated.output.splitlines()
                    if line.startswith("Senha: "))
    assert len(password) >= 20 and "não será mostrada de novo" in generated.output
    log_in(app.accounts_uow(), "davi@loja.com.br", password, None)


def test_user_errors_are_explained_in_portuguese(lojasync):
    lojasync("users", "add", "ana@loja.com.br", "--password", "uma frase de senha")
    again = lojasync("users", "add", "ana@loja.com.br", "--password", "uma frase de senha", expect=1)
    assert "Já existe um usuário com o e-mail ana@loja.com.br" in again.output and "Resolução" in again.output
    weak = lojasync("users", "add", "bia@loja.com.br", "--password", "123", expect=1)
    assert "Senha fraca" in weak.output
    missing = lojasync("users", "disable", "ninguem@loja.com.br", expect=1)
    assert "não encontrado" in missing.output
    # README review: the password was asked twice, then the user was not found.
    unknown = lojasync("users", "password", "ninguem@loja.com.br", input="senhaforte123\nsenhaforte123\n", expect=1)
    assert "não encontrado" in unknown.output and "Senha" not in unknown.output
    both = lojasync("users", "password", "ninguem@loja.com.br", "--password", "x", "--generate", expect=2)
    assert "Use --password ou --generate, não os dois." in both.output   # the command line first (review)
    # ...and an empty token name said as such ("Nome de token inválido: .").
    empty = lojasync("tokens", "add", "", expect=1)
    assert "Nome de token inválido: vazio." in empty.output
    assert 'Nome de token inválido: "a b".' in lojasync("tokens", "add", "a b", expect=1).output


def test_tokens_add_shows_the_token_once_list_and_revoke(app, lojasync):
    added = lojasync("tokens", "add", "erp-contabil")
    secret = next(line.strip() for line in added.output.splitlines() if line.startswith("lsk_"))
    assert token_caller(app.accounts_uow(), secret).name == "erp-contabil"

    listed = json.loads(lojasync("tokens", "list", "--format", "json").output)
    assert [(t["name"], t["active"], t["prefix"]) for t in listed] == [("erp-contabil", True, secret[:8])]
    assert secret not in lojasync("tokens", "list").output

    second = lojasync("tokens", "add", "bi")
    second_secret = next(line.strip() for line in second.output.splitlines() if line.startswith("lsk_"))
    assert "revogado" in lojasync("tokens", "revoke", "erp-contabil").output
    assert "revogado" in lojasync("tokens", "revoke", str(listed[0]["id"] + 1)).output
    assert token_caller(app.accounts_uow(), secret) is None
    assert token_caller(app.accounts_uow(), second_secret) is None
    assert "não encontrado" in lojasync("tokens", "revoke", "nada", expect=1).output
    # Twice (a deploy script run again): done already, exit 0, not "não encontrado".
    again = " ".join(lojasync("tokens", "revoke", "erp-contabil").output.split())
    assert "Token erp-contabil" in again and "já estava revogado, desde" in again


def test_an_email_with_brackets_is_shown_as_it_is_kept(app, lojasync):
    """review: the e-mail check accepts brackets, and the users commands printed the address as rich markup: "[/x]"
    crashed the command after the user was saved (and `users list` at every run after), "[red]" vanished from what
    was said ("bia@loja.com.br criado", a login nobody had)."""
    added = lojasync("users", "add", "[/x]ana@loja.com.br", "--password", "uma frase de senha")
    assert "Usuário [/x]ana@loja.com.br criado." in added.output
    assert "Usuário [red]bia@loja.com.br criado." in lojasync(
        "users", "add", "[red]bia@loja.com.br", "--password", "uma frase de senha").output
    listed = lojasync("users", "list").output
    assert "[/x]ana@loja.com.br" in listed and "[red]bia@loja.com.br" in listed
    assert "[/x]ana@loja.com.br desativado" in lojasync("users", "disable", "[/x]ana@loja.com.br").output
    assert "[/x]ana@loja.com.br reativado" in lojasync("users", "enable", "[/x]ana@loja.com.br").output
    assert "Senha de [/x]ana@loja.com.br trocada" in lojasync(
        "users", "password", "[/x]ana@loja.com.br", "--password", "outra frase de senha").output


def test_ctrl_c_at_the_password_prompt_exits_130_as_any_interrupted_command(app, lojasync, monkeypatch):
    """review: Ctrl+C at a prompt left with click's exit 1, a refusal's code; `sync` and a batch say 130."""
    from lojasync.entrypoints.cli import accounts, context

    def pressed_ctrl_c(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(accounts.typer, "prompt", pressed_ctrl_c)          # at a terminal
    monkeypatch.setattr(context, "_line_from_input", pressed_ctrl_c)      # reading a script's input
    stopped = lojasync("users", "add", "ana@loja.com.br", expect=130)
    assert "Interrompido." in stopped.output
    assert json.loads(lojasync("users", "list", "--format", "json").output) == []


def test_secrets_reset_without_its_confirmation_is_a_usage_error(lojasync):
    """review: without --yes it exited 1, as a refusal about the data; the README gives 2 for a command line that
    cannot be run as written."""
    refused = lojasync("secrets", "reset", expect=2)
    assert "Confirme com --yes" in refused.output
