"""Apply Alembic migrations programmatically: every command that opens the database calls this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from lojasync.db.errors import DatabaseFromNewerVersion

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the latest revision; return True when something was applied.

    A revision this code does not know means a newer lojasync migrated the database: refused before Alembic
    is asked (its own error is a bare "Can't locate revision"), and nothing is written.
    """
    config = alembic_config(engine)
    scripts = ScriptDirectory.from_config(config)
    head = scripts.get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current == head:
        return False
    if current is not None and current not in {script.revision for script in scripts.walk_revisions()}:
        url = engine.url
        where = url.database if url.get_backend_name() == "sqlite" else f"em {url.host}/{url.database}"
        raise DatabaseFromNewerVersion(where=where, revision=current, head=head)
    command.upgrade(config, "head")
    return True


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
