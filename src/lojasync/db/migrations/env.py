"""Alembic environment: the engine comes from lojasync (config.attributes), never from an ini file."""

from alembic import context

from lojasync.db.metadata import metadata

config = context.config


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            # Every module's tables, when the caller imported them (autogenerate compares against these).
            target_metadata=config.attributes.get("metadata", metadata),
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
