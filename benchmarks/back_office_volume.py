"""The back office's pages and the API's lists at a busy store's year: 50,000 orders (with lines, customers and store
bindings, as `web_orders` fills them), 20,000 documents (NF-e with their XML, vendas simples) with their stock
movements and receivables (about 50,000), the history entries they write (one order with 3,000), 60,000 webhook
events, the store log, store updates and one product with 30,000 movements. Rows are bulk-inserted as the services
write them, not made one by one. SQLite in a temporary folder by default; `--database-url` for PostgreSQL (a schema
of its own, dropped afterwards).

Each page and list is asked in-process (FastAPI's TestClient, logged in, or with an API token) after a warm-up:
prints one JSON line per case {"case", "status", "cpu_ms", "peak_mb", "statements", "kb"}: `cpu_ms` this process's
CPU for one request (the median of `--requests`; PostgreSQL's own work is not in it), `peak_mb` tracemalloc's peak
during one request, `statements` how many the request ran. Wall time is left out: on a shared machine it says little.
No target; the cases read whole on purpose (the API's lists without `limit`, `?historico=todo`) say so in their name.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fastapi.testclient import TestClient
from sqlalchemy import event, select, text

from lojasync.accounts.services.api_tokens import add_token
from lojasync.accounts.services.users import add_user
from lojasync.bootstrap import bootstrap
from lojasync.db.finance_tables import receivables
from lojasync.db.fiscal_tables import invoices, simple_sales
from lojasync.db.tables import order_history, order_lines, orders, stock_movements
from lojasync.entrypoints.tasks import TaskQueue
from lojasync.entrypoints.web.app import create_app
from lojasync.nuvemshop.db.tables import product_bindings, store_log, store_updates, webhook_events
from lojasync.settings import Settings
from web_orders import EMAIL, PASSWORD, STORES, Filler, _bulk, _database

XML = "<nfeProc>" + "x" * 6000 + "</nfeProc>"   # an NF-e's size, kept as the list never reads it


def _documents(conn, rng: random.Random, count: int) -> dict:
    """NF-e (3 in 5) and vendas simples for `count` confirmed orders, each with its movements, receivables and
    history as `fiscal.effects` writes them."""
    placed = conn.execute(select(orders.c.id, orders.c.total, orders.c.customer_id, orders.c.placed_at)
                          .where(orders.c.status == "confirmed")).all()
    lines: dict[int, list] = {}
    for line in conn.execute(select(order_lines)).mappings():
        lines.setdefault(line["order_id"], []).append(line)
    chosen = rng.sample(placed, min(count, len(placed)))
    rows: dict = {"invoices": [], "sales": [], "movements": [], "receivables": [], "history": []}
    for k, order in enumerate(chosen):
        data = [{"position": x["position"], "product_id": x["product_id"], "sku": x["sku"], "name": x["name"],
                 "quantity": x["quantity"], "unit_price": str(x["unit_price"]), "total": str(x["total"])}
                for x in lines[order.id]]
        when, parts = order.placed_at + timedelta(hours=2), rng.choice((1, 1, 2, 3, 6))
        common = {"order_id": order.id, "customer_id": order.customer_id, "lines_data": data, "total": order.total,
                  "payment_method": "pix", "installments": parts, "created_at": when, "updated_at": when}
        if k % 5 < 3:
            number = len(rows["invoices"]) + 1
            kind, source = "nfe", number
            rows["invoices"].append({**common, "id": number, "status": "authorised", "environment": "2", "series": 1,
                                     "number": number, "access_key": f"35{number:042d}", "issued_at": when,
                                     "xml": XML, "proc_xml": XML, "protocol": f"1{number:014d}",
                                     "authorised_at": when, "sent_at": when, "attempts": 1})
        else:
            source = len(rows["sales"]) + 1
            kind = "simple_sale"
            rows["sales"].append({**common, "id": source, "status": "confirmed", "confirmed_at": when})
        rows["movements"] += [{"product_id": x["product_id"], "quantity": -x["quantity"], "reason": "Baixa",
                               "source_type": kind, "source_id": str(source), "source_line": x["position"],
                               "created_at": when, "made_by": "sistema"} for x in lines[order.id]]
        share = (order.total / parts).quantize(Decimal("0.01"))
        for i in range(parts):
            due = (when + timedelta(days=30 * (i + 1))).date()
            received = due < date.today() and rng.random() < 0.9
            rows["receivables"].append({
                "order_id": order.id, "source_type": kind, "source_id": str(source), "installment": i + 1,
                "installments": parts, "amount": share if i < parts - 1 else order.total - share * (parts - 1),
                "due_date": due, "payment_method": "pix", "status": "received" if received else "open",
                "needs_attention": False, "created_at": when, "updated_at": when,
                "received_at": datetime.combine(due, datetime.min.time(), timezone.utc) + timedelta(hours=15)
                if received else None})
        rows["history"] += [{"order_id": order.id, "type": kind_type, "actor": "system", "actor_name": None,
                             "params": params, "created_at": when} for kind_type, params in (
            ("stock_issued", {"units": 1, "products": 1, "document": kind}),
            ("receivables_created", {"count": parts, "total": str(order.total), "document": kind}))]
    return rows


def fill(engine, access_token: str, orders_count: int, documents: int, seed: int) -> dict:
    found = Filler(orders_count, seed).fill(engine, access_token)
    rng, now = random.Random(seed), datetime.now(timezone.utc)
    with engine.connect() as conn:
        rows = _documents(conn, rng, documents)
        created = conn.execute(select(orders.c.id, orders.c.origin_number, orders.c.status, orders.c.placed_at)).all()
    rows["history"] += [{"order_id": o.id, "type": "created", "actor": "sync", "actor_name": None,
                         "params": {"origin_number": o.origin_number, "status": o.status}, "created_at": o.placed_at}
                        for o in created]
    rows["history"] += [{"order_id": found["number"], "type": "updated", "actor": "webhook", "actor_name": None,
                         "params": {"changes": []}, "created_at": now - timedelta(minutes=3000 - i)}
                        for i in range(3000)]
    rows["movements"] += [{"product_id": 1, "quantity": -1 if i % 10 else 30, "reason": "Ajuste",
                           "source_type": "adjustment", "source_id": f"adj-{i}", "source_line": 0,
                           "created_at": now - timedelta(minutes=40_000 - i), "made_by": "operador"}
                          for i in range(30_000)]
    events = [{"store_id": 1 + i % 2, "external_store_id": STORES[i % 2], "event": "order/updated",
               "resource_id": str(1_700_000_000 + rng.randrange(orders_count)), "body": {"id": 1},
               "received_at": now - timedelta(minutes=60_000 - i), "status": "failed" if i % 200 == 0 else "done",
               "attempts": 1, "error": "Erro" if i % 200 == 0 else None,
               "processed_at": now - timedelta(minutes=60_000 - i)} for i in range(60_000)]
    log = [{"store_id": 1, "type": "sync_finished", "actor": "sync", "params": {"orders": 3},
            "created_at": now - timedelta(minutes=10 * (9000 - i))} for i in range(9000)]
    bindings = [{"store_id": s, "external_variant_id": str(9_000_000 + s * 1000 + p),
                 "external_product_id": str(8_000_000 + p), "product_id": p} for s in (1, 2) for p in range(1, 501)]
    updates = [{"store_id": s, "kind": "stock", "ref": str(9_000_000 + s * 1000 + p), "parent_ref": None,
                "product_id": p, "value": "5", "status": "failed" if p % 50 == 0 else "done", "revision": 40,
                "attempts": 1, "last_error": "erro" if p % 50 == 0 else None, "created_at": now, "updated_at": now}
               for s in (1, 2) for p in range(1, 501)]
    with engine.begin() as conn:
        for table, batch in ((invoices, rows["invoices"]), (simple_sales, rows["sales"]),
                             (stock_movements, rows["movements"]), (receivables, rows["receivables"]),
                             (order_history, rows["history"]), (webhook_events, events), (store_log, log),
                             (product_bindings, bindings), (store_updates, updates)):
            _bulk(conn, table, batch)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return {**found, "invoice": len(rows["invoices"]) // 2, "sale": len(rows["sales"]) // 2}


def cases(found: dict) -> list[str]:
    last, number = found["last_name"].lower(), found["number"]
    return [
        "/pedidos", "/pedidos?situacao=confirmado", f"/pedidos?busca={last}", f"/pedidos?busca={found['document']}",
        "/pedidos?busca=an", "/pedidos?pagina=200", f"/pedidos/{number}", f"/pedidos/{number}?historico=todo",
        "/pedidos/100", "/nfe", "/nfe?pagina=50", f"/nfe/{found['invoice']}", "/vendas", f"/vendas/{found['sale']}",
        "/financeiro", "/financeiro?situacao=em-aberto", "/financeiro?situacao=vencida",
        "/financeiro?vencimento_de=2026-01-01&vencimento_ate=2026-03-31", "/financeiro?conferir=1",
        f"/financeiro?recebida_de={date.today().year}-01-01", "/financeiro?pagina=300", "/integracao",
        f"/integracao/lojas/{STORES[0]}/registro", "/configuracoes", "/estoque/SKU-00001",
        "/api/v1/orders", f"/api/v1/orders?q={last}", "/api/v1/orders?page=500", f"/api/v1/orders/{number}",
        "/api/v1/invoices", "/api/v1/invoices?limit=1000", "/api/v1/sales", "/api/v1/receivables?limit=100",
        "/api/v1/receivables?situation=em-aberto&limit=100", "/api/v1/receivables (whole, no limit)",
        "/api/v1/stock/movements?sku=SKU-00001&limit=100", "/api/v1/stock/movements?sku=SKU-00001 (whole, no limit)",
        "/api/v1/events", "/api/v1/events?failed=true", "/api/v1/events?limit=1000",
    ]


_CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"|name="csrf-token"\s+content="([^"]+)"')


def run(orders_count: int, documents: int, requests: int, database_url: str | None, seed: int) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as workdir, _database(database_url, Path(workdir)) as url:
        app = bootstrap(Settings(data_dir=Path(workdir), database_url=url))
        begun = time.perf_counter()
        found = fill(app.engine, app.cipher.encrypt("bench"), orders_count, documents, seed)
        filled = time.perf_counter() - begun
        add_user(app.accounts_uow(), EMAIL, PASSWORD)
        token, _ = add_token(app.accounts_uow(), "benchmark")
        statements = [0]
        event.listen(app.engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1))
        pages = TestClient(create_app(app, TaskQueue(app)), follow_redirects=False)
        csrf = _CSRF.search(pages.get("/login").text)
        pages.post("/login", data={"email": EMAIL, "password": PASSWORD, "next": "/pedidos",
                                   "csrf_token": csrf.group(1) or csrf.group(2)})
        api = TestClient(pages.app, headers={"Authorization": f"Bearer {token}"})
        for case in cases(found):
            path = case.split(" ")[0]
            client = api if path.startswith("/api/") else pages
            client.get(path)
            cpu = []
            for _ in range(requests):
                began = time.process_time()
                answer = client.get(path)
                cpu.append(time.process_time() - began)
            statements[0] = 0
            tracemalloc.start()
            client.get(path)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            results.append({"case": case, "status": answer.status_code, "cpu_ms": round(statistics.median(cpu) * 1000),
                            "peak_mb": round(peak / 1e6, 1), "statements": statements[0],
                            "kb": len(answer.content) // 1024})
        backend = app.engine.dialect.name
        app.close()
    results.append({"database": backend, "orders": orders_count, "documents": documents,
                    "fill_seconds": round(filled, 1)})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=3, help="requests per case (after 1 of warm-up)")
    parser.add_argument("--database-url", default=None, help="postgresql+psycopg://... (default: SQLite)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for line in run(args.orders, args.documents, args.requests, args.database_url, args.seed):
        print(json.dumps(line, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
