"""The store's variants of a few products are found through the products' index, whatever the store's catalog."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import event as sa_event

from lojasync.nuvemshop.model.bindings import ProductBinding
from lojasync.stock.products import Product
from tests.factories import make_store


def _bind(uow, store_id: int, variant: str, product: Product, gone: bool = False) -> None:
    binding = ProductBinding(store_id, variant, "1")
    binding.product = product
    if gone:
        binding.gone_at = datetime.now(timezone.utc)
    uow.bindings.add(binding)


def test_a_stores_variants_of_some_products_are_read_by_the_products_index(app):
    """Only the store's live variants of these products come back, read by the products' index: given the store in
    the query, SQLite walked the unique (store, variant) index, every variant of the store's catalog, on each import
    page and stock push."""
    if app.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    here, other = make_store(app), make_store(app, "7654321")
    with app.uow() as uow:
        wanted, unrelated = Product("SKU-A", "Camiseta", Decimal("10")), Product("SKU-B", "Caneca", Decimal("5"))
        uow.products.add(wanted)
        uow.products.add(unrelated)
        _bind(uow, here, "11", wanted)
        _bind(uow, here, "12", wanted, gone=True)
        _bind(uow, here, "13", unrelated)
        _bind(uow, other, "21", wanted)
        uow.commit()
        product_ids = [wanted.id, unrelated.id]
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append((statement, parameters))

    with app.uow() as uow:
        sa_event.listen(app.engine, "before_cursor_execute", record)
        try:
            # Two products or more: for one, SQLite took the products' index anyway.
            found = uow.bindings.products_for(product_ids, store_id=here)
        finally:
            sa_event.remove(app.engine, "before_cursor_execute", record)
        assert [(b.store_id, b.external_variant_id) for b in found] == [(here, "11"), (here, "13")]
        reads = [(s, p) for s, p in statements if "FROM nuvemshop_product_bindings" in s]
        assert reads
        for statement, parameters in reads:
            plan = " ".join(row[-1] for row in uow.session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters))
            assert "ix_nuvemshop_product_bindings_product_id" in plan, plan
