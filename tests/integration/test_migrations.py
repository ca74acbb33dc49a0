"""The Alembic migrations build exactly the schema that tables.py describes."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from lojasync.db.metadata import objects_of
from lojasync.db.tables import metadata


def test_migrated_database_matches_the_table_definitions(app):
    with app.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False,
                                                      "include_object": objects_of(conn.dialect.name)})
        differences = compare_metadata(context, metadata)
    assert differences == []
