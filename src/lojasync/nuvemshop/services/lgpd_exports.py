"""LGPD data exports kept in the database, so whoever operates lojasync can hand them over."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, insert, select

from lojasync.db.tables import lgpd_exports, stores
from lojasync.db.unit_of_work import UnitOfWork


class ExportNotFound(LookupError):
    def __init__(self, request_id: str) -> None:
        self.message = f"Nenhuma exportação LGPD com o pedido {request_id}."
        super().__init__(self.message)


def save_export(uow: UnitOfWork, store_id: int, request_id: str, content: dict) -> None:
    """Keep the newest export of a request (a re-delivery replaces it); the caller commits."""
    uow.session.execute(delete(lgpd_exports).where(lgpd_exports.c.store_id == store_id,
                                                   lgpd_exports.c.request_id == request_id))
    uow.session.execute(insert(lgpd_exports).values(store_id=store_id, request_id=request_id, content=content))


def list_exports(uow: UnitOfWork) -> list[dict]:
    with uow:
        rows = uow.session.execute(
            select(lgpd_exports.c.request_id, stores.c.external_id, lgpd_exports.c.created_at)
            .join(stores, stores.c.id == lgpd_exports.c.store_id).order_by(lgpd_exports.c.id.desc()))
        return [{"request_id": r, "store": s, "created_at": c.isoformat()} for r, s, c in rows]


def write_export(uow: UnitOfWork, request_id: str, output: Path) -> Path:
    """Write one export to a file only its owner can read."""
    with uow:
        content = uow.session.scalar(select(lgpd_exports.c.content).where(lgpd_exports.c.request_id == request_id)
                                     .order_by(lgpd_exports.c.id.desc()))
    if content is None:
        raise ExportNotFound(request_id)
    output.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(content, handle, ensure_ascii=False, indent=2)
    return output


def purge_exports(uow: UnitOfWork, before: datetime) -> int:
    return uow.session.execute(delete(lgpd_exports).where(lgpd_exports.c.created_at < before)).rowcount or 0
