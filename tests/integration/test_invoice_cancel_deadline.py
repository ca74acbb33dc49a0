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



def test_a_refused_cancellation_is_in_the_orders_history_with_who_asked_and_why(app, sefaz, simulator):
    """review: a cancellation SEFAZ refused (or that never reached it) left no trace once the request was
    cleared: not who asked, not the justification, not SEFAZ's answer."""
    from lojasync.fiscal.errors import CancellationQueued
    from lojasync.sales.history import Person
    from lojasync.sales.views import show_order
    from tests.integration.test_invoice_cancellation_settlement import NOWHERE

    set_company(app.uow(), COMPANY)
    install_test_certificate(app.uow(), app.cipher)
    number = import_order(app.uow(), make_store(app), order_payload(id=2200000002), ImportPolicy()).order_number
    invoice, _ = issue_invoice(app.uow(), app.cipher, sefaz, number)

    def entries(kind: str) -> list[dict]:
        return [e for e in show_order(app.uow(), number)["log"] if e["event"] == kind]

    with pytest.raises(CancellationQueued):   # no connection: SEFAZ never got it, the worker will send it
        cancel_invoice(app.uow(), app.cipher, NOWHERE, invoice.id, "Pedido em duplicidade na loja", Person("Bia"))
    (never,) = entries("invoice_cancel_queued")
    assert never["actor_name"] == "Bia" and "motivo: Pedido em duplicidade na loja" in never["message"]
    assert "conexão recusada ou servidor fora do alcance" in never["message"]

    simulator.simulator.advance_clock(25 * 3600)
    with pytest.raises(CancellationRefused):   # asked first, SEFAZ holds it authorised: Bia's never got there
        cancel_invoice(app.uow(), app.cipher, sefaz, invoice.id, "Cliente desistiu da compra", Person("Ana"))
    (refused,) = entries("invoice_cancel_refused")
    assert refused["level"] == "warning" and refused["actor_name"] == "Ana"
    assert refused["message"].startswith("Cancelamento da NF-e nº 1 série 1 pedido (motivo: Cliente desistiu da "
                                         "compra) e não registrado: SEFAZ recusou o cancelamento da NF-e nº 1: 501 - ")
    assert refused["message"].endswith("A NF-e continua autorizada; estoque e contas a receber ficaram como "
                                       "estavam.")
    assert [r["status"] for r in list_receivables(app.uow())] == ["open"]   # nothing moved
    with app.read_uow() as uow:   # nothing left pending: sent again, it would only be refused again
        assert uow.invoices.get(invoice.id).cancel_requested_at is None
