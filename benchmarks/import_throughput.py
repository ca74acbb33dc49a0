"""Import throughput: store payloads through the real `import_orders` path into SQLite.

Beside it, the floor: the very rows that import wrote, copied with bare SQLAlchemy Core bulk inserts
into a fresh database. Prints one JSON line:
{"orders", "orders_per_s", "raw_rows_per_s", "ratio"}   (ratio = import time / floor time)
Target: >= 1,000 orders/s on the 2-core CI machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import insert, select

from lojasync.bootstrap import bootstrap
from lojasync.db import tables
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.services.import_orders import import_orders
from lojasync.settings import Settings
from lojasync.simulators.nuvemshop.generator import StoreGenerator

PAGE = 200


def store_payloads(count: int, seed: int) -> list[dict]:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    records = StoreGenerator("1234567", seed, now).history(count, 30, now)
    # Decoded as the HTTP client decodes them: money never becomes float.
    return [json.loads(r.json("2025-03"), parse_float=Decimal) for r in records]


def run(count: int, seed: int) -> dict:
    payloads = store_payloads(count, seed)
    # A sync holds one page at a time; this benchmark holds every payload from the start. Keep that
    # input out of the garbage collector's scans, or we would measure the fixture, not the import.
    gc.collect()
    gc.freeze()
    with tempfile.TemporaryDirectory() as workdir:
        app = bootstrap(Settings(data_dir=Path(workdir) / "import",
                                 database_url=f"sqlite:///{Path(workdir) / 'import.db'}"))
        with app.uow() as uow:
            store = Store("1234567", "http://127.0.0.1:9/2025-03", "token")
            uow.stores.add(store)
            uow.commit()
            store_id = store.id
        policy = app.policy()
        started = time.perf_counter()
        for start in range(0, len(payloads), PAGE):
            import_orders(app.uow(), store_id, payloads[start:start + PAGE], policy)
        import_seconds = time.perf_counter() - started

        with app.engine.connect() as conn:
            rows = {t.name: [dict(r._mapping) for r in conn.execute(select(t))]
                    for t in tables.metadata.sorted_tables}
        floor = bootstrap(Settings(data_dir=Path(workdir) / "floor",
                                   database_url=f"sqlite:///{Path(workdir) / 'floor.db'}"))
        total_rows = sum(len(v) for v in rows.values())
        started = time.perf_counter()
        with floor.engine.begin() as conn:
            for table in tables.metadata.sorted_tables:
                if rows[table.name]:
                    conn.execute(insert(table), rows[table.name])
        floor_seconds = time.perf_counter() - started
        imported = len(rows["orders"])
        app.close()
        floor.close()
    return {
        "orders": imported,
        "orders_per_s": round(imported / import_seconds, 1),
        "raw_rows_per_s": round(total_rows / floor_seconds, 1),
        "ratio": round(import_seconds / floor_seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(run(args.orders, args.seed)))


if __name__ == "__main__":
    main()
