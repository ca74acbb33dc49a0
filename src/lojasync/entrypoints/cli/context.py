"""The CLI's lazily built container, and how it tells a person about errors.

Commands that never touch the database never open it. A `LojasyncError` becomes its message, its
resolution and the command that acts on it; anything else is a bug: one line with a reference, and the
traceback in the log file of the data folder.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import getpass
import logging
import os
import secrets
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typer
from rich.markup import escape

from lojasync.bootstrap import Container, bootstrap
from lojasync.entrypoints.cli.launch import INTERRUPTED as INTERRUPTED  # one value, also while starting
from lojasync.entrypoints.cli.safe_console import safe_console
from lojasync.entrypoints.worker_words import with_worker_words
from lojasync.observability.logging import configure_logging, error_file_logger
from lojasync.sales.history import Person
from lojasync.settings import load_settings
from lojasync.shared.errors import Action, LojasyncError, terminal_commands
from lojasync.shared.os_words import in_portuguese

console = safe_console()
err_console = safe_console(stderr=True)
_container: Container | None = None
log = logging.getLogger("lojasync.cli")

T = TypeVar("T")

# How a person acts on an error from the terminal.
COMMANDS = {
    Action.SYNC: "lojasync sync",
    Action.RETRY_EVENT: "lojasync events retry ID (ou --all)",
    Action.CONNECT_STORE: "lojasync store install-link (ou lojasync store add --store ID --access-token TOKEN)",
    Action.RECONNECT_STORE: "lojasync store install-link (ou lojasync store add --store ID --access-token TOKEN)",
    Action.CHOOSE_STORE: "repita o comando com --store ID (veja lojasync store list)",
    Action.TRY_AGAIN: "repita o comando",
    Action.CONFIRM: "repita o comando com --force",
    Action.DISABLE_STORE: "lojasync store disable ID",
    Action.ENABLE_STORE: "lojasync store enable ID",
    Action.RESET_SECRETS: "restaure secret.key; sem backup: lojasync secrets reset (e reconecte as lojas)",
    Action.SET_COMPANY: "lojasync company set --name ... --cnpj ... --ie ... (veja lojasync company set --help)",
    Action.INSTALL_CERTIFICATE: "lojasync company certificate ARQUIVO",
    Action.SEE_INVOICES: "lojasync invoices list",
    Action.SEE_SALES: "lojasync sales list",
    Action.APPROVE_INVOICE: "lojasync invoices approve {invoice_id}",
    Action.DISCARD_INVOICE: "lojasync invoices cancel {invoice_id} --reason MOTIVO",
}
ERROR_LOG = "lojasync-erros.log"

# Exit codes a script can switch on (sysexits.h names the last two): 1 the command was refused (not found, a state
# that does not allow it, wrong data: a person acts), 2 the command line itself is wrong (Typer), 70 a defect of
# lojasync (the reference is in the log), 75 something outside is unavailable right now (SEFAZ, the store, another
# process writing the same rows): the same command may work later, nothing was done by half; 130 it was interrupted
# (Ctrl+C: the shell's 128 + SIGINT).
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_UNEXPECTED = 70
EXIT_TRY_AGAIN = 75


def container(create: bool = False, say_new: bool = True) -> Container:
    """The process's container. Only the first steps of an installation (store add, install-link, company set,
    users add, tokens add, serve, worker, db upgrade) pass `create`: any other, run in the wrong folder, says no
    database was found instead of leaving an empty one behind. A database they create is said on stderr, unless
    `say_new` is False (a command that names the database it used anyway)."""
    global _container
    if _container is None:
        settings = load_settings()
        quiet = not _LOGS_SHOWN["all"] and "LOJASYNC_LOG_LEVEL" not in os.environ
        configure_logging(settings, terminal_level="CRITICAL" if quiet else None)
        root = logging.getLogger()
        for handler in [h for h in root.handlers if isinstance(h, _ErrorsToFile)]:
            root.removeHandler(handler)
        if quiet:
            root.addHandler(_ErrorsToFile())
        new_file = _new_sqlite_file(settings) if create and say_new else None
        _container = bootstrap(settings, create=create)
        if new_file is not None and new_file.exists():
            # A first step run in a shell without the server's environment (sudo, a new SSH session) made an empty
            # database here, and said "Usuário criado" as if it were the server's (review).
            err_console.print(f"Banco novo criado em {new_file}: se o lojasync já roda com outro banco, este terminal "
                              "não tem o ambiente dele (LOJASYNC_DATABASE_URL, LOJASYNC_DATA_DIR).", highlight=False,
                              soft_wrap=True)   # the path whole, to copy
    return _container


def _new_sqlite_file(settings) -> Path | None:
    """The embedded database's file when it does not exist yet (the command about to run creates it); else None."""
    if settings.database_url:
        return None
    path = settings.embedded_database_file
    return None if path.exists() else path


# A command run once (store push, invoices approve...) says what happened in its own Portuguese words, and a bug's
# detail goes to the data folder's lojasync-erros.log: the log's lines beside them were English, technical ones
# (review: six "WARNING lojasync.nuvemshop ... status=null" over a "Ficaram para depois"). Shown for the long-running
# commands (serve, worker, the simulators, the demo), and for any command when LOJASYNC_LOG_LEVEL is set; the
# migrations' warnings always (`observability.logging._TerminalFilter`).
_LOGS_SHOWN = {"all": True}


def show_warnings_in_terminal(shown: bool) -> None:
    _LOGS_SHOWN["all"] = shown


def terminal_person() -> Person:
    """Who the order history names for a command typed here: the system login running it (the CLI has no
    lojasync login; whoever can run it can read the data folder anyway)."""
    try:
        login = getpass.getuser()
    except (OSError, KeyError):   # no USER/LOGNAME and no passwd entry (some containers)
        login = None
    return Person.terminal(login)


def adopt_container(app: Container) -> None:
    """A command that builds its own container (the demo, on its own data folder) makes it the process's: an
    unexpected error's detail then goes to that folder's lojasync-erros.log, as the message says."""
    global _container
    _container = app


def reset_container() -> None:
    """Forget the container (tests run many commands with different settings in one process)."""
    global _container
    if _container is not None:
        _container.close()
    _container = None


def usage_error(message: str) -> None:
    """A command line that cannot be run as written (an unknown --status, two options that exclude each other,
    neither of two required): exit 2, as for Typer's own usage errors, not 1 (a refusal about the data)."""
    fail(message, EXIT_USAGE)


def fail(message: str, code: int = 1) -> None:
    # Into a pipe or a file (a script's log), one line per line of the message: folded at rich's 80 columns, a
    # sentence broke in the middle ("o pedido está\nCancelado.") for whoever greps or parses it.
    # Escaped: the message carries outside text (SEFAZ's reasons, SKUs, what was typed), which rich would read as
    # markup: "[nItem:1]" vanished, and "[/]" crashed the command (MarkupError) inside this very error path.
    err_console.print(f"[bold red]Erro:[/] {escape(message)}", highlight=False, soft_wrap=not err_console.is_terminal)
    raise typer.Exit(code)


def ask_secret(labels: tuple[str, ...], missing: str, default: str | None = None) -> list[str]:
    """Each of `labels` asked in turn for a secret (a password), on stderr (stdout is the result's): hidden at a
    terminal; from a script, its lines read from the input as they come (without getpass's English warning that it
    cannot hide them), a Windows line's "\r" left out. Nothing to read from the input: `missing` said, exit 1."""
    hidden = sys.stdin is not None and sys.stdin.isatty()
    if not hidden:
        return [_line_from_input(label, missing, default) for label in labels]
    return [typer.prompt(label, default=default, show_default=False, hide_input=True, err=True).rstrip("\r")
            for label in labels]


def _line_from_input(label: str, missing: str, default: str | None) -> str:
    """One secret from a script's input, as click's prompt reads it (an empty line is asked again, or is `default`),
    without click's " " written to stdout after the label (review: stdout began with a space before the JSON)."""
    while True:
        err_console.print(f"{label}: ", end="", highlight=False, markup=False)
        line = sys.stdin.readline() if sys.stdin is not None else ""
        if not line:   # the input ended: nothing to read
            err_console.print("", highlight=False)
            fail(missing)
        value = line.rstrip("\n").rstrip("\r")
        if value:
            return value
        if default is not None:
            return default


class _Known(dict):
    """A command's placeholders filled from the error's parameters; one it lacks stays as written (ID)."""

    def __missing__(self, key: str) -> str:
        return key.split("_")[-1].upper()


def explain(error: LojasyncError) -> str:
    """The error as the terminal shows it: message, resolution, command."""
    lines = [error.message]
    if error.resolution:
        lines.append(f"Resolução: {error.resolution}")
    command = COMMANDS.get(error.action) if error.action else None
    # The error's own command for the same subcommand, filled in for this case, replaces the action's general one.
    if command and not any(_subcommand(extra) == _subcommand(command) for extra in error.terminal_commands):
        command = command.format_map(_Known(error.params))
        lines.append(f"No terminal: {command}")
    lines.extend(f"No terminal: {extra}" for extra in error.terminal_commands)
    return "\n".join(lines)


def _subcommand(command: str) -> tuple[str, ...]:
    """("lojasync", "company", "set") of "lojasync company set --name ..."."""
    return tuple(command.split()[:3])


def friendly_errors(func: Callable[..., T]) -> Callable[..., T]:
    """Errors a person can act on in Portuguese with exit code 1; bugs as one line and a log reference."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BrokenPipeError:
            _reader_gone()
        except LojasyncError as exc:
            if exc.__cause__ is not None:
                # The driver's or library's words help whoever maintains the machine, not the screen.
                _log_detail(exc, "error with a technical cause", reference=exc.code)
            if exc.left_to_worker:
                _say_no_worker(exc)
            fail(explain(exc), exit_code(exc))
        except typer.Exit:
            raise
        except (typer.Abort, KeyboardInterrupt):
            # Ctrl+C (at a prompt, click's Abort): 130, as every command interrupted says it (`sync`, a batch), not
            # click's 1 (review: a script could not tell an interruption from a refusal).
            err_console.print("Interrompido.", highlight=False)
            raise typer.Exit(INTERRUPTED) from None
        except Exception as exc:  # noqa: BLE001 - a bug: reported with a reference, never dressed as advice
            if _disk_full(exc):
                _no_room(exc)
            reference = secrets.token_hex(4)
            where = _log_detail(exc, "unexpected error", reference)
            fail(f"Erro inesperado ({type(exc).__name__}), referência {reference}. O detalhe técnico foi gravado "
                 f"{where}; informe a referência a quem mantém o lojasync.", EXIT_UNEXPECTED)
        finally:
            try:  # what print() left in the buffer: a reader gone (| head) shows here, not as a message at exit
                if sys.stdout is not None:   # None when started with the output closed (>&-)
                    sys.stdout.flush()
            except BrokenPipeError:
                _reader_gone()
            except OSError as exc:
                if not _disk_full(exc):
                    raise
                _no_room(exc)

    return wrapper


def say_attention(warning: str | Callable[[], str | None] | None) -> None:
    """A warning about what was just done, on stderr (stdout is the result, JSON included), with its terminal
    command when it has one (`shared.errors.Gap`). A function giving it is called here, and its failure (the
    database unreachable now) says nothing: the result it adds to was given, or is about to be (review: an NF-e
    authorised was reported as the database's error by the read of this warning)."""
    if callable(warning):
        try:
            warning = warning()
        except Exception:
            log.debug("a warning after the result could not be read", exc_info=True)
            return
    if not warning:
        return
    err_console.print(f"[yellow]Atenção:[/] {escape(warning)}", highlight=False, soft_wrap=not err_console.is_terminal)
    for command in terminal_commands([warning]):
        err_console.print(f"No terminal: {escape(command)}", highlight=False, soft_wrap=not err_console.is_terminal)


def _say_no_worker(exc: LojasyncError) -> None:
    """`exc`'s resolution saying when no worker runs to do what it promises (`entrypoints.worker_words`); nothing
    when this process cannot reach its database (the error may be about that)."""
    if _container is None:   # the command failed before opening the database: nothing to ask it (review)
        return
    with contextlib.suppress(Exception):   # the error itself is what the person reads
        with_worker_words(_container, exc)


def _disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def _no_room(exc: OSError) -> None:
    # The output or a file could not be written (`> /dev/full`, a full disk): the machine's state, not a defect.
    fail(f"Não foi possível gravar ({in_portuguese(exc)}): libere espaço, ou mande a saída para outro lugar, e "
         "rode o comando de novo.")


def exit_code(error: LojasyncError) -> int:
    """75 when trying again later may work; a broken configuration (a database URL, a folder) is retryable for the
    worker that waits for it, but from the terminal a person fixes it first (README: "saída com código 1")."""
    if error.retryable and error.action is not Action.CONFIGURE:
        return EXIT_TRY_AGAIN
    return EXIT_REFUSED


def _reader_gone() -> None:
    """Whoever piped the output chose to read less: no message, exit 1, as rich does for its own output."""
    console.on_broken_pipe()


def _log_detail(exc: Exception, what: str, reference: str) -> str:
    """Write the traceback where a developer will find it; return where that is, in words."""
    found = _error_log()
    if found is not None:
        path, logger = found
        logger.error(what, exc_info=exc, extra={"reference": reference})
        return f"em {path}"
    log.debug(what, exc_info=exc, extra={"reference": reference})
    return "no log do processo (LOJASYNC_LOG_LEVEL=DEBUG)"


def _error_log() -> tuple[Path, logging.Logger] | None:
    """The error log's path and logger: the data folder's; without that folder (PostgreSQL needs none, and a
    command never creates it just for this) or where it cannot be written, a private file in the system's
    temporary folder, one per user. None when neither can be written."""
    # Not the settings again: they may be what failed.
    data_dir = _container.settings.data_dir if _container is not None else os.environ.get(
        "LOJASYNC_DATA_DIR", "./lojasync-data")
    for path in (Path(data_dir) / ERROR_LOG, Path(tempfile.gettempdir()) / f"lojasync-erros-{_user_id()}.log"):
        try:
            return path, error_file_logger(path)
        except OSError:
            continue
    return None


class _ErrorsToFile(logging.Handler):
    """A one-shot command's errors logged on its way (a bug it reports and goes on from: a push, an order of a sync)
    go to the error log with their traceback, as a bug that stops a command does: the terminal no longer shows the
    log (review: the traceback was lost, while the message said to report "o erro do log")."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        found = _error_log()
        if found is None:
            return
        # To the file alone: handled by the error logger, the record also reached whatever else hangs on it (test
        # runners attach their capture there), and was seen twice.
        target = os.path.abspath(str(found[0]))
        for handler in found[1].handlers:
            if getattr(handler, "baseFilename", None) == target:
                handler.handle(record)
                return


def record_bug(exc: Exception, reference: str, order_number: int | None = None) -> str:
    """An unexpected error a command reports and goes on from (one order of a batch): its detail to the error log,
    as for a command that stops on one; returns where, in words."""
    return _log_detail(exc, "unexpected error" if order_number is None else f"unexpected error, order {order_number}",
                       reference)


def _user_id() -> str:
    getuid = getattr(os, "getuid", None)
    return str(getuid()) if getuid is not None else os.environ.get("USERNAME", "usuario")
