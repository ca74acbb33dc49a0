"""The classical mapping covers every column: a class-level default must never shadow one."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.orm.attributes import InstrumentedAttribute

from lojasync.db.orm import mapper_registry


def test_every_column_of_every_mapped_class_is_instrumented(app):
    mappers = list(mapper_registry.mappers)
    assert len(mappers) >= 10
    for mapper in mappers:
        for column in mapper.local_table.columns:
            if column.name == "insert_sentinel":
                continue
            attribute = getattr(mapper.class_, column.key, None)
            assert isinstance(attribute, InstrumentedAttribute), f"{mapper.class_.__name__}.{column.key}"
        assert inspect(mapper.class_) is mapper
