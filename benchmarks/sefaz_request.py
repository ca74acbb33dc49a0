"""One NF-e authorisation (NFeAutorizacao4, indSinc 1) against the SEFAZ simulator, taken apart: what the
simulator spends on it and what the SOAP client spends on it, with the documents invoice_throughput.py sends.

The simulator runs in a thread of the same process in invoice_throughput.py, so both sides add to an NF-e's
time. Prints one JSON line, medians in microseconds per request:
{"requests", "handle_us"       simulator.handle() called directly (parse, checks, state, answer),
             "server_cpu_us"   the simulator thread's CPU per authorise() over HTTP (handle + web server),
             "client_cpu_us"   the calling thread's CPU per authorise() (SOAP messages + httpx + sockets),
             "authorise_us"    SefazSoapClient.authorise() wall time}
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from invoice_throughput import bare_documents, company_app, invoiceable_orders
from lojasync.fiscal.nfe_xml import build_nfe_xml
from lojasync.fiscal.sefaz import SefazSoapClient, Service, envelope, messages
from lojasync.fiscal.sefaz.connections import SefazConnections
from lojasync.fiscal.signing import sign
from lojasync.simulators.sefaz.server import BackgroundSefaz
from lojasync.simulators.sefaz.simulator import SefazSimulator


def signed_documents(count: int, seed: int) -> list[bytes]:
    with tempfile.TemporaryDirectory() as workdir:
        _, app = company_app(workdir, "http://127.0.0.1:9")
        drafts, certificate = bare_documents(app, invoiceable_orders(app, count, seed))
        app.close()
    return [sign(build_nfe_xml(draft), certificate) for draft in drafts]


def median_us(values: list[float]) -> int:
    return round(statistics.median(values) * 1e6)


def handle_direct(documents: list[bytes]) -> list[float]:
    simulator = SefazSimulator()
    content_type = envelope.content_type(Service.AUTHORISATION)
    bodies = [envelope.request(Service.AUTHORISATION, messages.envi_nfe(d, messages.batch_id())) for d in documents]
    timings = []
    for body in bodies:
        started = time.perf_counter()
        reply = simulator.handle(Service.AUTHORISATION.value, content_type, body)
        timings.append(time.perf_counter() - started)
        assert b"<cStat>100</cStat>" in reply.body, reply.body
    return timings


def over_http(documents: list[bytes]) -> tuple[list[float], list[float], list[float]]:
    connections = SefazConnections()
    wall, server_cpu, client_cpu = [], [], []
    with BackgroundSefaz() as simulator, \
            SefazSoapClient("SP", base_url=simulator.url, timeout=10, connections=connections) as client:
        server_clock = time.pthread_getcpuclockid(simulator._server._thread.ident)
        client.service_status()  # the connection open before timing
        for document in documents:
            server_started, client_started = time.clock_gettime(server_clock), time.thread_time()
            started = time.perf_counter()
            answer = client.authorise(document)
            wall.append(time.perf_counter() - started)
            client_cpu.append(time.thread_time() - client_started)
            server_cpu.append(time.clock_gettime(server_clock) - server_started)
            assert answer.status == "100", answer
    connections.close()
    return wall, server_cpu, client_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    documents = signed_documents(args.requests, args.seed)
    handle = handle_direct(documents)
    wall, server_cpu, client_cpu = over_http(documents)
    print(json.dumps({"requests": len(documents), "handle_us": median_us(handle),
                      "server_cpu_us": median_us(server_cpu), "client_cpu_us": median_us(client_cpu),
                      "authorise_us": median_us(wall)}))


if __name__ == "__main__":
    main()
