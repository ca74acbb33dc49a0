"""Alembic environment: the engine comes from lojasync (config.attributes), never from an ini file."""

from alembic import context

from lojasync.db.metadata import metadata, objects_of

config = context.config


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration recreates a table (copy, drop, rename); with foreign keys enforced the
            # drop fails as soon as another table has rows pointing at it. SQLite only honours this
            # pragma outside a transaction, so it goes straight to the driver before anything begins.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            # Every module's tables, when the caller imported them (autogenerate compares against these).
            target_metadata=config.attributes.get("metadata", metadata),
            render_as_batch=sqlite,
            include_object=objects_of(connection.dialect.name),
            compare_type=True,
            # On PostgreSQL each revision commits on its own: in one transaction, the first ALTER TABLE's exclusive
            # lock on orders was held through every later revision's data rewrite, blocking even the reads of a
            # process still running (review). SQLite keeps one transaction, whose foreign key check covers it all.
            transaction_per_migration=not sqlite,
        )
        try:
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:  # the copy must keep every reference whole: refuse, the transaction rolls back
                        raise RuntimeError(f"migration left {len(broken)} broken foreign key(s): {broken[:5]}")
            connection.commit()
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


run_migrations_online()
