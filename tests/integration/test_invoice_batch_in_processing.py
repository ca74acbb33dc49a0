"""An NF-e SEFAZ took in an asynchronous batch it is still processing (103/105): SEFAZ's base does not have it yet,
so a query by key answers 217. Its batch's receipt is kept and asked first: until the receipt gives the NF-e's
protNFe, it stays awaiting SEFAZ, even when the store changed the order meanwhile (before, the 217 was taken for
"never got it": the NF-e was made pending, to be discarded, while SEFAZ went on to authorise it)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lojasync.fiscal.errors import SefazNotDecided
from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.sefaz import SefazSoapClient
from lojasync.fiscal.services.invoices import Sefaz, approve_invoice, generate_invoice
from lojasync.sales.status import OrderStatus
from lojasync.sales.views import show_order
from tests.integration.test_invoices import company, imported  # noqa: F401 - fixture


@pytest.fixture()
def asynchronous(simulator) -> Sefaz:
    """An authoriser that answers batches asynchronously, slow to process them: the client polls the receipt once."""
    simulator.simulator.reset()
    simulator.simulator.set_switches(sync=False, processing_polls=2)
    yield Sefaz(lambda uf, env, cert, deadline=None: SefazSoapClient(
        uf, Environment(env), certificate=cert, deadline=deadline, base_url=simulator.url, timeout=2, polls=1,
        poll_interval=0.01), simulated=True)
    simulator.simulator.reset_switches()


def calls(simulator, service: str) -> int:
    return simulator.simulator.stats()["chamadas"].get(service, 0)


def in_minutes(minutes: int):
    return lambda: datetime.now(timezone.utc) + timedelta(minutes=minutes)   # past the sending window each time


def test_an_nfe_in_a_batch_sefaz_still_processes_waits_for_its_receipt(app, company, asynchronous,  # noqa: F811
                                                                       simulator):
    number = imported(app, id=2000000601, payment_status="paid")
    invoice = generate_invoice(app.uow(), app.cipher, number)
    with pytest.raises(SefazNotDecided) as undecided:   # 103, then 105 to the one poll
        approve_invoice(app.uow(), app.cipher, asynchronous, invoice.id)
    assert undecided.value.params["status"] == "105"
    with app.read_uow() as uow:
        receipt = uow.invoices.get(invoice.id).sefaz_receipt
    assert receipt is not None and len(receipt) == 15
    with app.uow() as uow:   # meanwhile the store cancels the order
        uow.orders.get(number).status = OrderStatus.CANCELLED
        uow.commit()

    # Asked by its receipt: still in processing (by key SEFAZ would say 217). It stays awaiting SEFAZ.
    with pytest.raises(SefazNotDecided):
        approve_invoice(app.uow(), app.cipher, asynchronous, invoice.id, now=in_minutes(6))
    with app.read_uow() as uow:
        assert uow.invoices.get(invoice.id).status.value == "awaiting_sefaz"

    # The batch processed: the receipt brings its authorisation, recorded, and the order flagged for a person.
    view, changed = approve_invoice(app.uow(), app.cipher, asynchronous, invoice.id, now=in_minutes(12))
    assert changed and view.status == "authorised" and view.protocol
    assert calls(simulator, "NFeAutorizacao4") == 1 and calls(simulator, "NFeRetAutorizacao4") == 3
    assert calls(simulator, "NFeConsultaProtocolo4") == 0
    assert show_order(app.uow(), number)["needs_attention"]


def test_a_receipt_sefaz_no_longer_finds_is_followed_by_a_query_by_key(app, company, asynchronous,  # noqa: F811
                                                                       simulator):
    number = imported(app, id=2000000602, payment_status="paid")
    invoice = generate_invoice(app.uow(), app.cipher, number)
    with pytest.raises(SefazNotDecided):
        approve_invoice(app.uow(), app.cipher, asynchronous, invoice.id)
    simulator.simulator.state.receipts.clear()   # SEFAZ keeps receipts for a while only: 106 "Lote nao localizado"
    view, changed = approve_invoice(app.uow(), app.cipher, asynchronous, invoice.id, now=in_minutes(6))
    assert changed and view.status == "authorised"   # its query by key found it authorised
    assert calls(simulator, "NFeConsultaProtocolo4") == 1 and calls(simulator, "NFeAutorizacao4") == 1


def test_a_receipt_asked_too_often_leaves_the_nfe_awaiting_and_an_empty_answer_goes_to_the_key(
        app, company, asynchronous, simulator, monkeypatch):  # noqa: F811
    """Review of the receipt's change: an answer to the receipt that decides nothing now (656 "consumo indevido") led
    to the query by key, which says 217 while the batch is in processing: with the order changed, the NF-e was made
    pending. It stays awaiting SEFAZ. An answer with nothing in it (104 without the protNFe) is no reason to wait
    for ever: the NF-e is asked about by key."""
    from lojasync.fiscal.errors import SefazPausedTheKey
    from lojasync.fiscal.gateway import SefazAnswer
    from lojasync.fiscal.sefaz import SefazInvalidAnswer

    number = imported(app, id=2000000603, payment_status="paid")
    invoice = generate_invoice(app.uow(), app.cipher, number)
    with pytest.raises(SefazNotDecided):
        approve_invoice(app.uow(), app.cipher, asynchronous, invoice.id)
    with app.uow() as uow:
        uow.orders.get(number).status = OrderStatus.CANCELLED
        uow.commit()
    monkeypatch.setattr(SefazSoapClient, "query_receipt",
                        lambda self, receipt: SefazAnswer("656", "Rejeicao: Consumo Indevido"))
    with pytest.raises(SefazNotDecided):
        approve_invoice(app.uow(), app.cipher, asynchronous, invoice.id, now=in_minutes(6))
    with app.read_uow() as uow:
        assert uow.invoices.get(invoice.id).status.value == "awaiting_sefaz"
    assert calls(simulator, "NFeConsultaProtocolo4") == 0

    def empty(self, receipt):
        raise SefazInvalidAnswer(service="NFeRetAutorizacao4", reason="retConsReciNFe 104 sem protNFe")

    monkeypatch.setattr(SefazSoapClient, "query_receipt", empty)
    simulator.simulator.state.receipts.clear()   # processed meanwhile: by key SEFAZ has it
    with pytest.raises(SefazPausedTheKey):   # within SEFAZ's hour after the 656: not asked again
        approve_invoice(app.uow(), app.cipher, asynchronous, invoice.id, now=in_minutes(12))
    view, changed = approve_invoice(app.uow(), app.cipher, asynchronous, invoice.id, now=in_minutes(62))
    assert changed and view.status == "authorised" and calls(simulator, "NFeConsultaProtocolo4") == 1


@pytest.mark.parametrize("failure", ["unreachable", "invalid"])
def test_a_receipt_whose_poll_failed_is_kept_and_asked_first(app, company, asynchronous, simulator,  # noqa: F811
                                                             monkeypatch, failure):
    """worker review: SEFAZ took the NF-e in a batch (103) and polling its receipt failed (no answer, or one that is
    none): the error carried no receipt, the NF-e was asked by key next, which says 217 while the batch is processed,
    and with the order changed meanwhile it was made pending, to be discarded, while SEFAZ went on to authorise it."""
    from lojasync.fiscal.sefaz import SefazInvalidAnswer, SefazUnreachable

    number = imported(app, id=2000000604, payment_status="paid")
    invoice = generate_invoice(app.uow(), app.cipher, number)
    polled = SefazSoapClient.query_receipt

    def fails(self, receipt):
        if failure == "unreachable":
            raise SefazUnreachable(service="NFeRetAutorizacao4", reason="tempo esgotado esperando a resposta")
        raise SefazInvalidAnswer(service="NFeRetAutorizacao4", reason="HTTP 502, sem envelope SOAP")

    monkeypatch.setattr(SefazSoapClient, "query_receipt", fails)
    with pytest.raises((SefazUnreachable, SefazInvalidAnswer)):
        approve_invoice(app.uow(), app.cipher, asynchronous, invoice.id)
    with app.read_uow() as uow:
        kept = uow.invoices.get(invoice.id)
        assert kept.status.value == "awaiting_sefaz" and kept.sefaz_receipt is not None
    with app.uow() as uow:   # meanwhile the store cancels the order
        uow.orders.get(number).status = OrderStatus.CANCELLED
        uow.commit()
    monkeypatch.setattr(SefazSoapClient, "query_receipt", polled)
    # Asked by its receipt (by key, 217): still in processing, it stays awaiting SEFAZ; then authorised by it.
    with pytest.raises(SefazNotDecided):
        approve_invoice(app.uow(), app.cipher, asynchronous, invoice.id, now=in_minutes(6))
    with app.read_uow() as uow:
        assert uow.invoices.get(invoice.id).status.value == "awaiting_sefaz"
    for minutes in (12, 18, 24):   # the simulator processes the batch after a number of polls
        try:
            view, changed = approve_invoice(app.uow(), app.cipher, asynchronous, invoice.id, now=in_minutes(minutes))
            break
        except SefazNotDecided:
            continue
    assert changed and view.status == "authorised"
    assert calls(simulator, "NFeConsultaProtocolo4") == 0 and calls(simulator, "NFeAutorizacao4") == 1
