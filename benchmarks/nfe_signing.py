"""Signing and checking one NF-e: a real 21-item NF-e from nfelib's samples, a test A1 (RSA-2048).

Prints one JSON line: {"items", "xml_bytes", "load_pfx_ms", "sign_ms", "verify_ms"} (per document,
median of 5 rounds of 200). Target: sign_ms <= 2. The .pfx is opened once; opening it per document
would cost more than the signature itself (load_pfx_ms).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from importlib.resources import files
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from lxml import etree

from lojasync.fiscal.certificate import TEST_CERTIFICATE_PASSWORD, Certificate, make_test_certificate
from lojasync.fiscal.signing import sign, verify

SAMPLE = "nfe/samples/v4_0/leiauteNFe/35180834128745000152550010000474491454651420-nfe.xml"
NFE, DS = "http://www.portalfiscal.inf.br/nfe", "http://www.w3.org/2000/09/xmldsig#"


def unsigned_sample() -> bytes:
    root = etree.fromstring((files("nfelib") / SAMPLE).read_bytes(), etree.XMLParser(remove_blank_text=True))
    nfe = root.find(f"{{{NFE}}}NFe")
    for old in nfe.findall(f"{{{DS}}}Signature"):
        nfe.remove(old)
    return etree.tostring(nfe)


def per_document_ms(action, rounds: int, count: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(count):
            action()
        timings.append((time.perf_counter() - started) / count * 1000)
    return round(statistics.median(timings), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    pfx = make_test_certificate("34128745000152", "EMPRESA TESTE LTDA")
    started = time.perf_counter()
    certificate = Certificate.load(pfx, TEST_CERTIFICATE_PASSWORD)
    load_ms = (time.perf_counter() - started) * 1000
    xml = unsigned_sample()
    signed = sign(xml, certificate)
    print(json.dumps({
        "items": xml.count(b"<det "),
        "xml_bytes": len(xml),
        "load_pfx_ms": round(load_ms, 1),
        "sign_ms": per_document_ms(lambda: sign(xml, certificate), 5, args.count),
        "verify_ms": per_document_ms(lambda: verify(signed), 5, args.count),
    }))


if __name__ == "__main__":
    main()
