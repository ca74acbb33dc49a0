"""An NF-e authorised here and then cancelled at SEFAZ by another program (one with the company's certificate, the
SEFAZ portal): it stayed "autorizada" here for good, its stock issued and its receivables open. The worker now asks
SEFAZ by key once the cancellation deadlines have passed (24 h, then 168 h after the authorisation): cancelled
there, it is cancelled here, stock back and receivables cancelled, and the order asks a person to look."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from huey import MemoryHuey

from lojasync.entrypoints.tasks import TaskQueue
from lojasync.finance.services import list_receivables, receive
from lojasync.fiscal.gateway import SefazAnswer
from lojasync.fiscal.invoices import SEFAZ_CHECKS
from lojasync.fiscal.services.authorised_checks import (
    RETRY_AFTER,
    check_authorised_invoice,
    claim_sefaz_checks,
)
from lojasync.fiscal.services.invoice_cancellation import cancel_invoice
from lojasync.fiscal.services.invoice_files import cancellation_xml
from lojasync.fiscal.services.invoices import Sefaz, approve_invoice, generate_invoice
from lojasync.fiscal.services.views import show_invoice
from lojasync.sales.history import Person
from lojasync.sales.views import show_order
from tests.integration.queued import run_queued
from tests.integration.test_cancelled_elsewhere import _cancel_elsewhere
from tests.integration.test_invoices import company, imported, stock  # noqa: F401 - the company fixture

NOT_MOVED = {"CAM-ALG-P": 0, "CAN-CER": 0}
ISSUED = {"CAM-ALG-P": -2, "CAN-CER": -1}


def _authorised(app, sefaz, order_id: int):
    number = imported(app, id=order_id, payment_status="paid")
    invoice = generate_invoice(app.uow(), app.cipher, number)
    authorised, _ = approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)
    assert authorised.status == "authorised" and stock(app) == ISSUED
    return number, authorised


def _due(app, invoice_id: int) -> datetime | None:
    with app.read_uow() as uow:
        return uow.invoices.get(invoice_id).sefaz_check_due_at


def _after(invoice, hours: float):
    """A clock `hours` after the NF-e's authorisation."""
    return lambda: invoice.authorised_at + timedelta(hours=hours)


def test_an_nfe_cancelled_elsewhere_after_its_authorisation_is_cancelled_here_with_stock_and_money_back(
        app, company, sefaz, simulator):  # noqa: F811
    number, invoice = _authorised(app, sefaz, 2000000701)
    assert _due(app, invoice.id) == invoice.authorised_at + SEFAZ_CHECKS[0]
    # Not before the deadline of a cancellation: another program could still cancel it, and ask again later.
    assert claim_sefaz_checks(app.uow(), _after(invoice, 24)()) == []
    registered = _cancel_elsewhere(app, sefaz, simulator.simulator, invoice.access_key)
    assert registered.status == "135"

    later = _after(invoice, 26)
    assert claim_sefaz_checks(app.uow(), later()) == [invoice.id]
    assert claim_sefaz_checks(app.uow(), later()) == []   # claimed: not enqueued again while it is asked
    found = check_authorised_invoice(app.uow(), app.cipher, sefaz, invoice.id, now=later)

    assert found.cancelled and not found.stands
    cancelled = show_invoice(app.uow(), invoice.id)
    assert cancelled.status == "cancelled" and not cancelled.cancelled_elsewhere   # a cancellation, reversed here
    assert cancelled.found_cancelled and "o estoque voltou" in cancelled.elsewhere_note
    assert cancelled.cancel_justification == "Cancelada pelo outro sistema da loja"   # the event's own
    assert cancelled.cancel_protocol == registered.protocol
    assert b"Cancelada pelo outro sistema da loja" in cancellation_xml(app.uow(), invoice.id)
    assert stock(app) == NOT_MOVED
    assert [r["status"] for r in list_receivables(app.uow())] == ["cancelled"]
    order = show_order(app.uow(), number)
    assert order["processed_by"] is None   # free for another document
    assert order["needs_attention"] and "foi cancelada na SEFAZ fora do lojasync (101 - " in order["attention_reason"]
    events = [(e["event"], e["level"]) for e in order["log"]]
    assert ("invoice_cancelled", "info") in events and ("invoice_found_cancelled", "warning") in events
    found_entry = next(e for e in order["log"] if e["event"] == "invoice_found_cancelled")
    assert "autorizada aqui, está cancelada (101 - " in found_entry["message"]
    assert "o estoque voltou" in found_entry["message"]
    # Settled: never asked about again.
    assert _due(app, invoice.id) is None
    assert claim_sefaz_checks(app.uow(), _after(invoice, 500)()) == []
    assert generate_invoice(app.uow(), app.cipher, number).status == "pending"


def test_an_nfe_that_stands_is_asked_again_after_the_late_deadline_and_then_never(app, company, sefaz,  # noqa: F811
                                                                                  simulator):
    _, invoice = _authorised(app, sefaz, 2000000702)
    day_after = _after(invoice, 26)
    assert claim_sefaz_checks(app.uow(), day_after()) == [invoice.id]
    found = check_authorised_invoice(app.uow(), app.cipher, sefaz, invoice.id, now=day_after)
    assert found.stands and show_invoice(app.uow(), invoice.id).status == "authorised" and stock(app) == ISSUED
    assert _due(app, invoice.id) == invoice.authorised_at + SEFAZ_CHECKS[1]
    assert claim_sefaz_checks(app.uow(), _after(invoice, 100)()) == []

    # Cancelled after the first query (late, 155, where the UF accepts it up to 168 h): the second finds it.
    _cancel_elsewhere(app, sefaz, simulator.simulator, invoice.access_key)
    week_after = _after(invoice, 170)
    assert claim_sefaz_checks(app.uow(), week_after()) == [invoice.id]
    assert check_authorised_invoice(app.uow(), app.cipher, sefaz, invoice.id, now=week_after).cancelled
    assert stock(app) == NOT_MOVED


def test_after_both_deadlines_an_nfe_that_stands_is_not_asked_again(app, company, sefaz, simulator):  # noqa: F811
    _, invoice = _authorised(app, sefaz, 2000000703)
    long_after = _after(invoice, 200)   # the worker was down for a week: one query covers both deadlines
    assert claim_sefaz_checks(app.uow(), long_after()) == [invoice.id]
    assert check_authorised_invoice(app.uow(), app.cipher, sefaz, invoice.id, now=long_after).stands
    assert _due(app, invoice.id) is None


def test_sefaz_unable_to_say_leaves_the_nfe_as_it_is_and_asks_again_later(app, company, sefaz,  # noqa: F811
                                                                          simulator):
    number, invoice = _authorised(app, sefaz, 2000000704)
    later = _after(invoice, 26)
    simulator.simulator.set_switches(out_of_service="108")
    found = check_authorised_invoice(app.uow(), app.cipher, sefaz, invoice.id, now=later)
    assert found.undecided.startswith("108") and not found.cancelled and not found.stands
    assert _due(app, invoice.id) == later() + RETRY_AFTER
    assert show_invoice(app.uow(), invoice.id).status == "authorised" and stock(app) == ISSUED
    assert not show_order(app.uow(), number)["needs_attention"]

    class Unreachable:
        def query_nfe(self, key):
            from lojasync.fiscal.sefaz import SefazUnreachable
            raise SefazUnreachable(service="NfeConsultaProtocolo4", reason="conexão recusada", not_sent=True)

    gone = Sefaz(lambda uf, env, cert, deadline=None: Unreachable(), simulated=True)
    an_hour_on = _after(invoice, 27)   # the earlier answer's due time would not tell the two apart
    found = check_authorised_invoice(app.uow(), app.cipher, gone, invoice.id, now=an_hour_on)
    assert found.undecided and _due(app, invoice.id) == an_hour_on() + RETRY_AFTER


@pytest.mark.parametrize(("status", "reason"), [("217", "Rejeicao: NF-e nao consta na base de dados da SEFAZ"),
                                                ("226", "Rejeicao: Codigo da UF do Emitente diverge da UF autorizadora")])
def test_sefaz_not_confirming_an_authorised_nfe_asks_a_person(app, company, sefaz, simulator,  # noqa: F811
                                                              status, reason):
    number, invoice = _authorised(app, sefaz, 2000000705 if status == "217" else 2000000706)

    class Answers:
        def query_nfe(self, key):
            return SefazAnswer(status, reason, access_key=key)

    odd = Sefaz(lambda uf, env, cert, deadline=None: Answers(), simulated=True)
    found = check_authorised_invoice(app.uow(), app.cipher, odd, invoice.id, now=_after(invoice, 26))
    assert found.needs_a_person == f"{status} - {reason}"
    flagged = show_order(app.uow(), number)["attention_reason"]
    assert flagged.startswith(f"NF-e nº {invoice.number} série 1 não confirmada pela SEFAZ: ")
    assert (f"pelo simulador da SEFAZ, que não a conhece mais ({status} - " if status == "217" else
            f"a SEFAZ recusou a consulta pela chave ({status} - ") in flagged and "Nada foi desfeito" in flagged
    assert show_invoice(app.uow(), invoice.id).status == "authorised" and stock(app) == ISSUED   # nothing undone
    # Unknown: asking again gets the same. The query refused: asked again after the next deadline (fixed by then?).
    assert _due(app, invoice.id) == (None if status == "217" else invoice.authorised_at + SEFAZ_CHECKS[1])
    if status != "217":
        assert "consulta de novo depois do próximo prazo" in flagged
        # Fixed meanwhile: the next query confirms it, and the order's reason about it goes.
        found = check_authorised_invoice(app.uow(), app.cipher, sefaz, invoice.id, now=_after(invoice, 170))
        assert found.stands and not show_order(app.uow(), number)["needs_attention"]
        assert _due(app, invoice.id) is None


@pytest.mark.parametrize("status", ["110", "539"])
def test_an_answer_that_makes_no_sense_for_an_authorised_key_asks_a_person(app, company, sefaz, simulator,  # noqa: F811
                                                                          status):
    """review: a denial (or another key) for an authorised NF-e was taken as "no answer": asked every hour for good,
    and nobody told."""
    number, invoice = _authorised(app, sefaz, 2000000712 if status == "110" else 2000000713)

    class Answers:
        def query_nfe(self, key):
            return SefazAnswer(status, "Rejeicao: estranha", access_key=key)

    odd = Sefaz(lambda uf, env, cert, deadline=None: Answers(), simulated=True)
    found = check_authorised_invoice(app.uow(), app.cipher, odd, invoice.id, now=_after(invoice, 26))
    assert found.needs_a_person and _due(app, invoice.id) == invoice.authorised_at + SEFAZ_CHECKS[1]
    assert "a SEFAZ recusou a consulta pela chave" in show_order(app.uow(), number)["attention_reason"]
    assert show_invoice(app.uow(), invoice.id).status == "authorised" and stock(app) == ISSUED


def test_an_error_that_asking_again_cannot_fix_asks_a_person(app, company, sefaz, simulator):  # noqa: F811
    from lojasync.shared.errors import LojasyncError

    number, invoice = _authorised(app, sefaz, 2000000714)

    class Misconfigured:
        def query_nfe(self, key):
            raise LojasyncError("Certificado da SEFAZ não confiável.", resolution="Atualize as autoridades.",
                                retryable=False)

    broken = Sefaz(lambda uf, env, cert, deadline=None: Misconfigured(), simulated=True)
    found = check_authorised_invoice(app.uow(), app.cipher, broken, invoice.id, now=_after(invoice, 26))
    assert found.needs_a_person and _due(app, invoice.id) == invoice.authorised_at + SEFAZ_CHECKS[1]
    reason = show_order(app.uow(), number)["attention_reason"]
    assert "Certificado da SEFAZ não confiável. Atualize as autoridades. Nada foi desfeito" in reason


def test_sefaz_silent_long_after_the_last_deadline_asks_a_person_and_stops(app, company, sefaz,  # noqa: F811
                                                                          simulator):
    """review: "no answer" was asked again every hour for ever."""
    number, invoice = _authorised(app, sefaz, 2000000715)
    simulator.simulator.set_switches(out_of_service="108")
    within = _after(invoice, 169 + 24 * 6)
    assert check_authorised_invoice(app.uow(), app.cipher, sefaz, invoice.id, now=within).undecided
    assert _due(app, invoice.id) == within() + RETRY_AFTER and not show_order(app.uow(), number)["needs_attention"]
    past = _after(invoice, 169 + 24 * 7)
    found = check_authorised_invoice(app.uow(), app.cipher, sefaz, invoice.id, now=past)
    assert found.needs_a_person.startswith("108") and _due(app, invoice.id) is None
    assert "por 7 dias depois do prazo de cancelamento" in show_order(app.uow(), number)["attention_reason"]
    assert show_invoice(app.uow(), invoice.id).status == "authorised" and stock(app) == ISSUED


def test_two_rounds_at_once_claim_an_nfe_once(app, company, sefaz, simulator):  # noqa: F811
    """review: on PostgreSQL a second round waiting on the first's lock claimed the same NF-e again: the key asked
    twice at once (SEFAZ's 656). A claim is refused once another round's is ahead of it."""
    _, invoice = _authorised(app, sefaz, 2000000716)
    moment = _after(invoice, 26)()
    assert claim_sefaz_checks(app.uow(), moment) == [invoice.id]
    with app.uow() as uow:
        assert not uow.invoices.get(invoice.id).sefaz_check_asked(moment + RETRY_AFTER, claimed_at=moment)
    assert _due(app, invoice.id) == moment + RETRY_AFTER


def test_an_nfe_of_the_simulator_is_not_asked_at_the_real_sefaz(app, company, sefaz, simulator):  # noqa: F811
    _, invoice = _authorised(app, sefaz, 2000000707)

    class MustNotBeAsked:
        def query_nfe(self, key):
            raise AssertionError("asked the real SEFAZ about an NF-e of the simulator")

    real = Sefaz(lambda uf, env, cert, deadline=None: MustNotBeAsked(), simulated=False)
    found = check_authorised_invoice(app.uow(), app.cipher, real, invoice.id, now=_after(invoice, 26))
    assert not (found.stands or found.cancelled or found.undecided or found.needs_a_person)
    assert _due(app, invoice.id) is None


def test_a_real_nfe_is_not_given_up_by_a_worker_that_talks_to_the_simulator(app, company, sefaz, simulator):  # noqa: F811
    """review: a worker started without LOJASYNC_SEFAZ=real ended the checks of every real NF-e it met, silently."""
    _, invoice = _authorised(app, sefaz, 2000000717)
    with app.uow() as uow:
        uow.invoices.get(invoice.id).simulated = False   # authorised by the real SEFAZ
        uow.commit()

    class MustNotBeAsked:
        def query_nfe(self, key):
            raise AssertionError("asked the simulator about an NF-e of the real SEFAZ")

    simulated = Sefaz(lambda uf, env, cert, deadline=None: MustNotBeAsked(), simulated=True)
    later = _after(invoice, 26)
    found = check_authorised_invoice(app.uow(), app.cipher, simulated, invoice.id, now=later)
    assert found.misconfigured and "LOJASYNC_SEFAZ=real" in found.undecided
    assert _due(app, invoice.id) == later() + RETRY_AFTER   # left for a process that asks the real SEFAZ


def test_a_received_receivable_of_an_nfe_found_cancelled_is_flagged_not_cancelled(app, company, sefaz,  # noqa: F811
                                                                                  simulator):
    _, invoice = _authorised(app, sefaz, 2000000708)
    (receivable,) = list_receivables(app.uow())
    receive(app.uow(), receivable["id"])
    _cancel_elsewhere(app, sefaz, simulator.simulator, invoice.access_key)
    assert check_authorised_invoice(app.uow(), app.cipher, sefaz, invoice.id, now=_after(invoice, 26)).cancelled
    (kept,) = list_receivables(app.uow())
    assert kept["status"] == "received" and kept["needs_attention"] and kept["amount"] == Decimal("160.00")
    assert stock(app) == NOT_MOVED


def test_a_persons_cancellation_in_flight_is_left_to_its_own_settling(app, company, sefaz, simulator):  # noqa: F811
    """A person's cancellation sent without its answer recorded (the worker settles it by key, in their name): the
    check, finding it cancelled, must not take it for another program's."""
    from lojasync.fiscal.services.invoice_cancellation import settle_cancellation

    number, invoice = _authorised(app, sefaz, 2000000711)
    requested_at = datetime.now(timezone.utc)
    with app.uow() as uow:   # what cancel_invoice commits before sending the event, the process dying after it
        uow.invoices.get(invoice.id).cancel_requested(Person("ana@loja.com.br"), "Cliente desistiu da compra",
                                                      requested_at)
        uow.commit()
    _cancel_elsewhere(app, sefaz, simulator.simulator, invoice.access_key)   # the event reached SEFAZ
    later = _after(invoice, 26)
    found = check_authorised_invoice(app.uow(), app.cipher, sefaz, invoice.id, now=later)
    assert not found.cancelled and found.undecided and _due(app, invoice.id) == later() + RETRY_AFTER
    assert show_invoice(app.uow(), invoice.id).status == "authorised" and stock(app) == ISSUED

    assert settle_cancellation(app.uow(), app.cipher, sefaz, invoice.id).cancelled
    settled = show_invoice(app.uow(), invoice.id)
    assert settled.status == "cancelled" and not settled.found_cancelled and stock(app) == NOT_MOVED
    log = show_order(app.uow(), number)["log"]
    assert "invoice_found_cancelled" not in [e["event"] for e in log]
    assert claim_sefaz_checks(app.uow(), _after(invoice, 500)()) == []


def test_an_nfe_cancelled_here_is_never_asked_about(app, company, sefaz, simulator):  # noqa: F811
    _, invoice = _authorised(app, sefaz, 2000000709)
    cancel_invoice(app.uow(), app.cipher, sefaz, invoice.id, "Cliente desistiu da compra antes do envio",
                   Person("ana@loja.com.br"))
    assert _due(app, invoice.id) is None
    assert claim_sefaz_checks(app.uow(), _after(invoice, 26)()) == []


def test_the_worker_asks_sefaz_about_the_nfe_whose_deadline_passed(app, company, sefaz, simulator,  # noqa: F811
                                                                   monkeypatch):
    """The worker's round, not the service alone: it enqueues the due NF-e once, and its task records the
    cancellation SEFAZ holds."""
    monkeypatch.setattr(app.settings, "sefaz_url", simulator.url)   # the worker's SEFAZ: this simulator
    monkeypatch.setattr(app.settings, "http_max_retries", 0)   # the store (127.0.0.1:9) answers at once
    number, invoice = _authorised(app, sefaz, 2000000710)
    _cancel_elsewhere(app, sefaz, simulator.simulator, invoice.access_key)
    huey = MemoryHuey("test")
    queue = TaskQueue(app, huey=huey)
    queue.housekeeping()
    assert [t for t in huey.pending() if t.name == "check_authorised_invoice"] == []   # not due yet
    with app.uow() as uow:   # a day and more later (the worker's round uses the real clock)
        uow.invoices.get(invoice.id).sefaz_check_due_at = datetime.now(timezone.utc) - timedelta(minutes=1)
        uow.commit()
    queue.housekeeping()
    queue.housekeeping()   # the next round, the first round's task still waiting: not enqueued twice
    checks = [t for t in huey.pending() if t.name == "check_authorised_invoice"]
    assert [t.args for t in checks] == [(invoice.id,)]
    assert _due(app, invoice.id) > datetime.now(timezone.utc) + RETRY_AFTER - timedelta(minutes=1)
    run_queued(huey, "check_authorised_invoice")
    assert show_invoice(app.uow(), invoice.id).status == "cancelled" and stock(app) == NOT_MOVED
    assert show_order(app.uow(), number)["needs_attention"]


def test_a_check_that_cannot_open_the_certificate_tells_a_person(app, company, sefaz, simulator):  # noqa: F811
    """review: with the company's certificate erased (`secrets reset`) or sealed with another key, the check failed
    before asking SEFAZ, was retried every hour for ever, and nobody was told."""
    number, invoice = _authorised(app, sefaz, 2000000961)
    with app.uow() as uow:
        uow.company.get().forget_certificate()
        uow.commit()
    found = check_authorised_invoice(app.uow(), app.cipher, sefaz, invoice.id, now=_after(invoice, 25))
    assert found.needs_a_person
    reason = show_order(app.uow(), number)["attention_reason"]
    assert "certificado" in reason and "Nada foi desfeito aqui" in reason
    due = _due(app, invoice.id)   # the next deadline's check, or none: not the hourly retry
    assert due is None or due > invoice.authorised_at + timedelta(hours=25) + RETRY_AFTER


def test_sefaz_down_for_one_authorised_nfe_leaves_the_other_checks_for_later(app, company, sefaz, simulator,  # noqa: F811
                                                                              monkeypatch):
    """review of this session's commits: the pause after SEFAZ was found down covered the settling of NF-e only; the
    round still asked SEFAZ, out of service, about every authorised NF-e whose check was due (the most numerous)."""
    monkeypatch.setattr(app.settings, "sefaz_url", simulator.url)
    monkeypatch.setattr(app.settings, "http_max_retries", 0)
    invoices = []
    for i in range(3):
        number = imported(app, id=2000000720 + i, payment_status="paid")
        invoices.append(approve_invoice(app.uow(), app.cipher, sefaz,
                                        generate_invoice(app.uow(), app.cipher, number).id)[0])
    with app.uow() as uow:
        for invoice in invoices:
            uow.invoices.get(invoice.id).sefaz_check_due_at = datetime.now(timezone.utc) - timedelta(minutes=1)
        uow.commit()
    simulator.simulator.set_switches(out_of_service="108")
    asked_before = simulator.simulator.stats()["chamadas"].get("NFeConsultaProtocolo4", 0)
    huey = MemoryHuey("checks")
    queue = TaskQueue(app, huey=huey)
    queue.housekeeping()
    run_queued(huey, "check_authorised_invoice")
    assert simulator.simulator.stats()["chamadas"].get("NFeConsultaProtocolo4", 0) - asked_before == 1
    assert queue._sefaz_down_until > 0
    assert all(_due(app, invoice.id) > datetime.now(timezone.utc) for invoice in invoices)   # asked again later
