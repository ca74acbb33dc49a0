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
    joined, left = set(), set()   # products a variant of this store was bound to, or left, here
    # Asked only when a line brings a SKU no product has (a shared variant given its own: `_given_its_own_sku`).
    unknown = any(line.sku and line.sku not in resolution.by_sku for line in lines)
    shared = _shared_in_store(uow, store_id, bindings) if unknown and policy is UnknownSkuPolicy.CREATE else set()
    for placed_at, line in ((data.placed_at, line) for data in orders for line in data.lines):
        product = resolution.for_line(line)
        if product is not None and _given_its_own_sku(line, bindings.get(line.store_variant_id or ""), shared,
                                                      resolution, placed_at):
            product = None   # a product of its own, made below, which the variant follows
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
            joined.add(binding.product)   # back among its product's variants: their parts change (review)
        if binding.product is not product and line.sku and binding.follows_sku_of(placed_at):
            # The SKU is the stronger key: a variant whose SKU now names another product follows it, and its
            # stock in the store becomes that product's (it kept showing the former product's count).
            if binding.product is not None and product.id is not None:
                rebound.append(StockTarget(store_id, line.store_variant_id, binding.external_product_id, product.id))
            if binding.product is not None:
                left.add(binding.product)
            joined.add(product)
            binding.product = product
        elif binding.product is None:
            binding.product = product
            joined.add(product)
        if line.sku and binding.product is product:
            binding.seen_with_sku_at(placed_at)
        resolution.by_variant[line.store_variant_id] = binding.product
    rebound.extend(_shares_changed(uow, store_id, joined, left, bindings))
    if rebound:
        uow.store_updates.want_stock(rebound, datetime.now(timezone.utc))
    return resolution


def _shared_in_store(uow: ConnectorUnitOfWork, store_id: int, bindings: dict[str, ProductBinding]) -> set[int]:
    """The products of these bound variants that more than one live variant of the store shares (their stock is
    split among them: `push_updates`)."""
    ids = {b.product.id for b in bindings.values() if b.product is not None and getattr(b.product, "id", None)}
    if not ids:
        return set()
    counts: dict[int, int] = {}
    for binding in uow.bindings.products_for(ids, store_id=store_id):
        counts[binding.product.id] = counts.get(binding.product.id, 0) + 1
    return {product_id for product_id, count in counts.items() if count > 1}


def _given_its_own_sku(line: LineData, binding: ProductBinding | None, shared: set[int],
                       resolution: ProductResolution, placed_at) -> bool:
    """A variant sharing its product with another of the store (the same SKU given to both: the stock is split among
    them) now carries a SKU no product has: the merchant did what the store log asked, and it gets a product of its
    own (review: it stayed bound to the shared one, split for ever, since an unknown SKU does not move a bound
    variant). Only such a variant: any other keeps its product through a change of SKU, as before. And only on an
    order placed after the one its SKU was last seen in: an older one (read again, or a binding from before such
    dates were kept) would move it off on a SKU it no longer has (review)."""
    return (bool(shared) and binding is not None and getattr(binding.product, "id", None) in shared
            and bool(line.sku) and line.sku not in resolution.by_sku and line.sku != binding.product.sku
            and placed_at is not None and binding.sku_order_placed_at is not None
            and placed_at > binding.sku_order_placed_at)


def _shares_changed(uow: ConnectorUnitOfWork, store_id: int, joined: set, left: set,
                    bindings: dict[str, ProductBinding]) -> list[StockTarget]:
    """The store's live variants of a product one of its variants joined (now shared by several) or left: each
    shows a share of the product's stock (`push_updates`), which changed with their number. All of them queued, to
    go in one push: the new variant's share went out first, and the others kept their former, larger one (the store
    showed more than there was) until the product moved again; one left alone kept its half (review)."""
    # A product new in this import has no id yet (none in the fakes of the unit tests): no variant had it before.
    products = {product.id: product in left for product in joined | left if getattr(product, "id", None) is not None}
    if not products:
        return []
    live = {b.external_variant_id: b for b in uow.bindings.products_for(products, store_id=store_id)}
    live.update((ref, b) for ref, b in bindings.items() if b.gone_at is None and b.store_id == store_id)
    variants: dict[int, list[ProductBinding]] = {}
    for binding in live.values():
        if getattr(binding.product, "id", None) in products:   # as bound now, here included
            variants.setdefault(binding.product.id, []).append(binding)
    return [StockTarget(store_id, b.external_variant_id, b.external_product_id, product_id)
            for product_id, found in variants.items() if len(found) > 1 or products[product_id] for b in found]
