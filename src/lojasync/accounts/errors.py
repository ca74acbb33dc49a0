"""Errors of users, logins and API tokens, for the person who reads them."""

from __future__ import annotations

from lojasync.shared.errors import Action, LojasyncError


class InvalidEmail(LojasyncError):
    code = "accounts.invalid_email"
    message_template = "E-mail inválido: {email}."
    resolution_template = "Informe um e-mail como nome@empresa.com.br."


class WeakPassword(LojasyncError):
    code = "accounts.weak_password"
    message_template = "Senha fraca: {reason}."
    resolution_template = ("Use pelo menos {minimum} caracteres (uma frase serve), ou gere uma senha "
                           "(\"Gerar senha\" em Configurações → Usuários, ou --generate no terminal).")


class UserExists(LojasyncError):
    code = "accounts.user_exists"
    message_template = "Já existe um usuário com o e-mail {email}."
    resolution_template = "Use outro e-mail, ou reative o usuário existente (Configurações → Usuários)."
    terminal_commands = ("lojasync users enable EMAIL",)


class UserNotFound(LojasyncError):
    code = "accounts.user_not_found"
    message_template = "Usuário {email} não encontrado."
    resolution_template = "Confira o e-mail na lista de usuários (Configurações → Usuários)."
    terminal_commands = ("lojasync users list",)


class InvalidLogin(LojasyncError):
    code = "accounts.invalid_login"
    message_template = "E-mail ou senha incorretos."
    resolution_template = ("Confira o e-mail e a senha. Esqueceu a senha? Peça a quem administra o lojasync "
                           "para definir uma nova.")
    action = Action.TRY_AGAIN


class UserDisabled(LojasyncError):
    code = "accounts.user_disabled"
    message_template = "Este usuário está desativado."
    resolution_template = "Peça a quem administra o lojasync para reativá-lo (Configurações → Usuários)."
    terminal_commands = ("lojasync users enable EMAIL",)


class LoginThrottled(LojasyncError):
    code = "accounts.login_throttled"
    message_template = "Muitas tentativas de entrada sem sucesso. Aguarde {wait} para tentar de novo."
    resolution_template = ("Espere o tempo indicado e confira o e-mail e a senha; cada nova tentativa errada "
                           "aumenta a espera.")
    action = Action.TRY_AGAIN
    retryable = True


class PasswordChecksBusy(LojasyncError):
    """The process is already checking as many passwords as it may at once (`accounts.passwords`)."""

    code = "accounts.password_checks_busy"
    message_template = ("Muitas senhas sendo conferidas ao mesmo tempo neste servidor: a sua não foi conferida nem "
                        "contada como errada. Tente de novo em {wait}.")
    resolution_template = ("Espere alguns segundos e envie de novo. Se isso se repete, alguém pode estar tentando "
                           "senhas em massa: veja o log do lojasync e bloqueie os endereços no seu firewall ou proxy.")
    action = Action.TRY_AGAIN
    retryable = True


class TokenExists(LojasyncError):
    code = "accounts.token_exists"
    message_template = "Já existe um token ativo chamado {name}."
    resolution_template = "Escolha outro nome, ou revogue o antigo."
    terminal_commands = ("lojasync tokens revoke {name}",)


class TokenNotFound(LojasyncError):
    code = "accounts.token_not_found"
    message_template = "Token {reference} não encontrado."
    resolution_template = "Confira o nome ou o número na lista de tokens."
    terminal_commands = ("lojasync tokens list",)


class InvalidTokenName(LojasyncError):
    code = "accounts.invalid_token_name"
    message_template = "Nome de token inválido: {name}."
    resolution_template = "Use de 1 a 80 letras, números, pontos, hífens ou sublinhados (ex.: erp-contabil)."

    def __init__(self, *, name: str) -> None:
        # An empty name said as such (README review: "Nome de token inválido: .").
        super().__init__(name=f'"{name}"' if name.strip() else "vazio")


class PasswordNotConfirmed(LojasyncError):
    code = "accounts.password_not_confirmed"
    message_template = "A sua senha não confere; nada foi alterado."
    resolution_template = ("Digite a senha com que você entrou no lojasync (a sua, não a do usuário que está sendo "
                           "alterado) no campo \"Sua senha\" e envie de novo.")


class ConfirmationThrottled(LojasyncError):
    code = "accounts.confirmation_throttled"
    message_template = "Muitas confirmações de senha erradas. Aguarde {wait} para tentar de novo."
    resolution_template = ("Espere o tempo indicado e digite a sua própria senha; se não a lembra, saia e peça a "
                           "quem administra o lojasync uma nova.")
    action = Action.TRY_AGAIN
    retryable = True
