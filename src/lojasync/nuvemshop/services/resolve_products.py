"""Import dependency: the ERP product of each store line, by SKU, then by the store's variant id."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from lojasync.nuvemshop.model.bindings import ProductBinding
from lojasync.nuvemshop.model.store_updates import StockTarget
from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.sales.order_data import LineData, OrderData
from lojasync.stock.products import Product, UnknownSkuPolicy


@dataclass
class ProductResolution:
    by_sku: dict[str, Product] = field(default_factory=dict)
    by_variant: dict[str, Product] = field(default_factory=dict)

    def for_line(self, line: LineData) -> Product | None:
        if line.sku and line.sku in self.by_sku:
            return self.by_sku[line.sku]
        if line.store_variant_id:
            return self.by_variant.get(line.store_variant_id)
        return None


def resolve_products(uow: ConnectorUnitOfWork, store_id: int, orders: list[OrderData], policy: UnknownSkuPolicy
                     ) -> ProductResolution:
    lines = [line for data in orders for line in data.lines]
    resolution = ProductResolution(by_sku=uow.products.by_skus(line.sku for line in lines if line.sku))
    bindings = uow.bindings.products_by_variant_ids(
        store_id, (line.store_variant_id for line in lines if line.store_variant_id))
    resolution.by_variant = {vid: b.product for vid, b in bindings.items()}
    rebound: list[StockTarget] = []
    for placed_at, line in ((data.placed_at, line) for data in orders for line in data.lines):
        product = resolution.for_line(line)
        if product is None and policy is UnknownSkuPolicy.CREATE and (line.sku or line.store_variant_id):
            # Without SKU nor variant id there is nothing to match the next time: leave it unlinked.
            product = Product(line.sku, line.name, line.unit_price, created_by_store=True)
            uow.products.add(product)
            if line.sku:
                resolution.by_sku[line.sku] = product
        if product is None or not line.store_variant_id:
            continue
        binding = bindings.get(line.store_variant_id)
        if binding is None:
            binding = ProductBinding(store_id, line.store_variant_id, line.store_product_id)
            uow.bindings.add(binding)
            bindings[line.store_variant_id] = binding
        refresh = binding.seen_in_order_placed_at(placed_at)   # not gone after all: its stock is sent again
        if binding.external_product_id is None and line.store_product_id:
            binding.external_product_id = line.store_product_id   # the push's address, once the store gives it
            # A push that failed for want of it ("a loja não informou o produto") is due again, with it.
            refresh = refresh or binding.id is not None
        if refresh and binding.product is not None and binding.product.id is not None:
            rebound.append(StockTarget(store_id, line.store_variant_id, binding.external_product_id,
                                       binding.product.id))
        if binding.product is not product and line.sku and binding.follows_sku_of(placed_at):
            # The SKU is the stronger key: a variant whose SKU now names another product follows it, and its
            # stock in the store becomes that product's (it kept showing the former product's count).
            if binding.product is not None and product.id is not None:
                rebound.append(StockTarget(store_id, line.store_variant_id, binding.external_product_id, product.id))
            binding.product = product
        elif binding.product is None:
            binding.product = product
        if line.sku and binding.product is product:
            binding.seen_with_sku_at(placed_at)
        resolution.by_variant[line.store_variant_id] = binding.product
    if rebound:
        uow.store_updates.want_stock(rebound, datetime.now(timezone.utc))
    return resolution
