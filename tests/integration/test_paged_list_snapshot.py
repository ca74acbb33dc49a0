"""A paged list's rows and its total are read from one snapshot of the database (review: on PostgreSQL, READ
COMMITTED, `GET /api/v1/stock?limit=` read the page and then counted the products; a product imported between the
two statements gave an X-Total-Count that disagreed with the pages). Readers see the database as at their first
statement, on both databases; the test commits a row between the two statements, without timing."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import event

from lojasync.db.tables import products
from lojasync.stock.views import counted_stock_levels


def _product(conn, sku: str) -> None:
    conn.execute(products.insert().values(sku=sku, name=f"Produto {sku}", price=Decimal("10.00")))


def test_a_stock_page_and_its_total_come_from_one_snapshot(app):
    with app.engine.begin() as conn:
        _product(conn, "A-1")
        _product(conn, "A-2")
    imported = []

    def import_between(conn, cursor, statement, parameters, context, executemany):
        # Right after the page's rows were read, another process commits a product (as an import would).
        if not imported and statement.lstrip().upper().startswith("SELECT") and "products" in statement \
                and "LIMIT" in statement.upper():
            imported.append(True)
            with app.engine.begin() as other:
                _product(other, "B-3")

    event.listen(app.engine, "after_cursor_execute", import_between)
    try:
        rows, total = counted_stock_levels(app.read_uow(), 10, 0)
    finally:
        event.remove(app.engine, "after_cursor_execute", import_between)
    assert imported, "the page's statement was not seen"
    assert [r["sku"] for r in rows] == ["A-1", "A-2"] and total == 2
    # The next read sees it.
    rows, total = counted_stock_levels(app.read_uow(), 10, 0)
    assert [r["sku"] for r in rows] == ["A-1", "A-2", "B-3"] and total == 3
