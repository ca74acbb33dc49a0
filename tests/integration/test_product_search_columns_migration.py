"""Migration 0058: each product kept before gets its folded name and SKU, which the Estoque list searches and sorts
by (it reads a page at a time from the database now), and a product written afterwards gets them from the ORM."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from alembic import command

from lojasync.stock.products import Product
from tests.integration.old_database import database_at


def test_products_kept_before_get_their_search_columns(tmp_path):
    engine, config, now = database_at(tmp_path, "0057")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO products (id, sku, name, price, created_by_store, created_at) VALUES "
                             "(7, 'CAFÉ-1', :name, 1000, 0, :now), (8, NULL, 'Ímã', 500, 1, :now)"),
                     {"name": "Cafe\u0301\u00a0D’Ávila  Straße", "now": now})

    command.upgrade(config, "head")

    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT id, search_name, search_sku FROM products ORDER BY id")).all()
    assert [tuple(row) for row in stored] == [(7, "cafe d'avila strasse", "cafe-1"), (8, "ima", "")]
    command.downgrade(config, "0057")


def test_a_product_written_gets_its_search_columns(app):
    with app.uow() as uow:
        product = Product("KIT-Á", "Kit  Açúcar", Decimal("1.00"))
        uow.products.add(product)
        uow.commit()
    with app.uow() as uow:   # renamed (one loaded row changed: written directly, `direct_writes`)
        (product,) = uow.products.list()
        product.name, product.sku = "Pão ﬁno", None
        uow.commit()
    with app.engine.connect() as conn:
        assert tuple(conn.execute(sa.text("SELECT search_name, search_sku FROM products")).one()) == ("pao fino", "")
