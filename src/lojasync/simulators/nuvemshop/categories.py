"""The store's categories: each product of the catalog in one, listed on the product as the platform lists it (the
`categories` array of category objects), and the scope of the store's promotions (`promotions`).

lojasync reads no category (an NF-e line needs the product, not where the store shows it): they are here so that a
client reading the products sees what a promotion applies to. The API document the integration follows lists no
categories endpoint, so none is served.
"""

from __future__ import annotations

import random

from lojasync.simulators.nuvemshop.catalog import TEMPLATES, slug
from lojasync.simulators.nuvemshop.clock import parse_ts

# The store's categories, by SKU prefix of the catalog's templates (the prefix is unique per product template).
CATEGORIES = {
    "Roupas": ("CAM-ALG", "CAM-IPE", "CAL-JEA", "BER-SAR", "VES-FLO", "BLU-TRI", "JAQ-COR"),
    "Calçados": ("TEN-COU", "SAN-RAS", "CHI-SLI", "MEI-KIT"),
    "Acessórios": ("BON-ABA", "MOC-EXE", "BOL-COU", "OCU-AVI", "CAP-SIL", "PUL-PRA"),
    "Casa": ("CAN-CER", "GAR-INO", "CAF-FRA", "TOA-BAN", "ALM-LIN", "LUM-MES", "RED-ALG"),
    "Beleza": ("SAB-LAV", "OLE-MAR", "VEL-PIT"),
    "Empório": ("CAF-ESP",),
}


def category_ids(store_key: str) -> dict[str, int]:
    """Stable category ids for one store, from their own stream (the store's stream is left as it was)."""
    rng = random.Random(f"{store_key}:categories")
    return {name: rng.randint(3_000_000, 4_000_000) for name in CATEGORIES}


def product_categories(products: list[dict]) -> dict[int, str]:
    """Product id -> category name; the catalog builds one product per template, in TEMPLATES order."""
    by_prefix = {prefix: name for name, prefixes in CATEGORIES.items() for prefix in prefixes}
    return {product["id"]: by_prefix[template[1]] for product, template in zip(products, TEMPLATES, strict=True)}


def list_on_products(products: list[dict], categories: dict[int, str], ids: dict[str, int]) -> None:
    """Put on each product its category as the platform writes one (`product-get.json` of its examples). Nothing is
    drawn: a category is dated by the oldest of its products (it existed before them), so the seed's streams and
    every order stay as they were."""
    created: dict[str, str] = {}
    for product in products:
        name = categories[product["id"]]
        if name not in created or parse_ts(product["created_at"]) < parse_ts(created[name]):
            created[name] = product["created_at"]
    for product in products:
        name = categories[product["id"]]
        product["categories"] = [{   # one object per product: a change to one product's copy touches no other
            "id": ids[name], "name": {"pt": name}, "description": {"pt": ""}, "handle": {"pt": slug(name)},
            "parent": None, "subcategories": [], "google_shopping_category": None,
            "created_at": created[name], "updated_at": created[name],
        }]
