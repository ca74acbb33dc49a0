"""Which products the Estoque list shows and in what order: its search, its filters and its sort, as a rule in
Python. The database adapter answers the same with one query a page (`db.product_listing`); the rule here is what
that query must agree with (the in-memory fake uses it, and the tests compare the two on both databases)."""

from __future__ import annotations

from dataclasses import dataclass

from lojasync.shared.search_text import fold
from lojasync.shared.text import clean_text
from lojasync.stock.products import Product


@dataclass(frozen=True)
class ProductFilter:
    """`text` is part of the product's SKU, or of "id:N" for one without (how the list names it), or of its name,
    without regard to case or accents ("cafe" finds "Café moído"); each flag keeps only the products it names."""

    text: str = ""
    managed: bool = False            # only those the ERP manages (counted)
    created_by_store: bool = False   # only those an order of the store created (an unknown SKU)
    without_ncm: bool = False        # only those without an NCM of their own

    @property
    def words(self) -> str:
        """The search text as names and SKUs are compared ("" searches nothing)."""
        return fold(clean_text(self.text).strip())

    @property
    def everything(self) -> bool:
        """Whether every product matches (the count of matches is the count of products)."""
        return not (self.words or self.managed or self.created_by_store or self.without_ncm)


def matches(criteria: ProductFilter, product: Product, managed: bool) -> bool:
    """Whether `product` is one the list shows (`managed`: it had a stock count): the rule the query implements."""
    words = criteria.words
    # "id:80" (or "80") finds the product the list shows as "sem SKU (id:80)".
    reference = product.sku or f"id:{product.id}"
    return ((not words or words in fold(reference) or words in fold(product.name))
            and (not criteria.created_by_store or product.created_by_store)
            and (not criteria.managed or managed) and (not criteria.without_ncm or not product.ncm))


def listing_order(products: list[Product]) -> list[Product]:
    """`products` in the list's order: by name with accents folded, as the search reads it ("Água" among the A's,
    not after "Zíper": review), then SKU (none as ""), then one without a SKU after one with "", then id."""
    return sorted(products, key=lambda p: (fold(p.name), p.sku or "", p.sku is None, p.id))
