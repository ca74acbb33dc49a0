"""Backfill: a full sync of a large simulated store, with the default rate limit (bucket 40, 2/s).

The floor is what the leaky bucket allows: one call per page of 200, the first 40 free, then 2 per
second. Prints one JSON line: {"orders", "api_calls", "seconds", "floor_seconds", "ratio"}.
Targets: ratio <= 1.2 and api_calls <= pages + 5, every order imported (pages + 2, and one listing apart for
each payment status the platform's default listing leaves out: voided, refunded, abandoned, each of whose last
pages may be partial). The floor ignores import time,
so the ratio means something only when the bucket dominates: use 20,000 orders or more (at 12,000 the
import itself, ~1,000 orders/s, is longer than the bucket's 10 s and the ratio reads ~1.6).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import httpx

from local_processes import free_port, start_lojasync
from lojasync.bootstrap import bootstrap
from lojasync.nuvemshop.services.stores import add_store
from lojasync.nuvemshop.services.sync_store import sync_store
from lojasync.settings import Settings

BUCKET, LEAK, PAGE = 40, 2.0, 200


def start_simulator(orders: int, port: int):
    return start_lojasync(["simulator", "--port", str(port), "--orders", str(orders), "--bucket-size", str(BUCKET),
                           "--leak-per-second", str(LEAK)], f"http://127.0.0.1:{port}/_simulator/stats")


def run(orders: int) -> dict:
    port = free_port()
    simulator = start_simulator(orders, port)
    try:
        with tempfile.TemporaryDirectory() as workdir:
            app = bootstrap(Settings(data_dir=Path(workdir), database_url=f"sqlite:///{Path(workdir) / 'bf.db'}"))
            add_store(app.uow(), app.cipher, "1234567", "a3c0f1e2d4b5968778695a4b3c2d1e0f9a8b7c6d",
                      f"http://127.0.0.1:{port}/2025-03")
            httpx.post(f"http://127.0.0.1:{port}/_simulator/stats/reset")
            report = sync_store(app.uow(), app.client_for, app.policy(), full=True, page_size=PAGE)
            stats = httpx.get(f"http://127.0.0.1:{port}/_simulator/stats").json()
            with app.read_uow() as uow:
                imported = uow.orders.count()
            app.close()
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)
    pages = math.ceil(orders / PAGE)
    floor = max(pages - BUCKET, 0) / LEAK
    return {
        "orders": report.fetched,
        "imported": imported,
        "api_calls": stats["api_calls"],
        "pages": pages,
        "rate_limited": stats["rate_limited"],
        "seconds": round(report.seconds, 2),
        "floor_seconds": round(floor, 2),
        "ratio": round(report.seconds / floor, 3) if floor else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20000)
    args = parser.parse_args()
    print(json.dumps(run(args.orders)))


if __name__ == "__main__":
    main()
