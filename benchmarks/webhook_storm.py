"""Webhook storm: the store simulator (its own process) sends signed webhooks, with duplicates, for N new
orders to a running `lojasync serve` over HTTP; a `lojasync worker` process imports (or, with
--topology embedded, the worker inside `serve`).

Prints one JSON line: {"webhooks", "ingress_per_s", "ingress_p99_ms", "api_calls", "all_imported_s",
"lag_p95_s", "orders_imported", "duplicates_in_erp", "backend"}.
Targets: ingress >= 500 webhooks/s with p99 < 100 ms, API calls <= 5% of the webhooks, every order
imported exactly once. `ingress_p99_ms` is measured by the sender: POST sent to 2xx received, so it
includes the queueing of `--senders` deliveries in flight on this 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import httpx
from sqlalchemy import text

from local_processes import free_port, start_lojasync
from lojasync.bootstrap import bootstrap
from lojasync.nuvemshop.services.install_store import store_webhooks, webhook_url_for
from lojasync.nuvemshop.services.stores import add_store
from lojasync.settings import Settings
from lojasync.simulators.nuvemshop.config import DEFAULT_ACCESS_TOKEN, DEFAULT_STORE_ID

SECRET = "0123456789abcdef0123456789abcdef01234567"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else 0.0


def run(orders: int, duplicates: float, database_url: str | None, redis_url: str | None, topology: str,
        senders: int) -> dict:
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as workdir:
        database_url = database_url or f"sqlite:///{Path(workdir) / 'lojasync.db'}"
        env = {**os.environ, "LOJASYNC_DATA_DIR": workdir, "LOJASYNC_DATABASE_URL": database_url,
               "LOJASYNC_NUVEMSHOP_CLIENT_SECRET": SECRET, "LOJASYNC_SECRET_KEY": SECRET}
        if redis_url:
            env["LOJASYNC_REDIS_URL"] = redis_url
        app = bootstrap(Settings(data_dir=Path(workdir), database_url=database_url, redis_url=redis_url,
                                 secret_key=SECRET))
        sim_port, port = free_port(), free_port()
        sim = f"http://127.0.0.1:{sim_port}"
        try:
            processes.append(start_lojasync(["simulator", "--port", str(sim_port), "--orders", "1", "--client-secret",
                                    SECRET, "--webhook-workers", str(senders)], f"{sim}/_simulator/stats", env))
            view, _ = add_store(app.uow(), app.cipher, DEFAULT_STORE_ID, DEFAULT_ACCESS_TOKEN, f"{sim}/2025-03")
            with app.uow() as uow:  # synced just now: everything must come through the webhooks
                store = uow.stores.get(view.id)
                store.last_sync_at = store.sync_cursor = datetime.now(timezone.utc)
                uow.commit()
            store_webhooks(app.uow(), app.client_for, DEFAULT_STORE_ID, webhook_url_for(f"http://127.0.0.1:{port}"))
            if topology == "ingress-only":
                pass  # no worker: measures the receiver alone (the import is not waited for)
            elif topology == "separate":
                # Production shape: the web process only receives; workers import in their own process.
                processes.append(subprocess.Popen([sys.executable, "-m", "lojasync", "worker", "--workers", "2"],
                                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            serve_args = ["serve", "--port", str(port)] + (["--no-worker"] if topology != "embedded" else [])
            processes.append(start_lojasync(serve_args, f"http://127.0.0.1:{port}/healthz", env))

            httpx.post(f"{sim}/_simulator/stats/reset").raise_for_status()
            httpx.post(f"{sim}/_simulator/webhooks/behaviour", json={"duplicate": duplicates}).raise_for_status()
            started = time.monotonic()
            ids = httpx.post(f"{sim}/_simulator/{DEFAULT_STORE_ID}/orders", json={"count": orders},
                             timeout=120).json()["ids"]
            httpx.post(f"{sim}/_simulator/webhooks/wait", params={"timeout": 300}, timeout=310)
            log = httpx.get(f"{sim}/_simulator/webhooks/log", timeout=60).json()
            ok = [e for e in log if e.get("outcome") == "ok"]
            failed = [e for e in log if e.get("outcome") == "failed"]
            ingress_seconds = max(e["at"] + e["duration"] for e in ok) - min(e["at"] for e in ok)
            wanted = {str(i) for i in ids}
            got: set[str] = set()
            while topology != "ingress-only":
                with app.engine.connect() as conn:
                    got = {row[0] for row in conn.execute(text("SELECT external_id FROM nuvemshop_order_bindings"))}
                    pending = conn.execute(text(
                        "SELECT count(*) FROM nuvemshop_webhook_events WHERE status = 'pending'")).scalar()
                if wanted <= got and pending == 0:
                    break
                if time.monotonic() - started > 600:
                    raise RuntimeError("orders not imported within 10 minutes")
                time.sleep(0.2)
            all_imported = time.monotonic() - started
            stats = httpx.get(f"{sim}/_simulator/stats").json()
            with app.engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT received_at, processed_at FROM nuvemshop_webhook_events WHERE status = 'done'"))
                lags = [(_utc(p) - _utc(r)).total_seconds() for r, p in rows]
                # Orders, not bindings (their unique key could not show a duplicate): every store order
                # must be exactly one ERP order.
                erp_orders = conn.execute(text("SELECT count(*) FROM orders WHERE origin = 'nuvemshop'")).scalar()
                distinct = conn.execute(text(
                    "SELECT count(DISTINCT external_id) FROM nuvemshop_order_bindings")).scalar()
        finally:
            for process in reversed(processes):
                process.terminate()
                process.wait(timeout=20)
            app.close()
    backend = ("postgresql" if "postgresql" in database_url else "sqlite") + ("+redis" if redis_url else "")
    return {
        "webhooks": len(ok),
        "ingress_per_s": round(len(ok) / ingress_seconds, 1),
        "ingress_p99_ms": round(percentile([e["duration"] for e in ok], 0.99) * 1000, 1),
        "failed_attempts": len(failed),
        "api_calls": stats["api_calls"],
        "all_imported_s": round(all_imported, 2),
        "lag_p95_s": round(percentile(lags, 0.95), 2),
        "orders_imported": len(wanted & got),
        "duplicates_in_erp": erp_orders - distinct,
        "backend": backend,
        "topology": topology,
        "senders": senders,
    }


def _utc(value) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--duplicates", type=float, default=0.2, help="chance of an extra copy per webhook")
    parser.add_argument("--database-url", help="an EMPTY database to use (default: SQLite in a temp dir)")
    parser.add_argument("--redis-url", help="queue on Redis instead of SQLite")
    parser.add_argument("--topology", choices=["separate", "embedded", "ingress-only"], default="separate",
                        help="separate: serve --no-worker + lojasync worker; embedded: serve with its worker")
    parser.add_argument("--senders", type=int, default=4,
                        help="deliveries in flight at once (the simulator's sender threads)")
    args = parser.parse_args()
    print(json.dumps(run(args.orders, args.duplicates, args.database_url, args.redis_url, args.topology,
                         args.senders)))


if __name__ == "__main__":
    main()
