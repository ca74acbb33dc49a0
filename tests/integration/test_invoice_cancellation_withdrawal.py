"""A cancellation kept for the worker (SEFAZ unreachable or out of service: it registered nothing) can be withdrawn
before it goes: the person who cancelled the wrong NF-e during an outage could not stop the worker from sending it
when SEFAZ came back. Never while a send of it may be at SEFAZ (in flight, its answer lost): a registered
cancellation cannot be taken back. Against the SEFAZ simulator over real HTTP."""

from __future__ import annotations

import pytest

from lojasync.fiscal.errors import (
    CancellationMayBeAtSefaz,
    CancellationQueued,
    CancellationRefused,
    CancellationUnanswered,
    DocumentStateRefused,
)
from lojasync.fiscal.gateway import SefazAnswer
from lojasync.fiscal.invoices import InvoiceStatus
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
    sent_long_ago,
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
    with pytest.raises(CancellationQueued) as queued:
        cancel_invoice(app.uow(), app.cipher, NOWHERE if how == "unreachable" else sefaz, invoice_id, REASON, ANA)
    assert show_invoice(app.uow(), invoice_id).cancel_withdrawable
    # Said where the person reads that it was kept (review: only `invoices show` said it).
    assert queued.value.resolution.endswith("Cancelou a NF-e errada? Retire o pedido antes que ele seja enviado "
                                            "(Retirar pedido de cancelamento, na página da NF-e).")
    assert queued.value.terminal_commands == (f"lojasync invoices withdraw-cancel {invoice_id}",)

    kept, changed = withdraw_cancellation(app.uow(), invoice_id, BRUNO)
    assert changed and kept.status == "authorised" and kept.cancel_requested_at is None and not kept.cancel_withdrawable
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
    # Twice (a double click, a retry after a timeout): as it is, unchanged (it was a refusal: integrator's review).
    again, changed = withdraw_cancellation(app.uow(), invoice_id, BRUNO)
    assert not changed and again.status == "authorised"
    assert history(app, number)["invoice_cancel_withdrawn"] == 1
    # An NF-e no longer authorised: refused, saying where it stands.
    with app.uow() as uow:
        uow.invoices.get(invoice_id).status = InvoiceStatus.CANCELLED
        uow.commit()
    with pytest.raises(DocumentStateRefused) as refused:
        withdraw_cancellation(app.uow(), invoice_id, BRUNO)
    assert refused.value.message == "NF-e nº 1 está cancelada: não é possível retirar um pedido de cancelamento."


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

    # The worker asks by key past the window: authorised there (it never got it); its own send is refused a
    # connection.
    sent_long_ago(app, invoice_id)
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
    with pytest.raises(CancellationQueued) as queued:
        cancel_invoice(app.uow(), app.cipher, NOWHERE, invoice_id, REASON, ANA)
    assert not show_invoice(app.uow(), invoice_id).cancel_withdrawable
    assert "Retire o pedido" not in queued.value.resolution and not queued.value.terminal_commands
    with pytest.raises(CancellationMayBeAtSefaz):
        withdraw_cancellation(app.uow(), invoice_id, BRUNO)


class Lost:
    """The event reaches SEFAZ (registered there); its answer never comes back, nor any answer after it."""

    def __init__(self, gateway) -> None:
        self.gateway = gateway
        self.gone = False

    def query_nfe(self, key):
        if self.gone:
            raise SefazUnreachable(service="NFeConsultaProtocolo4", reason="tempo esgotado esperando a resposta")
        return self.gateway.query_nfe(key)

    def cancel(self, signed):
        self.gateway.cancel(signed)
        self.gone = True
        raise SefazUnreachable(service="NFeRecepcaoEvento4", reason="tempo esgotado esperando a resposta")


def test_a_person_cancelling_again_while_the_worker_sends_does_not_make_it_withdrawable(app, sefaz, simulator):
    """review, reproduced: the person's query, while the worker's event was on its way, answered "autorizada"; their
    own send refused a connection cleared the mark the worker's send had set, the request was withdrawn, and SEFAZ
    registered the worker's event: authorised here with nothing pending, cancelled at SEFAZ."""
    _, invoice_id = authorised(app, sefaz, 2000000605)
    with pytest.raises(CancellationQueued):
        cancel_invoice(app.uow(), app.cipher, NOWHERE, invoice_id, REASON, ANA)
    withdrawable = []

    class PersonCancelsAgainMeanwhile(Lost):
        def cancel(self, signed):
            with pytest.raises(CancellationQueued):   # their query says "autorizada"; their send gets no connection
                cancel_invoice(app.uow(), app.cipher, wrapping(sefaz, CannotSend), invoice_id, REASON, BRUNO)
            withdrawable.append(show_invoice(app.uow(), invoice_id).cancel_withdrawable)
            return super().cancel(signed)

    with pytest.raises(CancellationUnanswered):   # the worker's answer lost: SEFAZ has it registered
        settle_cancellation(app.uow(), app.cipher, wrapping(sefaz, PersonCancelsAgainMeanwhile), invoice_id)
    assert withdrawable == [False]
    with pytest.raises(CancellationMayBeAtSefaz):
        withdraw_cancellation(app.uow(), invoice_id, BRUNO)
    assert len(cancelled_at_sefaz(simulator, invoice_id, app)) == 1
    # Still pending: the worker's query past the window records what SEFAZ holds.
    sent_long_ago(app, invoice_id)
    assert settle_cancellation(app.uow(), app.cipher, sefaz, invoice_id).cancelled
    assert show_invoice(app.uow(), invoice_id).status == "cancelled"


def test_a_round_while_a_persons_send_is_on_its_way_sends_nothing(app, sefaz, simulator):
    """review, reproduced: a settling task claimed earlier ran while the person's new send was on its way, heard
    "autorizada", sent the request too, and its refused connection cleared the mark of the person's send, whose answer
    was then lost: withdrawn, and registered at SEFAZ."""
    _, invoice_id = authorised(app, sefaz, 2000000606)
    with pytest.raises(CancellationQueued):
        cancel_invoice(app.uow(), app.cipher, NOWHERE, invoice_id, REASON, ANA)
    rounds = []

    class WorkerRoundMeanwhile(Lost):
        def cancel(self, signed):
            rounds.append(settle_cancellation(app.uow(), app.cipher, wrapping(sefaz, CannotSend), invoice_id))
            return super().cancel(signed)

    with pytest.raises(CancellationUnanswered):
        cancel_invoice(app.uow(), app.cipher, wrapping(sefaz, WorkerRoundMeanwhile), invoice_id, REASON, BRUNO)
    assert rounds == [NOTHING]   # neither sent nor settled: the person's send may be on its way
    assert not show_invoice(app.uow(), invoice_id).cancel_withdrawable
    with pytest.raises(CancellationMayBeAtSefaz):
        withdraw_cancellation(app.uow(), invoice_id, BRUNO)
    assert len(cancelled_at_sefaz(simulator, invoice_id, app)) == 1


def test_cancelling_again_during_the_outage_keeps_the_request_withdrawable(app, sefaz, simulator):
    """review, reproduced: a second click (or a script's retry) while SEFAZ stayed out of reach counted the first,
    never sent, as maybe at SEFAZ: the request could no longer be withdrawn, with a reason that was not true."""
    _, invoice_id = authorised(app, sefaz, 2000000607)
    for _ in range(2):
        with pytest.raises(CancellationQueued):
            cancel_invoice(app.uow(), app.cipher, NOWHERE, invoice_id, REASON, ANA)
        assert show_invoice(app.uow(), invoice_id).cancel_withdrawable
    assert withdraw_cancellation(app.uow(), invoice_id, BRUNO)[0].cancel_requested_at is None


def test_two_overlapping_cancels_during_the_outage_leave_it_withdrawable(app, sefaz, simulator):
    """review, reproduced: a double click (or a client retrying after its own timeout) while SEFAZ was out of reach:
    the second send took the first's mark for a send maybe at SEFAZ and kept its own, the first's "nothing sent" then
    cleared nothing, and the request could not be withdrawn, with nothing ever sent."""
    _, invoice_id = authorised(app, sefaz, 2000000608)

    class SecondClickMeanwhile(CannotSend):
        def cancel(self, signed):
            with pytest.raises(CancellationQueued):
                cancel_invoice(app.uow(), app.cipher, NOWHERE, invoice_id, REASON, ANA)
            return super().cancel(signed)

    with pytest.raises(CancellationQueued):
        cancel_invoice(app.uow(), app.cipher, wrapping(sefaz, SecondClickMeanwhile), invoice_id, REASON, ANA)
    assert show_invoice(app.uow(), invoice_id).cancel_withdrawable
    withdraw_cancellation(app.uow(), invoice_id, BRUNO)
    assert cancelled_at_sefaz(simulator, invoice_id, app) == []


class RefusedWithACode(CannotSend):
    """SEFAZ answers queries and refuses the event with a code (999): it registered nothing."""

    def cancel(self, signed):
        return SefazAnswer(status="999", reason="Rejeicao: Erro nao catalogado")


def test_a_double_click_refused_twice_is_not_sent_by_the_worker_later(app, sefaz, simulator):
    """review, reproduced: the second click, while the first was on its way, was refused with a code and kept for the
    first's fate; the first refused too, its entry stayed (the request was the second's), withdrawal was refused, and
    the worker then sent the request: the NF-e cancelled after both clicks read "SEFAZ recusou"."""
    number, invoice_id = authorised(app, sefaz, 2000000609)

    class SecondClickMeanwhile(RefusedWithACode):
        def cancel(self, signed):
            with pytest.raises(CancellationRefused):
                cancel_invoice(app.uow(), app.cipher, wrapping(sefaz, RefusedWithACode), invoice_id, REASON, BRUNO)
            return super().cancel(signed)

    with pytest.raises(CancellationRefused):
        cancel_invoice(app.uow(), app.cipher, wrapping(sefaz, SecondClickMeanwhile), invoice_id, REASON, ANA)
    kept = show_invoice(app.uow(), invoice_id)
    assert kept.cancel_withdrawable   # nothing can be at SEFAZ
    # The worker past the window: nothing was registered, and a request refused is not sent.
    sent_long_ago(app, invoice_id)
    assert settle_cancellation(app.uow(), app.cipher, sefaz, invoice_id) == NOTHING
    assert cancelled_at_sefaz(simulator, invoice_id, app) == []
    cleared = show_invoice(app.uow(), invoice_id)
    assert cleared.status == "authorised" and cleared.cancel_requested_at is None and stock(app) == ISSUED
    assert history(app, number)["invoice_cancel_refused"] == 2


def test_a_send_refused_after_another_click_replaced_its_request_leaves_it_withdrawable(app, sefaz, simulator):
    """review, reproduced: the first click refused with a code after a second, queued during the outage, had replaced
    the request: the first's entry stayed, and the person could not withdraw for the whole outage."""
    _, invoice_id = authorised(app, sefaz, 2000000610)

    class SecondClickQueuedMeanwhile(RefusedWithACode):
        def cancel(self, signed):
            with pytest.raises(CancellationQueued):
                cancel_invoice(app.uow(), app.cipher, NOWHERE, invoice_id, REASON, BRUNO)
            return super().cancel(signed)

    with pytest.raises(CancellationRefused):
        cancel_invoice(app.uow(), app.cipher, wrapping(sefaz, SecondClickQueuedMeanwhile), invoice_id, REASON, ANA)
    assert show_invoice(app.uow(), invoice_id).cancel_withdrawable
    withdraw_cancellation(app.uow(), invoice_id, BRUNO)


def test_the_workers_send_refused_after_a_person_replaced_the_request_leaves_it_withdrawable(app, sefaz, simulator):
    """review, reproduced: the worker's send refused with a code, a person's queued request having replaced the one it
    sent: the worker's entry stayed."""
    _, invoice_id = authorised(app, sefaz, 2000000611)
    with pytest.raises(CancellationQueued):
        cancel_invoice(app.uow(), app.cipher, NOWHERE, invoice_id, REASON, ANA)

    class PersonQueuesMeanwhile(RefusedWithACode):
        def cancel(self, signed):
            with pytest.raises(CancellationQueued):
                cancel_invoice(app.uow(), app.cipher, NOWHERE, invoice_id, REASON, BRUNO)
            return super().cancel(signed)

    settled = settle_cancellation(app.uow(), app.cipher, wrapping(sefaz, PersonQueuesMeanwhile), invoice_id)
    assert settled.refused_by_sefaz and "999" in settled.refused_by_sefaz
    assert show_invoice(app.uow(), invoice_id).cancel_withdrawable
