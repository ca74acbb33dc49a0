"""An NF-e awaiting SEFAZ's answer that someone cancelled elsewhere (another program with the certificate, the
SEFAZ portal): asked by key, SEFAZ answers 101. It used to stay "aguardando SEFAZ" for good, flagged and asked
every round; it is now cancelled here, with nothing moved and nothing to reverse, what SEFAZ holds kept, and
the order free for another document."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from lojasync.finance.services import list_receivables
from lojasync.fiscal.errors import DocumentStateRefused
from lojasync.fiscal.gateway import Environment, SefazAnswer
from lojasync.fiscal.nfe_events import build_cancellation_event_xml
from lojasync.fiscal.sefaz import SefazUnreachable
from lojasync.fiscal.services.invoice_files import DanfeNeverAvailable, cancellation_xml, invoice_danfe, invoice_xml
from lojasync.fiscal.services.invoices import (
    Sefaz,
    approve_invoice,
    certificate_for,
    generate_invoice,
    invoices_awaiting_sefaz,
)
from lojasync.fiscal.services.views import show_invoice
from lojasync.fiscal.signing import sign
from lojasync.sales.views import show_order
from tests.integration.test_invoices import company, imported, stock  # noqa: F401 - the company fixture

LATER = lambda: datetime(2099, 1, 1, tzinfo=timezone.utc)  # noqa: E731 - past the sending window


def _awaiting(app, sefaz, simulator, order_id: int):
    """An NF-e SEFAZ authorised whose answer never arrived: "aguardando SEFAZ" here."""
    number = imported(app, id=order_id, payment_status="paid")
    invoice = generate_invoice(app.uow(), app.cipher, number)
    simulator.simulator.set_switches(drop_answers=1)
    with pytest.raises(SefazUnreachable):
        approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)
    return number, show_invoice(app.uow(), invoice.id)


def _cancel_elsewhere(app, sefaz, simulator, key: str) -> SefazAnswer:
    """What another program with the company's certificate does: the cancellation event, sent to SEFAZ.
    `simulator`: the SEFAZ simulator (`BackgroundSefaz.simulator`), which knows the NF-e's protocol."""
    with app.read_uow() as uow:
        company_ = uow.company.get()
        certificate = certificate_for(company_, app.cipher)
        cnpj = company_.cnpj
    protocol = simulator.state.get_nfe(key).protocol
    event = build_cancellation_event_xml(key, cnpj, protocol, "Cancelada pelo outro sistema da loja",
                                         when=datetime.now(timezone.utc), environment=Environment.HOMOLOGATION,
                                         uf_code=key[:2])
    return sefaz.connect(key[:2], "2", certificate).cancel(sign(event, certificate, element="infEvento"))


def test_an_nfe_cancelled_elsewhere_while_awaiting_sefaz_is_cancelled_here_with_nothing_moved(
        app, company, sefaz, simulator):  # noqa: F811
    number, invoice = _awaiting(app, sefaz, simulator, 2000000101)
    stock_before = stock(app)
    registered = _cancel_elsewhere(app, sefaz, simulator.simulator, invoice.access_key)
    assert registered.status == "135"

    settled, changed = approve_invoice(app.uow(), app.cipher, sefaz, invoice.id, now=LATER)

    assert changed and settled.status == "cancelled"
    assert settled.cancelled_elsewhere and settled.simulated   # the simulator's, as its authorisation would be
    assert "nunca constou como autorizada aqui" in settled.elsewhere_note
    assert stock(app) == stock_before
    assert list_receivables(app.read_uow()) == []
    order = show_order(app.uow(), number)
    assert order["processed_by"] is None
    assert order["needs_attention"] and "cancelada fora do lojasync (101 - " in order["attention_reason"]
    entry = order["log"][-1]
    assert (entry["event"], entry["level"]) == ("invoice_cancelled_elsewhere", "warning")
    assert "o cancelamento não foi feito pelo lojasync" in entry["message"]
    # What SEFAZ holds is kept: the authorised NF-e with its protocol, and the cancellation event.
    with app.read_uow() as uow:
        stored = uow.invoices.get(invoice.id)
        assert stored.protocol == simulator.simulator.state.get_nfe(invoice.access_key).protocol
        assert stored.cancel_protocol == registered.protocol
        assert stored.cancel_justification == "Cancelada pelo outro sistema da loja"
    assert b"<protNFe" in invoice_xml(app.uow(), invoice.id)
    assert b"Cancelada pelo outro sistema da loja" in cancellation_xml(app.uow(), invoice.id)
    # Settled: no longer among those the worker asks about, and not to be transmitted again.
    assert invoice.id not in invoices_awaiting_sefaz(app.uow(), LATER())
    with pytest.raises(DocumentStateRefused):
        approve_invoice(app.uow(), app.cipher, sefaz, invoice.id, now=LATER)
    # The order is free for another NF-e.
    second = generate_invoice(app.uow(), app.cipher, number)
    assert second.id != invoice.id and second.status == "pending"


def test_a_query_saying_cancelled_without_its_event_still_settles_the_nfe(app, company, sefaz,  # noqa: F811
                                                                         simulator):
    """151 (cancelled past the deadline) and no procEventoNFe in the answer: cancelled here all the same, with no
    cancellation protocol rather than the authorisation's."""
    number, invoice = _awaiting(app, sefaz, simulator, 2000000102)

    class CancelledThere:
        def query_nfe(self, key):
            return SefazAnswer("151", "Cancelamento de NF-e homologado fora de prazo", protocol="135990000000001",
                               access_key=key, received_at=datetime(2026, 1, 2, tzinfo=timezone.utc))

    gateway = Sefaz(lambda uf, env, cert, deadline=None: CancelledThere(), simulated=True)
    settled, changed = approve_invoice(app.uow(), app.cipher, gateway, invoice.id, now=LATER)
    assert changed and settled.status == "cancelled"
    with app.read_uow() as uow:
        stored = uow.invoices.get(invoice.id)
        # No protNFe in the answer: nothing of the authorisation is known (its nProt and time are protNFe's).
        assert (stored.protocol, stored.authorised_at, stored.proc_xml, stored.cancel_protocol) == (None,) * 4
        assert stored.cancelled_at.year == 2099   # when it was learned, not the authorisation's time
        assert stored.cancel_justification == ("Cancelada fora do lojasync (a SEFAZ informou 151 - Cancelamento de "
                                               "NF-e homologado fora de prazo)")
    assert show_order(app.uow(), number)["needs_attention"]
    # No nfeProc, so no DANFE, and the refusal does not send the person to transmit it again.
    with pytest.raises(DanfeNeverAvailable) as refused:
        invoice_danfe(app.uow(), app.uow, invoice.id)
    assert "Transmita" not in refused.value.resolution



def test_an_nfe_sefaz_holds_cancelled_sent_as_new_is_recorded_as_sefaz_holds_it(app, company, sefaz, simulator):  # noqa: F811
    """SEFAZ answers 218 to an NF-e sent again that it holds cancelled (another program sent and cancelled it with the
    company's certificate; a backup restored from before). 218 read as a rejection rebuilt it with a new key under
    the same number, refused 539 from then on; asked by key, it is cancelled here with what SEFAZ holds."""
    number = imported(app, id=2000000109, payment_status="paid")
    invoice = generate_invoice(app.uow(), app.cipher, number)
    with app.read_uow() as uow:
        xml = uow.invoices.get(invoice.id).xml.encode()
        certificate = certificate_for(uow.company.get(), app.cipher)
    assert sefaz.connect(invoice.access_key[:2], "2", certificate).authorise(xml).status == "100"   # elsewhere
    assert _cancel_elsewhere(app, sefaz, simulator.simulator, invoice.access_key).status == "135"
    stock_before = stock(app)

    settled, changed = approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)

    assert changed and settled.status == "cancelled" and settled.cancelled_elsewhere
    assert settled.access_key == invoice.access_key   # not rebuilt
    assert simulator.simulator.stats()["respostas"].get("218") == 1
    assert stock(app) == stock_before and list_receivables(app.read_uow()) == []
    assert cancellation_xml(app.uow(), invoice.id)   # the cancellation event SEFAZ holds, kept


def test_the_stores_refund_meanwhile_asks_nobody_to_cancel_an_nfe_found_cancelled_elsewhere(app, company, sefaz,  # noqa: F811
                                                                                           simulator):
    """Review of the refund's reason: refunded in the store while its NF-e awaited SEFAZ, the order asked to cancel
    the NF-e once authorised; SEFAZ holding it cancelled already (another program), the reason stayed."""
    from datetime import timedelta

    from lojasync.nuvemshop.services.import_orders import import_order
    from lojasync.nuvemshop.services.import_policy import ImportPolicy
    from tests.factories import order_payload, ts
    from tests.integration.test_invoices import _stores

    number, invoice = _awaiting(app, sefaz, simulator, 2000000461)
    import_order(app.uow(), _stores(app)[0], order_payload(id=2000000461, payment_status="refunded",
                                                           updated_at=ts(60)), ImportPolicy())
    assert "O pagamento do pedido foi reembolsado" in show_order(app.uow(), number)["attention_reason"]
    assert _cancel_elsewhere(app, sefaz, simulator.simulator, invoice.access_key).status == "135"
    later = lambda: datetime.now(timezone.utc) + timedelta(minutes=6)  # noqa: E731 - past the sending window
    assert approve_invoice(app.uow(), app.cipher, sefaz, invoice.id, now=later)[0].status == "cancelled"
    assert "O pagamento do pedido foi reembolsado" not in (show_order(app.uow(), number)["attention_reason"] or "")
