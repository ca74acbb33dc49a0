"""Use cases for the operator: list the LGPD data exports and write one to a private file."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from lojasync.nuvemshop.errors import ExportNotFound, ExportOfSeveralStores
from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.shared.private_files import PRIVATE_FILE
from lojasync.shared.whole_files import replace_whole


def list_exports(uow: ConnectorUnitOfWork) -> list[dict]:
    with uow:
        return uow.lgpd_exports.list()


def write_export(uow: ConnectorUnitOfWork, request_id: str, output: Path, store: str | None = None) -> Path:
    """Write one export to a file only its owner can read. `store`: the Nuvemshop id of the store whose request it
    is, needed when two stores sent the same request id (review: the newest was written, perhaps another person's
    data, to be sent to whoever asked)."""
    with uow:
        found = [(s, c) for s, c in uow.lgpd_exports.contents(request_id) if store is None or s == store.strip()]
    if not found:
        raise ExportNotFound(request_id=request_id)
    if len(found) > 1:
        raise ExportOfSeveralStores(request_id=request_id, stores=", ".join(s for s, _ in found))
    content = found[0][1]
    output.parent.mkdir(parents=True, exist_ok=True)
    # Whole or not at all, private from its first byte (a full disk truncated the file that was there).
    replace_whole(output, json.dumps(content, ensure_ascii=False, indent=2).encode("utf-8"), PRIVATE_FILE)
    return output


def purge_exports(uow: ConnectorUnitOfWork, before: datetime) -> int:
    """Delete exports made before `before` (in the caller's transaction)."""
    return uow.lgpd_exports.purge(before)
