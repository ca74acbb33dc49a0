"""`invoices cancel` and `sales cancel` with `--format json`: a script learns, as the API's caller does
(`receivables_to_check`), that receivables received before the cancellation were kept and flagged "conferir", and
the command that lists them. The table said it ("Para conferir: ..."); the JSON said nothing (journey review)."""

from __future__ import annotations

import json

from lojasync.nuvemshop.services.import_orders import import_orders
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from tests.factories import make_store, order_payload


def _orders(app, *ids: int) -> list[int]:
    payment = {"method": "credit_card", "credit_card_company": "visa", "installments": "2"}
    payloads = [order_payload(id=i, payment_status="paid", payment_details=payment) for i in ids]
    report = import_orders(app.uow(), make_store(app), payloads, ImportPolicy())
    return [r.order_number for r in report.results]


def _cli(lojasync, *args: str):
    return json.loads(lojasync(*args, "--format", "json"))


def test_a_cancelled_sale_with_a_receipt_names_the_command_listing_what_to_check(app, lojasync):
    kept, clean = _orders(app, 2600000001, 2600000002)
    sale = _cli(lojasync, "orders", "sale", str(kept))
    lojasync("sales", "confirm", str(sale["id"]))
    first = next(r for r in _cli(lojasync, "receivables", "list") if r["order_number"] == kept)
    lojasync("receivables", "receive", str(first["id"]))

    cancelled = _cli(lojasync, "sales", "cancel", str(sale["id"]))
    command = f"lojasync receivables list --order {kept} --conferir"
    assert (cancelled["changed"], cancelled["receivables_to_check"]) == (True, command)
    # A retry says it again, as the API's does.
    assert _cli(lojasync, "sales", "cancel", str(sale["id"]))["receivables_to_check"] == command

    # Nothing received: the key is there, null (a script reads one shape).
    other = _cli(lojasync, "orders", "sale", str(clean))
    lojasync("sales", "confirm", str(other["id"]))
    assert _cli(lojasync, "sales", "cancel", str(other["id"]))["receivables_to_check"] is None


def test_a_cancelled_nfe_with_a_receipt_names_the_command_listing_what_to_check(app, lojasync):
    (order_number,) = _orders(app, 2600000011)
    lojasync("company", "set", "--name", "Loja Exemplo Ltda", "--cnpj", "11.222.333/0001-81", "--ie", "110042490114",
             "--street", "Rua A", "--number", "10", "--district", "Centro", "--city", "São Paulo", "--uf", "SP",
             "--zipcode", "01001-000", "--default-ncm", "61091000")
    lojasync("company", "certificate", "--test")
    (invoice,) = _cli(lojasync, "orders", "invoice", str(order_number))
    assert invoice["status"] == "authorised"
    first = _cli(lojasync, "receivables", "list")[0]
    lojasync("receivables", "receive", str(first["id"]))

    cancelled = _cli(lojasync, "invoices", "cancel", str(invoice["id"]), "--reason", "Cliente desistiu da compra")
    assert cancelled["status"] == "cancelled"
    assert cancelled["receivables_to_check"] == f"lojasync receivables list --order {order_number} --conferir"
    lojasync("receivables", "check", str(first["id"]))
    # Checked: nothing left to check, said by a retry too.
    again = _cli(lojasync, "invoices", "cancel", str(invoice["id"]), "--reason", "Cliente desistiu da compra")
    assert (again["changed"], again["receivables_to_check"]) == (False, None)
