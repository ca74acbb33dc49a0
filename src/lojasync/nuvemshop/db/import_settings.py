"""The import rules stored in the lojasync (table import_settings): read all at once, written one by one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lojasync.nuvemshop.db.tables import import_settings


@dataclass(frozen=True)
class StoredSetting:
    value: object          # as JSON gave it back
    updated_at: datetime
    updated_by: str | None


class ImportSettingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> dict[str, StoredSetting]:
        rows = self.session.execute(select(import_settings)).all()
        return {r.key: StoredSetting(r.value, r.updated_at, r.updated_by) for r in rows}

    def put(self, key: str, value: object, updated_by: str | None, now: datetime) -> None:
        values = {"value": value, "updated_at": now, "updated_by": updated_by}
        change = update(import_settings).where(import_settings.c.key == key).values(**values)
        if self.session.execute(change).rowcount:
            return
        try:
            with self.session.begin_nested():
                self.session.execute(insert(import_settings).values(key=key, **values))
        except IntegrityError:   # two people saved the same rule at once: the later one wins
            self.session.execute(change)

    def remove(self, key: str) -> bool:
        return bool(self.session.execute(delete(import_settings).where(import_settings.c.key == key)).rowcount)
