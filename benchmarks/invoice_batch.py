"""A batch of NF-e against a SEFAZ that takes its time to answer, one at a time and several at once.

The real SEFAZ answers an authorisation in a fraction of a second to a few seconds; the batch (`orders
invoice`, the page's "Gerar NF-e em lote", the API) spends most of its run waiting for it. This runs the same
batch service against the SEFAZ simulator over HTTP on 127.0.0.1, its `delay` switch standing in for SEFAZ's
answer time, once per `--parallel` value (fresh database each time), single process, SQLite. Prints one JSON
line per value: {"parallel", "invoices", "delay_s", "seconds", "per_s", "authorised"}.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from invoice_throughput import company_app, invoiceable_orders
from lojasync.entrypoints.sefaz_access import sefaz_for
from lojasync.fiscal.services.batch import invoice_orders
from lojasync.simulators.sefaz.server import BackgroundSefaz


def run(count: int, delay: float, parallel: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as workdir, BackgroundSefaz() as simulator:
        settings, app = company_app(workdir, simulator.url)
        numbers = invoiceable_orders(app, count, seed)
        simulator.simulator.set_switches(delay=delay)
        begun = time.perf_counter()
        report = invoice_orders(app.uow, app.cipher, sefaz_for(settings), numbers, parallel=parallel)
        seconds = time.perf_counter() - begun
        app.close()
    return {"parallel": parallel, "invoices": len(numbers), "delay_s": delay, "seconds": round(seconds, 2),
            "per_s": round(len(numbers) / seconds, 1), "authorised": len(report.authorised)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100)
    parser.add_argument("--delay", type=float, default=0.3, help="seconds SEFAZ takes to answer each one")
    parser.add_argument("--parallel", default="1,4,8", help="comma-separated values to compare")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for parallel in (int(x) for x in args.parallel.split(",")):
        print(json.dumps(run(args.invoices, args.delay, parallel, args.seed)), flush=True)


if __name__ == "__main__":
    main()
