"""Errors a person can meet: one base with a stable code, parameters, a pt-BR message and a resolution.

The message and the resolution speak of the product ("sincronize de novo", "reconecte a loja"), never
of one interface. Each interface adds its own way to act on `action`: the CLI prints its command, a web
page shows its button. Anything that is not a `LojasyncError` is a bug and is reported as one.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, ClassVar


class Action(StrEnum):
    """What a person can do about an error; each interface knows how (a command, a button)."""

    SYNC = "sync"                        # sincronizar a loja de novo
    RETRY_EVENT = "retry_event"          # reprocessar a notificação (webhook) com erro
    CONNECT_STORE = "connect_store"      # conectar uma loja
    RECONNECT_STORE = "reconnect_store"  # reinstalar o app / trocar o token
    CHOOSE_STORE = "choose_store"        # dizer qual loja, havendo mais de uma
    DISABLE_STORE = "disable_store"      # desativar uma loja (para de importar, os pedidos ficam)
    ENABLE_STORE = "enable_store"        # reativar uma loja desativada pelo operador
    RESET_SECRETS = "reset_secrets"      # descartar tokens que nenhuma chave abre mais
    TRY_AGAIN = "try_again"              # repetir a mesma operação
    CONFIRM = "confirm"                  # repetir confirmando o que muda algo já feito
    CONFIGURE = "configure"              # corrigir a configuração (variáveis LOJASYNC_*)
    SET_COMPANY = "set_company"          # cadastrar ou corrigir a empresa emitente
    INSTALL_CERTIFICATE = "install_certificate"   # instalar o certificado A1 da empresa
    SEE_INVOICES = "see_invoices"        # ver a lista de NF-e
    SEE_SALES = "see_sales"              # ver a lista de vendas simples
    APPROVE_INVOICE = "approve_invoice"  # transmitir a NF-e (ou consultar de novo a SEFAZ)
    DISCARD_INVOICE = "discard_invoice"  # descartar a NF-e pendente ou rejeitada


class Gap(str):
    """One thing that keeps something from being done, in words a person reads on a page or in the terminal,
    with the terminal command that fixes it, when there is one, kept apart (the CLI adds it; pages do not)."""

    terminal: str | None

    def __new__(cls, text: str, terminal: str | None = None) -> Gap:
        gap = super().__new__(cls, text)
        gap.terminal = terminal
        return gap


def terminal_commands(gaps: Iterable[str]) -> tuple[str, ...]:
    """The terminal commands of these gaps, each once, in order (plain strings have none)."""
    return tuple(dict.fromkeys(c for c in (getattr(gap, "terminal", None) for gap in gaps) if c))


class LojasyncError(Exception):
    """Base of every error meant for a person.

    Subclasses set `code` (stable: logs, metrics and API clients rely on it), the templates of the
    message and the resolution (filled with the parameters), and the `action` that fixes it. An
    instance may also be given finished texts, for errors whose words come from elsewhere.
    """

    code: ClassVar[str] = "lojasync.error"
    message_template: ClassVar[str] = "Erro no lojasync."
    resolution_template: ClassVar[str] = ""
    action: Action | None = None
    # Transient (the store is down, another worker holds the store): trying again later may work.
    retryable: bool = False
    # The resolution says a worker settles it by itself ("o lojasync a consulta sozinho"): true only with one running,
    # and the API, the terminal and the pages add so when none is (`entrypoints.worker_words`).
    left_to_worker: bool = False
    # Commands, beyond the action's, that fix parts of this error from the terminal: templates filled with the
    # parameters, as the message's; the pages show their own buttons and never these.
    terminal_commands: tuple[str, ...] = ()

    def __init__(self, message: str | None = None, *, resolution: str | None = None, action: Action | None = None,
                 retryable: bool | None = None, **params: Any) -> None:
        self.params = params
        self.message = message if message is not None else self.message_template.format(**params)
        self.resolution = resolution if resolution is not None else self.resolution_template.format(**params)
        self.terminal_commands = tuple(command.format(**params) for command in self.terminal_commands)
        if action is not None:
            self.action = action
        if retryable is not None:
            self.retryable = retryable
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def describe(self) -> str:
        """The message and, when there is one, the resolution: what a log line or a stored error keeps."""
        return f"{self.message} Resolução: {self.resolution}" if self.resolution else self.message


class WriteConflict(LojasyncError):
    """Another process wrote the same rows at the same time (unique key, deadlock, lock): nothing was
    written; running the same transaction again finds their rows."""

    code = "database.conflict"
    message_template = "Outro processo gravava os mesmos dados ao mesmo tempo ({reason})."
    resolution_template = "Tente de novo: nada foi gravado pela metade."
    action = Action.TRY_AGAIN
    retryable = True


class DataRefused(LojasyncError):
    """The database refused a value for good (format, size): the same data would fail again."""

    code = "database.refused"
    message_template = "O banco recusou os dados ({reason})."
    resolution_template = "Confira os dados de origem; os demais registros foram gravados."
