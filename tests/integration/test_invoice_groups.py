"""A batch's groups: several NF-e numbered and marked as being sent in one transaction, their answers recorded in
one transaction, and what happens when one of them is refused, SEFAZ fails meanwhile, or two batches meet."""

from __future__ import annotations

import threading

import pytest

from lojasync.finance.services import list_receivables
from lojasync.fiscal.services.batch import NOT_SENT, invoice_orders
from lojasync.fiscal.services.company import CompanyData, install_test_certificate, set_company
from lojasync.fiscal.services.invoices import (
    prepare_invoices,
    record_decisions,
    transmit_invoice,
)
from lojasync.fiscal.services.views import show_invoice
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.sales.errors import OrderNotFound
from lojasync.stock.views import stock_levels
from tests.factories import make_store, order_payload

COMPANY = CompanyData(legal_name="Loja Exemplo Ltda", cnpj="11.222.333/0001-81", ie="110042490114", street="Rua A",
                      number="10", district="Centro", city="São Paulo", uf="SP", zipcode="01001-000",
                      default_ncm="61091000")


@pytest.fixture()
def company(app):
    set_company(app.uow(), COMPANY)
    install_test_certificate(app.uow(), app.cipher)


@pytest.fixture()
def store(app) -> int:
    return make_store(app)


def imported(app, store: int, **payload) -> int:
    return import_order(app.uow(), store, order_payload(**payload), ImportPolicy()).order_number


def stock(app) -> dict[str, int]:
    return {row["sku"]: row["quantity"] for row in stock_levels(app.uow())}


def invoices_of(app, number: int) -> list:
    with app.read_uow() as uow:
        return [show_invoice(app.uow(), i.id) for i in uow.invoices.for_order(number)]


def next_number(app) -> int:
    with app.read_uow() as uow:
        return uow.company.get().next_number


def test_a_group_is_numbered_in_its_orders_order_and_its_decisions_recorded_together(app, company, store, sefaz,
                                                                                    simulator):
    """One transaction numbers and marks the group; one records SEFAZ's decisions, an authorisation (stock and
    receivables) beside a rejection (nothing moves)."""
    numbers = [imported(app, store, id=2000000500 + i, payment_status="paid") for i in range(2)]
    first = next_number(app)
    ready = prepare_invoices(app.uow(), app.cipher, sefaz, numbers)
    assert [invoices_of(app, n)[0].number for n in numbers] == [first, first + 1]
    assert {invoices_of(app, n)[0].status for n in numbers} == {"awaiting_sefaz"}
    authorised = transmit_invoice(app.uow(), sefaz, ready[0])
    simulator.simulator.set_switches(reject_with="611", reject_reason="Rejeicao: GTIN invalido")
    rejected = transmit_invoice(app.uow(), sefaz, ready[1])

    recorded = record_decisions(app.uow(), sefaz, [(ready[0], authorised), (ready[1], rejected)])
    assert [(view.status, changed) for view, changed in recorded] == [("authorised", True), ("rejected", True)]
    assert recorded[1][0].rejection_code == "611"
    assert stock(app) == {"CAM-ALG-P": -2, "CAN-CER": -1}   # the authorised one's lines, once
    assert [r["order_number"] for r in list_receivables(app.uow())] == [numbers[0]]
    # Recorded again (a stopped batch records on its way out): nothing changes twice.
    again = record_decisions(app.uow(), sefaz, [(ready[0], authorised), (ready[1], rejected)])
    assert [changed for _, changed in again] == [False, False]
    assert stock(app) == {"CAM-ALG-P": -2, "CAN-CER": -1}


def test_a_group_with_an_order_refused_takes_no_number_and_changes_nothing(app, company, store, sefaz):
    good = imported(app, store, id=2000000510, payment_status="paid")
    cancelled = imported(app, store, id=2000000511, status="cancelled")
    first = next_number(app)
    with pytest.raises(Exception, match="Cancelado"):
        prepare_invoices(app.uow(), app.cipher, sefaz, [good, cancelled])
    with pytest.raises(OrderNotFound):
        prepare_invoices(app.uow(), app.cipher, sefaz, [good, 2000000599])
    with pytest.raises(ValueError):   # read together, its second NF-e would not see the first
        prepare_invoices(app.uow(), app.cipher, sefaz, [good, good])
    assert next_number(app) == first and invoices_of(app, good) == []


def test_only_decisions_are_recorded_together(app, company, store, sefaz, simulator):
    """Any other answer has steps of its own (asking SEFAZ again, flagging the order): refused here, nothing
    recorded, so the batch records each one on its own."""
    numbers = [imported(app, store, id=2000000520 + i, payment_status="paid") for i in range(2)]
    ready = prepare_invoices(app.uow(), app.cipher, sefaz, numbers)
    authorised = transmit_invoice(app.uow(), sefaz, ready[0])
    simulator.simulator.set_switches(out_of_service="108")
    out = transmit_invoice(app.uow(), sefaz, ready[1])
    with pytest.raises(ValueError):
        record_decisions(app.uow(), sefaz, [(ready[0], authorised), (ready[1], out)])
    assert [invoices_of(app, n)[0].status for n in numbers] == ["awaiting_sefaz"] * 2
    assert stock(app) == {"CAM-ALG-P": 0, "CAN-CER": 0}


def test_sefaz_failing_on_a_group_leaves_the_next_one_pending_and_sends_nothing_more(app, company, store, sefaz,
                                                                                     simulator):
    """The next group is numbered while the one before is at SEFAZ: SEFAZ out of service there, it is not sent
    (pending, as the orders after it, which are only generated) and says so; transmitted later, each goes once."""
    numbers = [imported(app, store, id=2000000530 + i, payment_status="paid") for i in range(6)]
    simulator.simulator.set_switches(out_of_service="108")
    report = invoice_orders(app.uow, app.cipher, sefaz, numbers, parallel=2)

    assert simulator.simulator.stats()["chamadas"].get("NFeAutorizacao4", 0) == 2   # the first group only
    assert [item.not_sent for item in report.items] == [False, False, True, True, True, True]
    assert all(item.error == NOT_SENT for item in report.items[2:])
    statuses = [(invoices_of(app, n)[0].status, invoices_of(app, n)[0].attempts) for n in numbers]
    assert statuses == [("awaiting_sefaz", 1)] * 2 + [("pending", 0)] * 4
    nfe_numbers = [invoices_of(app, n)[0].number for n in numbers]
    assert nfe_numbers == list(range(nfe_numbers[0], nfe_numbers[0] + 6))   # in the orders' order, no gap

    simulator.simulator.reset_switches()
    again = invoice_orders(app.uow, app.cipher, sefaz, numbers[2:], parallel=2)
    assert [item.refusal.code for item in again.items] == ["fiscal.order_has_document"] * 4   # not a second NF-e


@pytest.mark.postgresql
def test_a_group_and_nfe_generated_one_by_one_on_the_same_orders_meet_without_deadlock(app, company, store, sefaz,
                                                                                      simulator):
    """A group locks all its orders, in the order of their numbers, before the company (whose lock takes the
    number), as one NF-e alone locks its order before the company: a person generating NF-e one by one (the back
    office), from the last order back, while a batch takes them all in one group, waits or finds the order
    invoiced; neither gets a deadlock's "try again", and each order has one NF-e."""
    from lojasync.fiscal.errors import OrderAlreadyProcessing
    from lojasync.fiscal.services.invoices import generate_invoice

    numbers = [imported(app, store, id=2000000540 + i, payment_status="paid") for i in range(8)]
    barrier, reports, made, errors = threading.Barrier(2), [], [], []

    def batch() -> None:
        barrier.wait()
        try:
            reports.append(invoice_orders(app.uow, app.cipher, sefaz, numbers, parallel=8))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    def one_by_one() -> None:
        barrier.wait()
        for number in reversed(numbers):
            try:
                made.append(generate_invoice(app.uow(), app.cipher, number).order_number)
            except OrderAlreadyProcessing:
                pass
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

    threads = [threading.Thread(target=batch), threading.Thread(target=one_by_one)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    (report,) = reports
    assert errors == [] and report.failed == [], (errors, [item.error for item in report.failed])
    by_batch = [item.order_number for item in report.authorised]
    assert sorted(by_batch + made) == numbers and not set(by_batch) & set(made)
    assert [len(invoices_of(app, n)) for n in numbers] == [1] * 8
