"""Building one NF-e: draft -> nfelib binding -> XML bytes -> XSD check, with the process's shared serializer
and compiled schema (`fiscal.nfe_xml`, `fiscal.nfe_schema`).

Prints one JSON line per item count: {"items", "xml_bytes", "checks_ms", "build_ms", "serialize_ms",
"written_ms", "validate_ms", "total_ms", "nfelib_to_xml_ms"} (per document, median of 5 rounds; CPU time of this
process, so other work on the machine does not inflate it). `serialize_ms` is xsdata's shared serializer,
`written_ms` lojasync's writer (`fiscal.nfe_writer`: the same bytes, what `build_nfe_xml` uses); `total_ms` is
`build_nfe_xml` + `schema_errors`, the checks included; `nfelib_to_xml_ms` is nfelib's own `Nfe.to_xml()` of
the same binding, for comparison.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from lojasync.fiscal.access_key import build_access_key
from lojasync.fiscal.nfe_build import build_nfe
from lojasync.fiscal.nfe_checks import draft_problems
from lojasync.fiscal.nfe_data import (
    Crt,
    FiscalAddress,
    InvoiceDraft,
    InvoiceItem,
    Issuer,
    Payment,
    Recipient,
    TaxSettings,
)
from lojasync.fiscal.nfe_schema import schema_errors
from lojasync.fiscal.nfe_writer import plain_xml
from lojasync.fiscal.nfe_xml import NFE_NAMESPACE, build_nfe_xml, serializer, to_xml

WHEN = datetime(2026, 10, 5, 14, 30, tzinfo=timezone(timedelta(hours=-3)))


def sample_draft(items: int) -> InvoiceDraft:
    """A regime-normal store in São Paulo selling to a consumer in Rio: every group lojasync writes (ICMS00,
    PIS/COFINS, DIFAL, IBS/CBS) is in it."""
    lines = tuple(InvoiceItem(f"SKU-{n}", f"Produto de teste {n}", "61091000", Decimal(n % 3 + 1),
                              Decimal("39.90") + n) for n in range(items))
    freight, discount = Decimal("19.90"), Decimal("5.00")
    total = sum((x.quantity * x.unit_price for x in lines), Decimal(0)) - discount + freight
    issuer = Issuer("Loja Exemplo Ltda", "12ABC34501DE35", "110042490114",
                    FiscalAddress("Rua das Flores", "100", "Centro", "3550308", "São Paulo", "SP", "01001000"),
                    crt=Crt.REGIME_NORMAL)
    recipient = Recipient("Maria da Silva", "52998224725",
                          FiscalAddress("Av. Atlântica", "500", "Copacabana", "3304557", "Rio de Janeiro", "RJ",
                                        "22010000"))
    key = build_access_key("35", WHEN, issuer.cnpj, 1, 42, random_code="20627771")
    return InvoiceDraft(issuer, recipient, lines, (Payment("credit_card", total, 3),), 1, 42, key, "20627771",
                        WHEN, "1042", freight=freight, discount=discount, order_total=total,
                        taxes=TaxSettings(destination_icms_rates={"RJ": Decimal("20")}))


def per_document_ms(action, rounds: int, count: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(count):
            action()
        timings.append((time.process_time() - started) / count * 1000)
    return round(statistics.median(timings), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--items", type=int, nargs="*", default=[1, 5, 20])
    args = parser.parse_args()
    for items in args.items:
        draft = sample_draft(items)
        binding = build_nfe(draft)
        xml = build_nfe_xml(draft)
        if xml != to_xml(binding):
            raise SystemExit("the writer's NF-e differs from xsdata's")
        if schema_errors(xml):      # also compiles the schema, outside the timings
            raise SystemExit(schema_errors(xml))
        nfelib_ms = per_document_ms(lambda binding=binding: binding.to_xml(indent=""), 3, 10)
        print(json.dumps({
            "items": items,
            "xml_bytes": len(xml),
            "checks_ms": per_document_ms(lambda draft=draft: draft_problems(draft), 5, args.count),
            "build_ms": per_document_ms(lambda draft=draft: build_nfe(draft), 5, args.count),
            "serialize_ms": per_document_ms(lambda binding=binding: to_xml(binding), 5, args.count),
            "written_ms": per_document_ms(
                lambda binding=binding: plain_xml(binding, serializer().context, NFE_NAMESPACE), 5, args.count),
            "validate_ms": per_document_ms(lambda xml=xml: schema_errors(xml), 5, args.count),
            "total_ms": per_document_ms(lambda draft=draft: schema_errors(build_nfe_xml(draft)), 5, args.count),
            "nfelib_to_xml_ms": nfelib_ms,
        }))


if __name__ == "__main__":
    main()
