"""Trigram indexes for the order search on PostgreSQL: with `pg_trgm`, a GIN index answers
`LIKE '%costela%'` from the index instead of reading all the orders (98 ms -> under 2 ms for 100,000 orders,
`benchmarks/web_orders.py`). SQLite has no such index; its search reads the covering index (`ix_orders_search`).

`pg_trgm` is a trusted extension (PostgreSQL 13+): the database's owner can create it without being a
superuser. A server where it cannot be created (a role without the right, a build without the contrib
modules) still migrates and searches with the same results, only by reading every order: said once, in the log
of the migration that could not create it.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

EXTENSION = "pg_trgm"
# A fixed schema, never the current one: a schema dropped with CASCADE (each test session has its own) would
# take the extension, and every other schema's indexes, with it.
SCHEMA = "public"

# The indexed columns of `orders` and their index names (tables.py declares the same).
INDEXED = {"search_name": "ix_orders_search_name_trgm", "search_document": "ix_orders_search_document_trgm"}

RESOLUTION = ("A busca de pedidos funciona, mas lê todos os pedidos a cada busca. Para acelerá-la, peça a quem "
              "administra o PostgreSQL: CREATE EXTENSION pg_trgm WITH SCHEMA public; (no banco do lojasync) e "
              "depois crie os índices: {statements}")


def trigram_schema(connection: Connection, extension: str = EXTENSION) -> str | None:
    """The schema of the trigram operators, creating the extension in `public` when it is not there yet;
    None (and a warning) when it cannot be created. Any failure stays inside a savepoint: the migration's
    transaction goes on."""
    found = installed_schema(connection, extension)
    if found is not None:
        return found
    try:
        with connection.begin_nested():
            connection.execute(text(f'CREATE EXTENSION IF NOT EXISTS "{extension}" WITH SCHEMA {SCHEMA}'))
    except DBAPIError as error:
        # Two databases migrated at once can both miss it and both create it: IF NOT EXISTS does not stop the
        # second, which waits for the first to commit and then fails on the catalog's unique key. It is there.
        found = installed_schema(connection, extension)
        if found is None:
            log.warning("order search without trigram indexes: extension unavailable",
                        extra={"extension": extension, "error_class": type(error.orig).__name__,
                               "error": str(error.orig).splitlines()[0],
                               "resolution": RESOLUTION.format(statements=" ".join(index_statements(SCHEMA)))})
        return found
    return installed_schema(connection, extension)


def installed_schema(connection: Connection, extension: str = EXTENSION) -> str | None:
    return connection.execute(text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                                   "ON n.oid = e.extnamespace WHERE e.extname = :name"),
                              {"name": extension}).scalar()


def index_statements(schema: str) -> list[str]:
    """The CREATE INDEX statements, with the operator class of the extension's schema (named in full: the
    search path of lojasync's connections need not include it)."""
    return [f'CREATE INDEX IF NOT EXISTS {name} ON orders USING gin ({column} "{schema}".gin_trgm_ops);'
            for column, name in INDEXED.items()]
