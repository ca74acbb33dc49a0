"""The Estoque list at scale: `stock_overview_page` as the page (`/estoque`, 100 a page) asks it, with and without a
search and each filter, on a SQLite database of `--products` products with two stock movements each (one in five a
count, so that the ERP manages it), beside the whole list read (what the page read on every visit before, to search,
filter and cut it in Python). Prints one JSON line per case: {"products", "case", "page_ms_p50", "page_ms_p99"},
then {"products", "whole_ms_p50"}. No target was set for it; a page's time should not grow with the catalogue
the way the whole list's does (the counts are the database's work)."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import insert, select

from lojasync.bootstrap import bootstrap
from lojasync.db.tables import products as products_table
from lojasync.db.tables import stock_movements
from lojasync.settings import Settings
from lojasync.stock.product_filter import ProductFilter
from lojasync.stock.products import Product
from lojasync.stock.views import stock_overview, stock_overview_page

WORDS = ("Camiseta", "Caneca", "Café", "Açúcar", "Água", "Pão", "Ímã", "Zíper", "Algodão", "Cerâmica", "Blusa",
         "Meia", "Tênis", "Bolsa", "Óculos", "Chapéu", "Vestido", "Calça", "Saia", "Jaqueta")
CASES = {"todos": ProductFilter(), "busca cafe": ProductFilter(text="cafe"),
         "busca SKU": ProductFilter(text="SKU-0123"), "erp": ProductFilter(managed=True),
         "loja": ProductFilter(created_by_store=True),
         "sem-ncm": ProductFilter(without_ncm=True)}


def fill(app, count: int, rng: random.Random) -> None:
    # Through the repository: the search columns are written by the ORM, as every product of the store is.
    with app.uow() as uow:
        for i in range(count):
            product = Product(None if i % 50 == 0 else f"SKU-{i:06d}", f"{rng.choice(WORDS)} "
                              f"{rng.choice(WORDS).lower()} {i}", Decimal("10.00"), created_by_store=i % 3 == 0)
            product.ncm = "61091000" if i % 4 else None
            uow.products.add(product)
        uow.commit()
    with app.engine.begin() as connection:
        ids = list(connection.scalars(select(products_table.c.id)))
        rows = [{"product_id": product_id, "quantity": rng.randint(-5, 50), "reason": "benchmark",
                 "source_type": "count" if n % 5 == 0 else "nfe", "source_id": str(n), "source_line": 0,
                 "made_by": "sistema"} for n, product_id in enumerate(ids * 2)]
        for start in range(0, len(rows), 5000):
            connection.execute(insert(stock_movements), rows[start:start + 5000])


def timed(call, times: int) -> list[float]:
    took = []
    for _ in range(times):
        began = time.perf_counter()
        call()
        took.append(time.perf_counter() - began)
    return sorted(took)


def run(count: int, requests: int, seed: int) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        app = bootstrap(Settings(data_dir=Path(workdir), database_url=f"sqlite:///{workdir}/stock.db"))
        fill(app, count, random.Random(seed))
        for name, criteria in CASES.items():
            for page in range(3):   # warm the caches, not counted
                stock_overview_page(app.read_uow(), criteria, 100, page * 100)
            rows, matched, total = stock_overview_page(app.read_uow(), criteria, 100, 0)
            assert total == count and len(rows) == min(100, matched), (name, len(rows), matched)
            # The list's middle page: the rows before it are skipped by the database, not read.
            middle = matched // 200 * 100
            took = timed(lambda c=criteria, m=middle: stock_overview_page(app.read_uow(), c, 100, m), requests)
            results.append({"products": count, "case": name, "page_ms_p50": round(statistics.median(took) * 1000, 1),
                            "page_ms_p99": round(took[min(len(took) - 1, int(len(took) * 0.99))] * 1000, 1)})
        whole = timed(lambda: stock_overview(app.read_uow()), 3)
        results.append({"products": count, "whole_ms_p50": round(statistics.median(whole) * 1000, 1)})
        app.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for line in run(args.products, args.requests, args.seed):
        print(json.dumps(line))


if __name__ == "__main__":
    main()
