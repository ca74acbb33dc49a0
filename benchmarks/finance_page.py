"""The Financeiro's list at scale: `find_receivables` as the page (`/financeiro`, 100 a page) and the API with
`limit` ask it, on a SQLite database of `--receivables` rows, beside the whole list read (what the page read on
every visit before, and what `lojasync receivables list` still prints). Prints one JSON line:
{"receivables", "page_ms_p50", "page_ms_p99", "whole_ms_p50"}.
No target was set for it; the page's time should not grow with the number of receivables (the totals are counted
by the database, whose work does grow, slowly)."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import insert

from lojasync.bootstrap import bootstrap
from lojasync.db.finance_tables import receivables
from lojasync.finance.receivables import ReceivableStatus
from lojasync.finance.views import ReceivableFilter, find_receivables
from lojasync.settings import Settings

STATUSES = (ReceivableStatus.OPEN, ReceivableStatus.RECEIVED, ReceivableStatus.RECEIVED, ReceivableStatus.CANCELLED)


def run(count: int, requests: int, seed: int) -> dict:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as workdir:
        app = bootstrap(Settings(data_dir=Path(workdir), database_url=f"sqlite:///{workdir}/finance.db"))
        rows = [{"order_id": None, "source_type": "nfe", "source_id": str(i // 3), "installment": i % 3 + 1,
                 "installments": 3, "amount": Decimal(rng.randint(500, 50000)) / 100,
                 "due_date": date(2026, 1, 1) + timedelta(days=rng.randint(0, 400)), "payment_method": "credit_card",
                 "status": rng.choice(STATUSES), "needs_attention": False} for i in range(count)]
        with app.engine.begin() as connection:
            for start in range(0, count, 5000):
                connection.execute(insert(receivables), rows[start:start + 5000])
        page, whole = [], []
        for index in range(requests + 3):   # the first 3 warm the caches, not counted
            began = time.perf_counter()
            listing = find_receivables(app.read_uow(), ReceivableFilter(), limit=100, offset=(index % 5) * 100)
            took = time.perf_counter() - began
            assert len(listing.items) == 100 and listing.matched == count
            if index >= 3:
                page.append(took)
        for _ in range(3):
            began = time.perf_counter()
            assert len(find_receivables(app.read_uow(), ReceivableFilter()).items) == count
            whole.append(time.perf_counter() - began)
        app.close()
    page.sort()
    return {"receivables": count, "page_ms_p50": round(statistics.median(page) * 1000, 1),
            "page_ms_p99": round(page[min(len(page) - 1, int(len(page) * 0.99))] * 1000, 1),
            "whole_ms_p50": round(statistics.median(whole) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receivables", type=int, default=50000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(run(args.receivables, args.requests, args.seed)))


if __name__ == "__main__":
    main()
