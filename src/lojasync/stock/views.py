"""Read side of the stock module: products with their stock on hand."""

from __future__ import annotations

from lojasync.stock.ports import StockUnitOfWork


def list_products(uow: StockUnitOfWork) -> list[dict]:
    with uow:
        stock = uow.products.stock_levels()
        return [
            {"id": p.id, "sku": p.sku, "name": p.name, "price": str(p.price), "stock": stock.get(p.id, 0),
             "created_by_store": p.created_by_store}
            for p in uow.products.list()
        ]
