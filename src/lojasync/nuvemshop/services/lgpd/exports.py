"""Use cases for the operator: list the LGPD data exports and write one to a private file."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from lojasync.nuvemshop.errors import ExportNotFound
from lojasync.nuvemshop.ports import ConnectorUnitOfWork


def list_exports(uow: ConnectorUnitOfWork) -> list[dict]:
    with uow:
        return uow.lgpd_exports.list()


def write_export(uow: ConnectorUnitOfWork, request_id: str, output: Path) -> Path:
    """Write one export to a file only its owner can read."""
    with uow:
        content = uow.lgpd_exports.content(request_id)
    if content is None:
        raise ExportNotFound(request_id=request_id)
    output.parent.mkdir(parents=True, exist_ok=True)
    # Whole or not at all: written beside it, private from its first byte, then put in its place (a full disk
    # truncated the file that was there and left half an export).
    temporary = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(content, handle, ensure_ascii=False, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)   # whatever the umask left
        os.replace(temporary, output)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return output


def purge_exports(uow: ConnectorUnitOfWork, before: datetime) -> int:
    """Delete exports made before `before` (in the caller's transaction)."""
    return uow.lgpd_exports.purge(before)
