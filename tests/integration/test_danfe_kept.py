"""The DANFE of an NF-e of many lines is drawn once and kept under the key of all it is drawn from, on a real
database (SQLite, or PostgreSQL with LOJASYNC_TEST_DATABASE_URL) and the SEFAZ simulator over HTTP: asked again,
it is served without being drawn; cancelled, it is drawn anew with its mark, then kept in its turn."""

from __future__ import annotations

import pytest

from lojasync.fiscal import danfe as danfe_module
from lojasync.fiscal.services.company import install_test_certificate, set_company
from lojasync.fiscal.services.invoice_cancellation import cancel_invoice
from lojasync.fiscal.services.invoice_files import KEPT_FROM_LINES, invoice_danfe
from lojasync.fiscal.services.invoices import approve_invoice, generate_invoice
from tests.factories import order_payload
from tests.integration.test_customer_state_registration import imported, pdf_text
from tests.integration.test_invoices import COMPANY


@pytest.fixture()
def company(app):
    set_company(app.uow(), COMPANY)
    install_test_certificate(app.uow(), app.cipher)


@pytest.fixture()
def drawings(monkeypatch) -> list[int]:
    """The DANFEs drawn (their invoice's line count is not needed: one entry per drawing)."""
    drawn, count = danfe_module.drawn, []

    def counted(source):
        count.append(source.lines)
        return drawn(source)
    monkeypatch.setattr(danfe_module, "drawn", counted)   # invoice_files takes it from the module when it draws
    return count


def authorised(app, sefaz, lines: int) -> int:
    products = [{"id": n, "product_id": 500 + n, "variant_id": 600 + n, "name": f"Produto {n}", "sku": f"SKU-{n}",
                 "price": "10.00", "quantity": 1} for n in range(1, lines + 1)]
    total = f"{10 * lines}.00"
    (number,) = imported(app, order_payload(products=products, subtotal=total, total=total, discount="0.00",
                                            discount_coupon="0.00", shipping_cost_customer="0.00"))
    invoice, _ = approve_invoice(app.uow(), app.cipher, sefaz, generate_invoice(app.uow(), app.cipher, number).id)
    assert invoice.status == "authorised", invoice.rejection_reason
    return invoice.id


def danfe(app, invoice_id: int) -> bytes:
    """As the page, the API and `lojasync invoices danfe` ask for it."""
    return invoice_danfe(app.read_uow(), app.uow, invoice_id)


def test_asked_again_it_is_served_as_kept_and_cancelled_it_is_drawn_anew(app, company, sefaz, drawings):
    invoice_id = authorised(app, sefaz, KEPT_FROM_LINES)
    first = danfe(app, invoice_id)
    assert danfe(app, invoice_id) == first and drawings == [KEPT_FROM_LINES]

    cancel_invoice(app.uow(), app.cipher, sefaz, invoice_id, "Cliente desistiu da compra antes do envio")
    cancelled = danfe(app, invoice_id)
    assert len(drawings) == 2 and cancelled != first
    assert any("CANCELADA" in text for text in pdf_text(cancelled))
    assert not any("CANCELADA" in text for text in pdf_text(first))
    assert danfe(app, invoice_id) == cancelled and len(drawings) == 2


def test_a_danfe_of_few_lines_is_drawn_each_time_not_kept(app, company, sefaz, drawings):
    invoice_id = authorised(app, sefaz, 2)
    assert danfe(app, invoice_id) and danfe(app, invoice_id) and drawings == [2, 2]


def test_a_danfe_that_cannot_be_kept_is_served_all_the_same(app, company, sefaz, drawings):
    """review: keeping it failing otherwise than by a write conflict (the disk full, the database read-only for a
    while) turned the PDF already drawn into the "DANFE indisponível" page."""
    from lojasync.shared.errors import LojasyncError

    invoice_id = authorised(app, sefaz, KEPT_FROM_LINES)

    class ReadOnlyForAWhile(LojasyncError):
        code = "database.unavailable"
        message_template = "banco somente leitura"

    def writer():
        raise ReadOnlyForAWhile()

    pdf = invoice_danfe(app.read_uow(), writer, invoice_id)
    assert pdf.startswith(b"%PDF") and drawings == [KEPT_FROM_LINES]
    again = danfe(app, invoice_id)   # not kept then: drawn again, and kept now
    assert again.startswith(b"%PDF") and len(drawings) == 2
    assert danfe(app, invoice_id) == again and len(drawings) == 2
