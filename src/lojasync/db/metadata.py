"""The one SQLAlchemy MetaData every module's tables join, with the helpers they share."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, MetaData, insert_sentinel

from lojasync.db.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


def sentinel() -> Column:
    """SQLite cannot match RETURNING rows to parameters by ROWID, so without a client-side sentinel
    the ORM inserts new rows one statement at a time: a third of the import time."""
    return insert_sentinel("insert_sentinel")


def timestamps() -> list[Column]:
    return [
        Column("created_at", UTCDateTime, nullable=False, default=utcnow),
        Column("updated_at", UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow),
    ]


def objects_of(dialect: str):
    """Alembic's `include_object` for a database of `dialect`: leaves out what the tables declare for another
    database only (an index with `.ddl_if(dialect=...)`), which autogenerate would otherwise ask to create."""

    def include(item, name, type_, reflected, compare_to) -> bool:
        only = getattr(item, "_ddl_if", None)   # where SQLAlchemy keeps `.ddl_if()`: it has no public reader
        return only is None or only.dialect is None or only.dialect == dialect

    return include
