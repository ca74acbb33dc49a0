"""Migration 0039: the bindings made before it are stamped with the newest order of the store that sold that variant
as that product (review: left empty, an older order read again could still bind a renamed variant back)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import command

from tests.integration.old_database import ORDER_ID, database_at


def test_existing_bindings_take_the_newest_order_that_sold_their_variant_as_their_product(tmp_path):
    engine, config, now = database_at(tmp_path, "0038")
    older, newer = now - timedelta(days=10), now - timedelta(days=2)
    with engine.begin() as conn:
        run = conn.execute
        run(sa.text("INSERT INTO nuvemshop_stores (id, external_id, name, api_url, access_token, active, paused, "
                    "created_at) VALUES (1, '1234567', 'Loja', 'http://127.0.0.1:9', 't', 1, 0, :now)"), {"now": now})
        for product_id, sku in ((1, "A"), (2, "B")):
            run(sa.text("INSERT INTO products (id, sku, name, price, created_by_store, created_at) VALUES "
                        "(:id, :sku, :sku, 0, 1, :now)"), {"id": product_id, "sku": sku, "now": now})
        run(sa.text("INSERT INTO orders (id, status, subtotal, discount, freight, total, needs_attention, created_at, "
                    "updated_at, placed_at) VALUES (11, 'open', 0, 0, 0, 0, 0, :now, :now, :at)"),
            {"now": now, "at": newer})
        run(sa.text("UPDATE orders SET placed_at = :at WHERE id = :id"), {"at": older, "id": ORDER_ID})
        for binding, (order_id, external) in enumerate(((ORDER_ID, "900"), (11, "901")), start=1):
            run(sa.text("INSERT INTO nuvemshop_order_bindings (id, store_id, external_id, order_id, synced_at) "
                        "VALUES (:id, 1, :ext, :order_id, :now)"),
                {"id": binding, "ext": external, "order_id": order_id, "now": now})
        # Variant 601 sold as A by the older order and as B by the newer one (renamed); 602 never sold with a SKU.
        for order_id, product_id, sku, variant in ((ORDER_ID, 1, "A", "601"), (11, 2, "B", "601"),
                                                   (11, 1, None, "602")):
            run(sa.text("INSERT INTO order_lines (order_id, position, product_id, sku, name, quantity, unit_price, "
                        "total, store_variant_id) VALUES (:order_id, :position, :product_id, :sku, 'x', 1, 0, 0, "
                        ":variant)"), {"order_id": order_id, "position": int(variant) - 600, "product_id": product_id,
                                       "sku": sku, "variant": variant})
        for binding, (variant, product_id) in enumerate((("601", 2), ("602", 1)), start=1):
            run(sa.text("INSERT INTO nuvemshop_product_bindings (id, store_id, external_variant_id, product_id) "
                        "VALUES (:id, 1, :variant, :product_id)"),
                {"id": binding, "variant": variant, "product_id": product_id})

    command.upgrade(config, "head")

    with engine.connect() as conn:
        stamps = dict(conn.execute(sa.text(
            "SELECT external_variant_id, sku_order_placed_at FROM nuvemshop_product_bindings")).all())
    assert _moment(stamps["601"]) == newer and stamps["602"] is None
    command.downgrade(config, "0038")


def _moment(value) -> datetime:
    """SQLite hands the stored time back as text."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value
