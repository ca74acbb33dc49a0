"""Past SEFAZ's 24-hour deadline (501) the cancellation is refused, nothing moves, and the operator is told
what can still undo the sale, since cancelling again never will."""

from __future__ import annotations

import pytest

from lojasync.finance.services import list_receivables
from lojasync.fiscal.errors import CancellationRefused
from lojasync.fiscal.services.company import CompanyData, install_test_certificate, set_company
from lojasync.fiscal.services.invoice_cancellation import cancel_invoice
from lojasync.fiscal.services.invoices import issue_invoice
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from tests.factories import make_store, order_payload

COMPANY = CompanyData(legal_name="Loja Exemplo Ltda", cnpj="11.222.333/0001-81", ie="110042490114", street="Rua A",
                      number="10", district="Centro", city="São Paulo", uf="SP", zipcode="01001-000",
                      default_ncm="61091000")


def test_a_cancellation_past_the_deadline_says_what_can_still_undo_the_sale(app, sefaz, simulator):
    set_company(app.uow(), COMPANY)
    install_test_certificate(app.uow(), app.cipher)
    number = import_order(app.uow(), make_store(app), order_payload(id=2200000001), ImportPolicy()).order_number
    invoice, _ = issue_invoice(app.uow(), app.cipher, sefaz, number)
    simulator.simulator.advance_clock(25 * 3600)
    with pytest.raises(CancellationRefused) as refused:
        cancel_invoice(app.uow(), app.cipher, sefaz, invoice.id, "Cliente desistiu da compra")
    assert refused.value.params["status"] == "501"
    assert "NF-e de devolução" in refused.value.resolution and "continua autorizada" in refused.value.resolution
    assert [r["status"] for r in list_receivables(app.uow())] == ["open"]   # nothing moved
