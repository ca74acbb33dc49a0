"""Structured logs: one JSON object per line (or readable text), never a token, never a whole CPF/CNPJ.

`MaskingFilter` rewrites each record before any handler formats it: CPF/CNPJ (raw or formatted, the
alphanumeric CNPJ too) keep only their last four characters, and secrets (bearer values, 40-hex tokens,
`token=...`-like pairs, extras whose key names a secret) become `***`.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lojasync.shared.private_files import PRIVATE_FILE, tighten

REDACTED = "***"

_SECRET_KEY = re.compile(r"token|secret|authori[sz]ation|authentication|password|passwd|api[_-]?key",
                         re.IGNORECASE)
# `access_token=abc`, `"token": "abc"`, `Authentication: bearer abc` inside a message.
_SECRET_PAIR = re.compile(
    r"""(?P<key>[\w-]*(?:token|secret|authori[sz]ation|authentication|password|passwd|api[_-]?key)[\w-]*)"""
    r"""(?P<sep>["']?\s*[:=]\s*["']?)(?P<value>(?:bearer\s+)?[^\s"'&,;)}\]]+)""",
    re.IGNORECASE)
_BEARER = re.compile(r"(?P<word>\bbearer\s+)[A-Za-z0-9\-._~+/]+=*", re.IGNORECASE)
_HEX40 = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{40}(?![0-9A-Fa-f])")
# Looked for at every position (a lookahead), so that a document glued by its punctuation to other
# digits ("000000000000-12.345.678/0001-95") is still found whole.
_TAX_ID = re.compile(r"""(?=(
      (?<![0-9])\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?![0-9])                                      # CPF
    | (?<![0-9])\d{2}\.?\d{3}\.?\d{3}/?\d{4}-?\d{2}(?![0-9])                                # CNPJ
    | (?<![0-9])[0-9A-Za-z]{2}\.[0-9A-Za-z]{3}\.[0-9A-Za-z]{3}/[0-9A-Za-z]{4}-\d{2}(?![0-9])  # CNPJ, letters
    | (?<![0-9A-Za-z])[0-9A-Za-z]{12}\d{2}(?![0-9A-Za-z])                                  # CNPJ, letters, raw
    ))""", re.VERBOSE | re.ASCII)
_ALNUM = re.compile(r"[0-9A-Za-z]")

# Attributes every LogRecord has: whatever else is on a record came from `extra`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


def mask_tax_id(document: str) -> str:
    """'123.456.789-09' -> '***.***.*89-09': punctuation stays, only the last four characters show."""
    keep = len(_ALNUM.findall(document)) - 4
    out = []
    for char in document:
        if _ALNUM.match(char):
            out.append("*" if keep > 0 else char)
            keep -= 1
        else:
            out.append(char)
    return "".join(out)


def mask_text(text: str) -> str:
    """Remove secrets and mask CPF/CNPJ in free text (secrets first: a token may hold a run of digits)."""
    text = _SECRET_PAIR.sub(lambda m: f"{m['key']}{m['sep']}{REDACTED}", text)
    text = _BEARER.sub(lambda m: f"{m['word']}{REDACTED}", text)
    text = _HEX40.sub(REDACTED, text)
    return _mask_tax_ids(text)


def _mask_tax_ids(text: str) -> str:
    hidden: set[int] = set()
    for match in _TAX_ID.finditer(text):
        start, end = match.span(1)
        hidden.update([i for i in range(start, end) if _ALNUM.match(text[i])][:-4])
    if not hidden:
        return text
    return "".join("*" if i in hidden else c for i, c in enumerate(text))


def mask_value(value: Any, key: str | None = None) -> Any:
    """Mask an `extra` value: secrets by key name, documents and tokens inside strings, recursively."""
    if key is not None and _SECRET_KEY.search(key):
        return REDACTED
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int):  # a document sent as a number
        masked = mask_text(str(value))
        return value if masked == str(value) else masked
    if isinstance(value, dict):
        return {k: mask_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [mask_value(v) for v in value]
    return mask_text(str(value))  # the formatter would print str() anyway


def extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class MaskingFilter(logging.Filter):
    """Rewrite the record in place so that every handler, ours or not, sees only masked data."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_lojasync_masked", False):
            return True
        record.msg = mask_text(record.getMessage())
        record.args = None
        for key, value in extras(record).items():
            setattr(record, key, mask_value(value, key))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # Formatters print exc_text when it is set and never format exc_info again.
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        record._lojasync_masked = True
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and every extra field."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in extras(record).items():
            entry[key if key not in entry else f"extra_{key}"] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger message key=value ...` for a person reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        pairs = " ".join(f"{k}={_text_value(v)}" for k, v in extras(record).items())
        return f"{line} {pairs}" if pairs else line


def _text_value(value: Any) -> str:
    if isinstance(value, str) and value and not any(c.isspace() or c in "\"=" for c in value):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is now (test runners and daemons replace it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


class _TerminalFilter(logging.Filter):
    """Records at `level` and above; and the migrations' warnings, whatever the command: a migration runs once, with
    whichever command comes first, and what it could not do (PostgreSQL's pg_trgm, with the statements that create
    it) is said there or nowhere (review: `db upgrade` had become silent about it)."""

    SAID_ANYWAY = ("lojasync.db",)

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level or (record.levelno >= logging.WARNING
                                                and record.name.startswith(self.SAID_ANYWAY))


def configure_logging(settings, terminal_level: str | None = None) -> logging.Handler:
    """Log to stderr at `settings.log_level`, as JSON lines when `settings.log_json`; safe to call again.
    `terminal_level`: what stderr shows, when higher (a command run once: its own messages say what happened)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_lojasync", False)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler._lojasync = True
    handler.setFormatter(JsonFormatter() if settings.log_json else TextFormatter())
    if terminal_level is not None:
        handler.addFilter(_TerminalFilter(logging.getLevelName(terminal_level.upper())))
    root.addHandler(handler)
    for each in root.handlers:  # handlers others installed mask too
        if not any(isinstance(f, MaskingFilter) for f in each.filters):
            each.addFilter(MaskingFilter())
    root.setLevel(str(settings.log_level).upper())
    return handler


# The error log is kept to this size, and the last ERROR_LOG_KEPT files before it (review: one file, growing for
# ever with every traceback a process met).
ERROR_LOG_BYTES = 10 * 1024 * 1024
ERROR_LOG_KEPT = 3


class _QuietFileHandler(logging.FileHandler):
    """A log file that cannot be written (a full disk) loses the record, quietly: the terminal already shows the
    error's line, and logging's own traceback ("--- Logging error ---") on top of it would bury that line. Private
    from its first byte (tracebacks may quote data)."""

    def __init__(self, filename: str) -> None:
        super().__init__(filename, encoding="utf-8")

    def _open(self):
        return open(_own_private_file(self.baseFilename), self.mode, encoding=self.encoding)

    def handleError(self, record: logging.LogRecord) -> None:
        pass


def _rotate_if_full(path: str) -> None:
    """Past ERROR_LOG_BYTES, the file becomes `.1` (`.1` becomes `.2`...; ERROR_LOG_KEPT kept) before this process
    writes to it. Rotated when a command opens it, not while processes write (own-commits review: rotating on write,
    two commands writing at once kept rotating each other's file, the details they had just pointed to lost); a
    command writes a few tracebacks at most."""
    try:
        if os.path.getsize(path) <= ERROR_LOG_BYTES:
            return
        for index in range(ERROR_LOG_KEPT - 1, 0, -1):
            if os.path.exists(f"{path}.{index}"):
                os.replace(f"{path}.{index}", f"{path}.{index + 1}")
        os.replace(path, f"{path}.1")
    except OSError:   # another command rotated it meanwhile, or the folder refuses: the file is written as it is
        return


def _own_private_file(path: str) -> int:
    """`path` opened to append, created 0600; refused (OSError) when it is a link or someone else's file: in a
    shared temporary folder another user could have planted it, readable by them (review)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0), 0o600)
    status = os.fstat(fd)
    if hasattr(os, "getuid") and status.st_uid != os.getuid():
        os.close(fd)
        raise OSError(errno.EPERM, "o arquivo de log é de outro usuário", path)
    return fd


def error_file_logger(path) -> logging.Logger:
    """A logger that writes only to `path` (masked, text): where a CLI puts the traceback of a bug, so the
    terminal shows one line and the file keeps the detail."""
    logger = logging.getLogger("lojasync.errors")
    target = str(path)
    if not any(getattr(h, "baseFilename", None) == os.path.abspath(target) for h in logger.handlers):
        # Never creates the folder (a command run in the wrong place must leave nothing behind); the
        # file is private like the database: tracebacks may quote data.
        os.close(_own_private_file(target))
        tighten(Path(target), PRIVATE_FILE)  # a log left readable by an earlier version
        _rotate_if_full(target)
        handler = _QuietFileHandler(target)
        handler.addFilter(MaskingFilter())
        handler.setFormatter(TextFormatter())
        logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.ERROR)
    return logger
