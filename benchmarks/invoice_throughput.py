"""NF-e throughput: generate + sign + validate + authorise in the SEFAZ simulator (over HTTP on 127.0.0.1) +
effects (stock issue, receivables, history), single process, SQLite.

Beside it, the floor: the same documents built with nfelib (build + serialize), signed and validated, with
nothing else (no database, no SEFAZ). The floor serializes with xsdata's serializer (one for the process, as
nfelib's bindings are written by it); lojasync writes its NF-e with `fiscal.nfe_writer`, the same bytes in a
tenth of the time, and what that saves counts for lojasync. Its own seal (the same steps with its writer) is
printed on stderr beside the figures, with the ratio against it. Prints one JSON line:
{"invoices", "per_s", "ms_p50", "ms_p99", "bare_per_s", "ratio"}   (ratio = per-document time / floor time)
Targets on the 2-core CI machine: >= 50 NF-e/s end to end and ratio <= 3.

lojasync runs in this one process, one NF-e after the other, each generated, sent and recorded on its own (two
durable commits and a wait for SEFAZ each), as `lojasync orders invoice NUMBER` does one. `--parallel N`: as
`lojasync orders invoice` runs a batch (its default is N = 4, LOJASYNC_SEFAZ_PARALLEL): up to N NF-e generated
ahead, in one transaction, while those sent are at SEFAZ, each sent as a place frees, the answers in together
recorded in one transaction; the orders go in batches of 20, and ms_p50 and ms_p99 are then those of each
batch's time per NF-e (inside a batch the NF-e are done a group at a time). SEFAZ is
another machine: its simulator runs as `lojasync sefaz-simulator` in a process of its own (`--sefaz embedded`:
in a thread of this process, as the demo embeds it), so that its server's work does not run on this interpreter.
Its checking still counts: every NF-e waits for its answer. The first `--warmup` NF-e of each side (10) are not counted:
they pay the process's one-time costs (XSD compiled, certificate opened, connections made, statements
compiled), printed on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from local_processes import free_port, start_lojasync
from lojasync.bootstrap import bootstrap
from lojasync.entrypoints.sefaz_access import sefaz_for
from lojasync.fiscal.documents import lines_from_order
from lojasync.fiscal.nfe_build import build_nfe
from lojasync.fiscal.nfe_schema import validate_signed
from lojasync.fiscal.nfe_xml import build_nfe_xml, to_xml
from lojasync.fiscal.services.batch import invoice_orders
from lojasync.fiscal.services.company import CompanyData, install_test_certificate, set_company
from lojasync.fiscal.services.invoice_draft import draft_inputs, new_draft
from lojasync.fiscal.services.invoices import certificate_for, issue_invoice
from lojasync.fiscal.signing import sign
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.services.import_orders import import_orders
from lojasync.settings import Settings
from lojasync.simulators.nuvemshop.generator import StoreGenerator
from lojasync.simulators.sefaz.server import BackgroundSefaz

COMPANY = CompanyData(legal_name="Loja Benchmark Ltda", cnpj="11222333000181", ie="110042490114", street="Rua A",
                      number="10", district="Centro", city="São Paulo", uf="SP", zipcode="01001000",
                      default_ncm="61091000", mercado_livre_seller="LOJA_BENCHMARK")


def company_app(workdir: str, sefaz_url: str):
    """Settings and container on a new SQLite database in `workdir`: the benchmark company with a test
    certificate, SEFAZ at `sefaz_url` (the NF-e benchmarks share it)."""
    settings = Settings(data_dir=Path(workdir), database_url=f"sqlite:///{Path(workdir) / 'nfe.db'}",
                        sefaz_url=sefaz_url)
    app = bootstrap(settings)
    set_company(app.uow(), COMPANY)
    install_test_certificate(app.uow(), app.cipher)
    return settings, app


def invoiceable_orders(app, count: int, seed: int) -> list[int]:
    """Import store orders until `count` of them have a customer and are not cancelled."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    records = StoreGenerator("1234567", seed, now).history(count * 3, 30, now)
    payloads = [json.loads(r.json("2025-03"), parse_float=Decimal) for r in records]
    with app.uow() as uow:
        store = Store("1234567", "http://127.0.0.1:9/2025-03", "token")
        uow.stores.add(store)
        uow.commit()
        store_id = store.id
    for start in range(0, len(payloads), 200):
        import_orders(app.uow(), store_id, payloads[start:start + 200], app.policy())
    with app.read_uow() as uow:
        orders = [o for o in uow.orders.list() if o.customer is not None and o.status.value != "cancelled"]
        return sorted(o.id for o in orders)[:count]


def bare_documents(app, numbers: list[int]) -> list:
    """The drafts of the same orders, for the floor (what nfelib + signing + validation cost alone)."""
    drafts = []
    with app.read_uow() as uow:
        company = uow.company.get()
        for number in numbers:
            order = uow.orders.get(number)
            lines, _ = lines_from_order(order)
            now = datetime.now(timezone.utc)
            inputs = draft_inputs(company, order, lines, uow.products.by_ids(x.product_id for x in lines), now)
            drafts.append(new_draft(company, order, inputs, 1, 900000 + number, now))
        certificate = certificate_for(company, app.cipher)
    return drafts, certificate


@contextlib.contextmanager
def sefaz_simulator(where: str):
    """The SEFAZ simulator's base URL: `lojasync sefaz-simulator` in its own process, or embedded in this one."""
    if where == "embedded":
        with BackgroundSefaz() as simulator:
            yield simulator.url
        return
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1] / "src"),
                                                         os.environ.get("PYTHONPATH", "")])}
    process = start_lojasync(["sefaz-simulator", "--port", str(port)], f"{url}/_simulator/switches", env=env,
                             timeout=60)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def run(count: int, seed: int, warmup: int = 10, sefaz_where: str = "process", parallel: int = 0) -> dict:
    with tempfile.TemporaryDirectory() as workdir, sefaz_simulator(sefaz_where) as sefaz_url:
        settings, app = company_app(workdir, sefaz_url)
        numbers = invoiceable_orders(app, count + warmup, seed)
        # SEFAZ as the CLI, the pages and the worker reach it (a `lojasync sefaz-simulator` by URL).
        sefaz = sefaz_for(settings)
        drafts, certificate = bare_documents(app, numbers)
        if parallel:
            figures = _batches(app, sefaz, numbers, drafts, certificate, warmup, parallel)
            app.close()
            return figures

        # End to end and the floor take turns, one document each: this machine's speed drifts by 10-20%
        # over a minute (other tenants), and two runs one after the other would compare different machines.
        latencies, bare, warming = [], 0.0, []
        for index, (number, draft) in enumerate(zip(numbers, drafts, strict=True)):
            begun = time.perf_counter()
            # One order's NF-e generated and transmitted alone (`lojasync orders invoice NUMBER`).
            authorised, _ = issue_invoice(app.uow(), app.cipher, sefaz, number)
            assert authorised.status == "authorised", authorised
            took = time.perf_counter() - begun

            bare_started = time.perf_counter()
            floor(draft, certificate)
            bare_took = time.perf_counter() - bare_started
            if index < warmup:
                warming.append((took, bare_took))
                continue
            latencies.append(took)
            bare += bare_took
        app.close()
        # Apart, after: run between the two above, it would warm what the next NF-e's seal uses.
        own = _bare(drafts[warmup:], certificate, own_seal)
    if warming:
        print(f"warm-up, not counted: {len(warming)} NF-e, the first {warming[0][0] * 1000:.0f} ms end to end and "
              f"{warming[0][1] * 1000:.0f} ms bare, all {sum(w[0] for w in warming) * 1000:.0f} ms and "
              f"{sum(w[1] for w in warming) * 1000:.0f} ms", file=sys.stderr)
    total = sum(latencies)
    _say_own_seal(own, total, len(latencies))
    latencies.sort()
    return {"invoices": len(latencies), "per_s": round(len(latencies) / total, 1),
            "ms_p50": round(statistics.median(latencies) * 1000, 1),
            "ms_p99": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1),
            "bare_per_s": round(len(latencies) / bare, 1), "ratio": round(total / bare, 2)}


def floor(draft, certificate) -> bytes:
    """The floor of one NF-e: nfelib's bindings built, serialized by xsdata, signed and validated."""
    signed = sign(to_xml(build_nfe(draft)), certificate)
    assert validate_signed(signed) == []
    return signed


def own_seal(draft, certificate) -> bytes:
    """lojasync's seal of the same NF-e (`_seal`'s steps): its writer in place of xsdata's serializer."""
    signed = sign(build_nfe_xml(draft), certificate)
    assert validate_signed(signed) == []
    return signed


def _say_own_seal(own: float, total: float, count: int) -> None:
    print(f"lojasync's own seal (its writer in place of xsdata's serializer): {own / count * 1000:.2f} ms per NF-e; "
          f"end to end against it: ratio {total / own:.2f}", file=sys.stderr)


def _bare(drafts: list, certificate, seal=floor) -> float:
    started = time.perf_counter()
    for draft in drafts:
        seal(draft, certificate)
    return time.perf_counter() - started


def _batches(app, sefaz, numbers: list[int], drafts: list, certificate, warmup: int, parallel: int,
             size: int = 20) -> dict:
    """The orders in batches of `size` (`orders invoice` with `--parallel`), each followed by the floor of the same
    documents: end to end and the floor take turns, as one document each does above. A batch's NF-e are done a
    group at a time: the time per NF-e is each batch's (the time between two NF-e done is nil inside a group)."""
    per_nfe: list[float] = []
    count = 0

    def done(item) -> None:
        nonlocal count
        assert item.invoice is not None and item.invoice.status == "authorised", item
        count += 1

    started = time.perf_counter()
    invoice_orders(app.uow, app.cipher, sefaz, numbers[:warmup], parallel=parallel)
    warming = time.perf_counter() - started
    print(f"warm-up, not counted: a batch of {warmup} NF-e, {warming * 1000:.0f} ms end to end and "
          f"{_bare(drafts[:warmup], certificate) * 1000:.0f} ms bare", file=sys.stderr)
    total = bare = 0.0
    for start in range(warmup, len(numbers), size):
        batch = numbers[start:start + size]
        begun = time.perf_counter()
        invoice_orders(app.uow, app.cipher, sefaz, batch, parallel=parallel, progress=done)
        took = time.perf_counter() - begun
        total += took
        per_nfe.append(took / len(batch))
        bare += _bare(drafts[start:start + size], certificate)
    _say_own_seal(_bare(drafts[warmup:], certificate, own_seal), total, count)
    per_nfe.sort()
    return {"invoices": count, "per_s": round(count / total, 1),
            "ms_p50": round(statistics.median(per_nfe) * 1000, 1),
            "ms_p99": round(per_nfe[min(len(per_nfe) - 1, int(len(per_nfe) * 0.99))] * 1000, 1),
            "bare_per_s": round(count / bare, 1), "ratio": round(total / bare, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=10, help="NF-e issued first and not counted")
    parser.add_argument("--sefaz", choices=["process", "embedded"], default="process",
                        help="the SEFAZ simulator in its own process (default) or in a thread of this one")
    parser.add_argument("--parallel", type=int, default=0, metavar="N",
                        help="run the orders as `orders invoice --parallel N` does (its default: 4); 0 (default): "
                             "one NF-e after the other, each on its own")
    args = parser.parse_args()
    print(json.dumps(run(args.invoices, args.seed, args.warmup, args.sefaz, args.parallel)))


if __name__ == "__main__":
    main()
