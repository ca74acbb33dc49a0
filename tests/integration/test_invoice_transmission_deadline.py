"""A transmission ends within its deadline however slow SEFAZ is (fiscal.services.invoices.TRANSMISSION_TIME,
shortened here to two seconds): no call waits past it, the NF-e stays "aguardando SEFAZ", and it is settled
later by a query by key, never sent blind."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from lojasync.fiscal.errors import SefazNotDecided
from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.sefaz import SefazSoapClient, SefazUnreachable
from lojasync.fiscal.services.invoices import Sefaz, approve_invoice, generate_invoice
from tests.integration.test_invoices import company, imported  # noqa: F401 - fixture

# Two seconds, and SEFAZ's delays in proportion (they were half): the slack after the deadline (threads, signing,
# the database's commit, the simulator's 50 ms disconnect check) must hold on a machine busy with four test
# processes on two cores, and stay well below the slow answer's 6 s.
DEADLINE = 2.0
# Each call alone may wait 10 s: only the transmission's deadline can end these sends within about two seconds.
TIMEOUT = 10.0
SLACK = 1.0


@pytest.fixture()
def hurried(simulator) -> Sefaz:
    simulator.simulator.reset()
    simulator.simulator.reset_switches()
    yield Sefaz(lambda uf, env, cert, deadline=None: SefazSoapClient(
        uf, Environment(env), certificate=cert, base_url=simulator.url, timeout=TIMEOUT, poll_interval=0.6,
        polls=10, deadline=deadline), simulated=True, transmission_time=timedelta(seconds=DEADLINE))
    simulator.simulator.reset_switches()


def status(app, invoice_id: int) -> str:
    with app.read_uow() as uow:
        return uow.invoices.get(invoice_id).status.value


def calls(simulator, service: str) -> int:
    return simulator.simulator.stats()["chamadas"].get(service, 0)


def later() -> datetime:
    return datetime.now(timezone.utc) + timedelta(minutes=6)   # past the sending window


def test_a_send_slower_than_the_deadline_ends_at_it_and_is_settled_by_a_query(app, company, hurried,  # noqa: F811
                                                                              simulator):
    invoice = generate_invoice(app.uow(), app.cipher, imported(app, id=2000000501))
    simulator.simulator.set_switches(delay=6.0)   # SEFAZ authorises, its answer takes 6 s
    started = time.monotonic()
    with pytest.raises(SefazUnreachable):
        approve_invoice(app.uow(), app.cipher, hurried, invoice.id)
    assert time.monotonic() - started < DEADLINE + SLACK
    assert status(app, invoice.id) == "awaiting_sefaz" and calls(simulator, "NFeAutorizacao4") == 1
    simulator.simulator.reset_switches()
    settled, changed = approve_invoice(app.uow(), app.cipher, hurried, invoice.id, now=later)
    assert changed and settled.status == "authorised"
    assert calls(simulator, "NFeAutorizacao4") == 1 and calls(simulator, "NFeConsultaProtocolo4") == 1   # asked


def test_the_deadline_bounds_the_query_and_the_send_together(app, company, hurried, simulator):  # noqa: F811
    invoice = generate_invoice(app.uow(), app.cipher, imported(app, id=2000000502))
    simulator.simulator.set_switches(out_of_service="108")   # SEFAZ took nothing: awaiting, asked first next time
    with pytest.raises(SefazNotDecided):
        approve_invoice(app.uow(), app.cipher, hurried, invoice.id)
    # Each answer takes 1.4 s: the query (217, never got it) leaves 0.6 s for the send, which ends at the deadline.
    simulator.simulator.set_switches(out_of_service=None, delay=1.4)
    started = time.monotonic()
    with pytest.raises(SefazUnreachable):
        approve_invoice(app.uow(), app.cipher, hurried, invoice.id)
    assert time.monotonic() - started < DEADLINE + SLACK
    assert calls(simulator, "NFeConsultaProtocolo4") == 1 and calls(simulator, "NFeAutorizacao4") == 2
    assert status(app, invoice.id) == "awaiting_sefaz"


def test_receipt_polls_stop_at_the_deadline_and_leave_the_nfe_awaiting(app, company, hurried, simulator):  # noqa: F811
    invoice = generate_invoice(app.uow(), app.cipher, imported(app, id=2000000503))
    simulator.simulator.set_switches(sync=False, processing_polls=20)   # an asynchronous UF, slow to process
    started = time.monotonic()
    with pytest.raises(SefazNotDecided) as undecided:
        approve_invoice(app.uow(), app.cipher, hurried, invoice.id)
    assert time.monotonic() - started < DEADLINE + SLACK
    assert undecided.value.params["status"] == "105"
    assert 1 <= calls(simulator, "NFeRetAutorizacao4") <= 3   # 0.6 s apart within 2 s, not the 10 allowed
    assert status(app, invoice.id) == "awaiting_sefaz"
