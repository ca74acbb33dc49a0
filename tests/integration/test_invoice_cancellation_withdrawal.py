"""A cancellation kept for the worker (SEFAZ unreachable or out of service: it registered nothing) can be withdrawn
before it goes: the person who cancelled the wrong NF-e during an outage could not stop the worker from sending it
when SEFAZ came back. Never while a send of it may be at SEFAZ (in flight, its answer lost): a registered
cancellation cannot be taken back. Against the SEFAZ simulator over real HTTP."""

from __future__ import annotations

import pytest

from lojasync.fiscal.errors import (
    CancellationMayBeAtSefaz,
    CancellationQueued,
    CancellationUnanswered,
    DocumentStateRefused,
)
from lojasync.fiscal.sefaz import SefazUnreachable
from lojasync.fiscal.services.invoice_cancellation import (
    cancel_invoice,
    cancellations_awaiting_sefaz,
    settle_cancellation,
    withdraw_cancellation,
)
from lojasync.fiscal.services.views import show_invoice
from lojasync.sales.history import Person
from lojasync.sales.views import show_order
from tests.integration.test_invoice_cancellation_settlement import (  # noqa: F401 - fixture
    ANA,
    ISSUED,
    LOST,
    NOTHING,
    NOWHERE,
    REASON,
    after_the_window,
    authorised,
    cancelled_at_sefaz,
    history,
    switches_off,
    wrapping,
)
from tests.integration.test_invoices import company, stock  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("company")
BRUNO = Person.user("bruno@loja.com.br")


class CannotSend:
    """SEFAZ answers queries and the event's connection is refused: the worker's send never reaches it."""

    def __init__(self, gateway) -> None:
        self.gateway = gateway

    def query_nfe(self, key):
        return self.gateway.query_nfe(key)

    def cancel(self, signed):
        raise SefazUnreachable(service="NFeRecepcaoEvento4", reason="conexão recusada: nada foi enviado",
                               not_sent=True)


@pytest.mark.parametrize("how", ["unreachable", "out_of_service"])
def test_a_queued_cancellation_withdrawn_is_never_sent(app, sefaz, simulator, how):
    number, invoice_id = authorised(app, sefaz, 2000000601)
    if how == "out_of_service":
        simulator.simulator.set_switches(out_of_service="108")
    with pytest.raises(CancellationQueued):
        cancel_invoice(app.uow(), app.cipher, NOWHERE if how == "unreachable" else sefaz, invoice_id, REASON, ANA)
    assert show_invoice(app.uow(), invoice_id).cancel_withdrawable

    kept = withdraw_cancellation(app.uow(), invoice_id, BRUNO)
    assert kept.status == "authorised" and kept.cancel_requested_at is None and not kept.cancel_withdrawable
    assert stock(app) == ISSUED
    order = show_order(app.uow(), number)
    (entry,) = [e for e in order["log"] if e["event"] == "invoice_cancel_withdrawn"]
    assert entry["actor_name"] == "bruno@loja.com.br" and entry["level"] == "info"
    assert entry["message"] == (f"Pedido de cancelamento da NF-e nº 1 série 1 retirado antes de chegar à SEFAZ (motivo "
                                f"que iria: {REASON}): nada será enviado, e a NF-e segue autorizada, com estoque e "
                                "contas a receber como estavam.")
    assert not order["needs_attention"]

    # SEFAZ back: the worker has nothing to send.
    simulator.simulator.reset_switches()
    assert cancellations_awaiting_sefaz(app.read_uow(), after_the_window()) == []
    assert settle_cancellation(app.uow(), app.cipher, sefaz, invoice_id) == NOTHING
    assert cancelled_at_sefaz(simulator, invoice_id, app) == []
    assert show_invoice(app.uow(), invoice_id).status == "authorised"
    # Twice (a double click, a stale page): said, nothing changes.
    with pytest.raises(DocumentStateRefused) as again:
        withdraw_cancellation(app.uow(), invoice_id, BRUNO)
    assert again.value.message == ("NF-e nº 1 está autorizada, sem pedido de cancelamento guardado: não é possível "
                                   "retirar um pedido de cancelamento.")


def test_a_request_whose_answer_was_lost_cannot_be_withdrawn_until_sefaz_says_it_never_got_it(app, sefaz, simulator):
    number, invoice_id = authorised(app, sefaz, 2000000602)
    with pytest.raises(CancellationUnanswered):   # sent, its answer lost: SEFAZ may hold it
        cancel_invoice(app.uow(), app.cipher, LOST, invoice_id, REASON, ANA)
    assert not show_invoice(app.uow(), invoice_id).cancel_withdrawable
    with pytest.raises(CancellationMayBeAtSefaz) as refused:
        withdraw_cancellation(app.uow(), invoice_id, BRUNO)
    assert refused.value.message == ("O pedido de cancelamento da NF-e nº 1 não pode ser retirado agora: o último "
                                     "envio à SEFAZ ainda está em curso ou ficou sem resposta, e ela pode tê-lo "
                                     "registrado.")
    assert show_invoice(app.uow(), invoice_id).cancel_requested_at is not None

    # The worker asks by key: authorised there (it never got it); its own send is refused a connection.
    settled = settle_cancellation(app.uow(), app.cipher, wrapping(sefaz, CannotSend), invoice_id)
    assert not settled.cancelled and "nada foi enviado" in settled.undecided
    assert show_invoice(app.uow(), invoice_id).cancel_withdrawable
    withdraw_cancellation(app.uow(), invoice_id, BRUNO)
    assert settle_cancellation(app.uow(), app.cipher, sefaz, invoice_id) == NOTHING
    assert cancelled_at_sefaz(simulator, invoice_id, app) == []
    assert history(app, number)["invoice_cancel_withdrawn"] == 1


def test_a_withdrawal_while_the_worker_sends_is_refused_and_the_send_stands(app, sefaz, simulator):
    """The worker marks its send before it goes: a person withdrawing meanwhile is told SEFAZ may have it, and the
    cancellation SEFAZ registers is recorded (stock back), not lost to a withdrawal that said it was stopped."""
    number, invoice_id = authorised(app, sefaz, 2000000603)
    with pytest.raises(CancellationQueued):
        cancel_invoice(app.uow(), app.cipher, NOWHERE, invoice_id, REASON, ANA)
    refusals = []

    class PersonWithdrawsMeanwhile:
        def __init__(self, gateway) -> None:
            self.gateway = gateway

        def query_nfe(self, key):
            return self.gateway.query_nfe(key)

        def cancel(self, signed):
            with pytest.raises(CancellationMayBeAtSefaz) as refused:
                withdraw_cancellation(app.uow(), invoice_id, BRUNO)
            refusals.append(refused.value)
            return self.gateway.cancel(signed)

    settled = settle_cancellation(app.uow(), app.cipher, wrapping(sefaz, PersonWithdrawsMeanwhile), invoice_id)
    assert settled.cancelled and settled.sent and len(refusals) == 1
    assert show_invoice(app.uow(), invoice_id).status == "cancelled"
    assert len(cancelled_at_sefaz(simulator, invoice_id, app)) == 1
    assert "invoice_cancel_withdrawn" not in history(app, number)


def test_an_earlier_request_sefaz_could_not_be_asked_about_keeps_a_queued_send_from_being_withdrawn(
        app, sefaz, simulator):
    """A second cancel queued while an earlier request's answer was lost: SEFAZ may hold the earlier one."""
    _, invoice_id = authorised(app, sefaz, 2000000604)
    with pytest.raises(CancellationUnanswered):
        cancel_invoice(app.uow(), app.cipher, LOST, invoice_id, REASON, ANA)
    with pytest.raises(CancellationQueued):
        cancel_invoice(app.uow(), app.cipher, NOWHERE, invoice_id, REASON, ANA)
    assert not show_invoice(app.uow(), invoice_id).cancel_withdrawable
    with pytest.raises(CancellationMayBeAtSefaz):
        withdraw_cancellation(app.uow(), invoice_id, BRUNO)
