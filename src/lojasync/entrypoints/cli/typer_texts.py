"""Typer's own words (usage, help panels, parsing errors) in Portuguese.

Typer 0.29 carries its own copy of Click whose texts are plain English strings, not gettext messages, so
no translation catalogue can reach them. They are replaced where Typer prints them instead: the
module-level titles of `typer.rich_utils`, the usage line, the help of the options Typer adds itself
(`--help`, completion), the type labels (`<str>`, `<bool>`) and the error panel, whose message is
rebuilt from the exception's fields. `install()` does it once per process; the CLI tests check the
result (help, an unknown option, a missing argument), so an upgrade of Typer that moves any of these
places fails there, not in front of a merchant.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from rich.markup import escape
from rich.panel import Panel
from typer import core as typer_core
from typer import rich_utils
from typer._click import exceptions as click_errors
from typer._click import formatting as click_formatting

_PANEL_TITLES = {
    "ARGUMENTS_PANEL_TITLE": "Argumentos",
    "OPTIONS_PANEL_TITLE": "Opções",
    "COMMANDS_PANEL_TITLE": "Comandos",
    "ERRORS_PANEL_TITLE": "Erro",
    "ABORTED_TEXT": "Interrompido.",
    "DEFAULT_STRING": "[padrão: {}]",
    "ENVVAR_STRING": "[variável: {}]",
    "REQUIRED_LONG_STRING": "[obrigatório]",
    "DEPRECATED_STRING": "(obsoleto) ",
    "RICH_HELP": "Para ajuda: [blue]{command_path} {help_option}[/]",
}
# The help of the options Typer adds by itself.
_OPTION_HELP = {
    "Show this message and exit.": "Mostra esta mensagem e sai.",
    "Install completion for the current shell.": "Instala o autocompletar de comandos no shell atual.",
    "Show completion for the current shell, to copy it or customize the installation.":
        "Mostra o autocompletar do shell atual, para copiar ou ajustar a instalação.",
}
_USAGE_PIECES = (("[OPTIONS]", "[OPÇÕES]"), ("COMMAND [ARGS]...", "COMANDO [ARGS]..."))
USAGE_PREFIX = "Uso: "

# Messages Typer builds as text (no fields to rebuild them from): pattern -> Portuguese.
_MESSAGES = (
    (re.compile(r"^No such command '(?P<name>.*?)'\.(?: Did you mean (?P<close>.+)\?)?$", re.S),
     lambda m: f"Comando desconhecido: '{m['name']}'."
     + (f" Você quis dizer {_or(m['close'])}?" if m["close"] else "")),
    (re.compile(r"^Missing command\.$"), lambda m: "Falta o comando."),
    (re.compile(r"^Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)$", re.S),
     lambda m: f"Argumento a mais: {m['args']}."),
    (re.compile(r"^Option '(?P<opt>.*?)' requires (?:an argument|(?P<n>\d+) arguments)\.$"),
     lambda m: f"A opção '{m['opt']}' precisa de {m['n'] + ' valores' if m['n'] else 'um valor'}."),
    (re.compile(r"^Option '(?P<opt>.*?)' does not take a value\.$"),
     lambda m: f"A opção '{m['opt']}' não aceita valor."),
)
# Pydantic's reasons (Typer validates values with it), by error type.
_REASONS = {
    "int_parsing": "'{input}' não é um número inteiro",
    "int_from_float": "'{input}' não é um número inteiro",
    "float_parsing": "'{input}' não é um número",
    "bool_parsing": "'{input}' não é sim nem não",
    "enum": "'{input}' não é uma das opções ({expected})",
    "literal_error": "'{input}' não é uma das opções ({expected})",
    "greater_than_equal": "'{input}' é menor que o mínimo ({ge})",
    "greater_than": "'{input}' deveria ser maior que {gt}",
    "less_than_equal": "'{input}' é maior que o máximo ({le})",
    "less_than": "'{input}' deveria ser menor que {lt}",
}

_installed = False


def install() -> None:
    """Put the Portuguese texts in place (idempotent)."""
    global _installed
    if _installed:
        return
    for name, text in _PANEL_TITLES.items():
        setattr(rich_utils, name, text)
    rich_utils.OptionHighlighter.highlights = [
        pattern.replace("Usage: ", USAGE_PREFIX) for pattern in rich_utils.OptionHighlighter.highlights]
    _wrap_usage()
    _wrap_option_help()
    typer_core.describe_number_range = _number_range
    typer_core._TyperParameter.display_type_rich = _display_type
    typer_core.TyperOption.display_type_rich = _display_type
    rich_utils.rich_format_error = print_error
    _installed = True


def _wrap_usage() -> None:
    original = click_formatting.HelpFormatter.write_usage

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, portuguese in _USAGE_PIECES:
            args = args.replace(english, portuguese)
        original(self, prog, args, USAGE_PREFIX if prefix is None else prefix)

    click_formatting.HelpFormatter.write_usage = write_usage


def _wrap_option_help() -> None:
    original = rich_utils._get_parameter_help

    def parameter_help(*, param, ctx, markup_mode):
        param.help = _OPTION_HELP.get(param.help, param.help)
        return original(param=param, ctx=ctx, markup_mode=markup_mode)

    rich_utils._get_parameter_help = parameter_help


def _display_type(param: Any, ctx: Any) -> str | None:
    """What an option takes, in words, instead of Python's type names; nothing for flags and arguments
    (an argument's name already says it)."""
    if isinstance(param, typer_core.TyperArgument):
        return None
    if param.metavar is not None:
        return param.metavar
    if getattr(param, "is_bool_flag", False) or getattr(param, "is_flag", False):
        return None
    descriptor = param.type_descriptor
    if descriptor.is_choice:
        return "|".join(str(getattr(c, "value", c)) for c in descriptor.choices or ())
    annotation = descriptor.annotation
    if annotation in (int, float):
        return "N"
    if isinstance(annotation, type) and issubclass(annotation, PurePath):
        return "ARQUIVO"
    return "TEXTO"


def _number_range(low: float | None, high: float | None) -> str | None:
    """`a partir de 1` instead of `x>=1`."""
    if low is None and high is None:
        return None
    if high is None:
        return f"a partir de {low}"
    if low is None:
        return f"até {high}"
    return f"de {low} a {high}"


_NEGATIVE = re.compile(r"-[0-9][0-9.,]*")


def portuguese_message(error: click_errors.ClickException) -> str:
    """The parsing error in Portuguese, rebuilt from its fields where it has them."""
    if isinstance(error, click_errors.NoSuchOption):
        if _NEGATIVE.fullmatch(error.option_name or ""):
            # A negative number reads as an option to the parser: no id nor number here is below 1 (review: "Opção
            # desconhecida: -1" sent the person looking for an option).
            return f"Número inválido: {error.option_name}. Ids e números de pedido e de NF-e são positivos (1 ou mais)."
        text = f"Opção desconhecida: {error.option_name}."
        if error.possibilities:
            text += f" Você quis dizer {_or(', '.join(sorted(error.possibilities)))}?"
        return text
    if isinstance(error, click_errors.MissingParameter):
        return _missing(error)
    if isinstance(error, click_errors.BadParameter):
        hint = error.param.get_error_hint() if error.param is not None else None
        reason = _reason(error)
        return f"Valor inválido para {hint}: {reason}." if hint else f"Valor inválido: {reason}."
    for pattern, build in _MESSAGES:
        found = pattern.match(error.message)
        if found:
            return build(found)
    return error.format_message()


def _missing(error: click_errors.MissingParameter) -> str:
    param = error.param
    hint = param.get_error_hint() if param is not None else ""
    kind = error.param_type or (param.param_type_name if param is not None else "")
    what = {"argument": "o argumento", "option": "a opção"}.get(kind, "o parâmetro")
    text = f"Falta {what} {hint}.".replace("  ", " ")
    choices = _choices(param)
    if choices:
        text += f" Escolha entre: {choices}."
    return text


def _choices(param: Any) -> str | None:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or not descriptor.is_choice:
        return None
    return ", ".join(str(getattr(c, "value", c)) for c in descriptor.choices or ())


def _reason(error: click_errors.BadParameter) -> str:
    cause = error.__cause__
    errors = cause.errors() if hasattr(cause, "errors") else []
    if errors:
        first = errors[0]
        choices = _choices(error.param)
        if choices:
            return f"'{first.get('input')}' não é uma das opções ({choices})"
        template = _REASONS.get(first.get("type"))
        if template:
            limits = {key: value for key, value in (first.get("ctx") or {}).items() if key in ("ge", "gt", "le", "lt")}
            expected = str((first.get("ctx") or {}).get("expected", "")).replace(" or ", " ou ")
            return template.format(input=first.get("input"), expected=expected, **limits)
        return f"'{first.get('input')}' não é aceito"
    return error.message.rstrip(".")


def _or(choices: str) -> str:
    """"'a', 'b', 'c'" -> "'a', 'b' ou 'c'"."""
    head, _, last = choices.rpartition(", ")
    return f"{head} ou {last}" if head else last


def print_error(error: click_errors.ClickException) -> None:
    """Typer's error panel, with the Portuguese message (it replaces `rich_utils.rich_format_error`)."""
    if error.__class__.__name__ == "NoArgsIsHelpError":  # the help was printed already
        return
    console = rich_utils._get_rich_console(stderr=True)
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        console.print(rich_utils.highlighter(ctx.get_usage()), style=rich_utils.STYLE_USAGE_COMMAND)
        if ctx.command.get_help_option(ctx) is not None:
            console.print(rich_utils.RICH_HELP.format(command_path=escape(ctx.command_path),
                                                      help_option=ctx.help_option_names[0]),
                          style=rich_utils.STYLE_ERRORS_SUGGESTION)
    if not console.is_terminal:
        # Into a pipe or a log: one line, as the CLI's other errors (context.fail); a box folded at 80 columns
        # broke the sentence in the middle for whoever greps or parses it.
        console.print(f"Erro: {portuguese_message(error)}", markup=False, highlight=False, soft_wrap=True)
        return
    console.print(Panel(rich_utils.highlighter(portuguese_message(error)),
                        border_style=rich_utils.STYLE_ERRORS_PANEL_BORDER, title=rich_utils.ERRORS_PANEL_TITLE,
                        title_align=rich_utils.ALIGN_ERRORS_PANEL))
