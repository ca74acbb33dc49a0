"""Asking SEFAZ whether an NF-e authorised here still stands, once the deadlines of its cancellation are over.

Whoever holds the company's certificate can cancel an NF-e at SEFAZ (another ERP, a "emissor gratuito", the SEFAZ
portal): lojasync would never hear of it, and the NF-e would stay "autorizada" here, its stock issued and its
receivables open, against a sale that no longer exists for the tax authority. SEFAZ accepts a cancellation up
to 24 hours after the authorisation (some UFs, late, up to 168 hours, cStat 155): the worker asks it by key after
each deadline (`fiscal.invoices.SEFAZ_CHECKS`). Cancelled there, it is recorded as a cancellation here (stock
back, open receivables cancelled, a received one flagged) and the order asks a person to look; authorised there,
it is asked again after the next deadline, if any. Two queries per NF-e in its life: SEFAZ's "consumo indevido"
(656) is about the same key asked again and again, which this never does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from lojasync.fiscal.errors import InvoiceNotFound
from lojasync.fiscal.gateway import SefazAnswer
from lojasync.fiscal.invoices import SEFAZ_CHECKS, Invoice, InvoiceStatus, SefazRecord
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.sefaz_outcomes import Outcome, outcome_of
from lojasync.fiscal.services.cancellation_found import ask_by_key, cancellation_in, justification_in
from lojasync.fiscal.services.company import SecretBox
from lojasync.fiscal.services.invoices import Sefaz, certificate_for, sefaz_down
from lojasync.sales.history import Actor
from lojasync.shared.errors import LojasyncError

Clock = Callable[[], datetime]
ROUND_LIMIT = 20                   # queries a housekeeping round (a minute) enqueues at most: 1,200 an hour
# SEFAZ could not say (out of service, unreachable), the task failed or never ran (its worker died), a person's
# cancellation is pending: asked again then. Nothing here is urgent, and the same key asked again and again is
# what SEFAZ answers with 656 ("consumo indevido"), which would hold up the worker's other queries.
RETRY_AFTER = timedelta(hours=1)
# SEFAZ still not answering this long after the last deadline: a person looks, instead of a query an hour for good.
GIVE_UP_AFTER = timedelta(days=7)
SIMULATOR_CANNOT_SAY = ("este processo usa o simulador da SEFAZ, que não conhece uma NF-e autorizada pela SEFAZ real "
                        "(configure LOJASYNC_SEFAZ=real no worker)")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def claim_sefaz_checks(uow: ProcessingUnitOfWork, now: datetime | None = None, limit: int = ROUND_LIMIT) -> list[int]:
    """The authorised NF-e whose query is due, each marked so that the next rounds leave it out for `RETRY_AFTER`
    (a task still queued or asking is not enqueued again; one lost with its worker, or failed, is asked then)."""
    moment = now or _now()
    with uow:
        claimed = [invoice_id for invoice_id in uow.invoices.due_for_sefaz_check(moment, limit)
                   if _invoice(uow, invoice_id).sefaz_check_asked(moment + RETRY_AFTER, claimed_at=moment)]
        uow.commit()
        return claimed


@dataclass(frozen=True)
class SefazCheck:
    """What asking SEFAZ about an authorised NF-e found: `stands` (authorised there), `cancelled` (cancelled
    there: recorded here now), `needs_a_person` (SEFAZ does not know it, or refuses to be asked: the order says
    so), or none of them with `undecided` (SEFAZ could not say now: asked again later); `misconfigured` when this
    process cannot ask at all (for whoever runs the worker, in its log)."""

    stands: bool = False
    cancelled: bool = False
    needs_a_person: str | None = None
    undecided: str | None = None
    misconfigured: bool = False
    sefaz_down: bool = False   # undecided because SEFAZ itself cannot answer now (`sefaz_down`): the worker pauses


def check_authorised_invoice(uow: ProcessingUnitOfWork, box: SecretBox, sefaz: Sefaz, invoice_id: int,
                             now: Clock = _now) -> SefazCheck:
    """Ask SEFAZ by key whether this authorised NF-e still stands, and record what it says."""
    with uow:
        invoice = _invoice(uow, invoice_id)
        if invoice.status is not InvoiceStatus.AUTHORISED or invoice.sefaz_check_due_at is None:
            return SefazCheck()   # cancelled here meanwhile
        if invoice.cancel_requested_at is not None:
            # A person's cancellation in flight: SEFAZ would answer with it, and `settle_cancellation` records it
            # in their name. Asked after it is settled (if it never reached SEFAZ, the NF-e still stands).
            invoice.sefaz_check_asked(now() + RETRY_AFTER)
            uow.commit()
            return SefazCheck(undecided="cancelamento pedido aguardando a SEFAZ")
        if invoice.simulated and not sefaz.simulated:
            # Authorised by the simulator, and SEFAZ is now the real one: it cannot know the key. Nothing to ask.
            invoice.sefaz_check_ended()
            uow.commit()
            return SefazCheck()
        if sefaz.simulated and not invoice.simulated:
            # A real NF-e, and this process talks to the simulator (a worker started without LOJASYNC_SEFAZ=real):
            # the simulator cannot say. Left for a process that asks the real SEFAZ; its checks never end here.
            invoice.sefaz_check_asked(now() + RETRY_AFTER)
            uow.commit()
            return SefazCheck(undecided=SIMULATOR_CANNOT_SAY, misconfigured=True)
        uf, environment, key = invoice.access_key[:2], invoice.environment, invoice.access_key
    try:
        # The certificate too: one erased (`secrets reset`) or sealed with another key was retried every hour for
        # ever, nobody told (review); the give-up and the order's flag are those of SEFAZ refusing the question.
        with uow:
            certificate = certificate_for(uow.company.get(), box)
        answer = ask_by_key(sefaz, certificate, uf, environment, key)
    except LojasyncError as exc:
        if not exc.retryable:
            # Asking again as it is cannot help (SEFAZ's certificate not trusted, a UF without its address): a person.
            return _refused(uow, invoice_id, exc.message, f"{exc.message} {exc.resolution}".strip(), now)
        return replace(_later(uow, invoice_id, now, exc.message), sefaz_down=sefaz_down(exc))
    outcome = outcome_of(answer)
    why = f"{answer.status} - {answer.reason}"
    if outcome is Outcome.CANCELLED_THERE:
        if _record_cancelled(uow, invoice_id, answer, now):
            return SefazCheck(cancelled=True)
        # A person's cancellation came first: theirs to record.
        return _later(uow, invoice_id, now, "cancelamento pedido aguardando a SEFAZ")
    if outcome is Outcome.AUTHORISED:
        with uow:
            invoice = _invoice(uow, invoice_id)
            invoice.sefaz_confirmed(uow.orders.get(invoice.order_id, for_update=True), now())
            uow.commit()
        return SefazCheck(stands=True)
    if outcome is Outcome.UNKNOWN:
        # SEFAZ does not know the key (217): asking again gets the same. Authorised here, that is for a person.
        with uow:
            invoice = _invoice(uow, invoice_id)
            if invoice.status is InvoiceStatus.AUTHORISED:
                invoice.sefaz_check_ended()
                invoice.sefaz_not_confirmed(uow.orders.get(invoice.order_id, for_update=True), (
                    f"autorizada aqui pelo simulador da SEFAZ, que não a conhece mais ({why}): os dados do simulador "
                    "foram apagados ou trocados? Nada foi desfeito aqui." if invoice.simulated else
                    f"autorizada aqui, a SEFAZ não a conhece quando consultada pela chave ({why}). Nada foi desfeito "
                    "aqui; confira a chave no portal da SEFAZ."))
                uow.commit()
        return SefazCheck(needs_a_person=why)
    if outcome is Outcome.UNDECIDED:
        # Out of service, in processing, 656: not a decision.
        return replace(_later(uow, invoice_id, now, why), sefaz_down=answer.unavailable)
    # The query refused as it is (226 UF, 252 environment, a certificate it refuses...), or an answer that makes no
    # sense for an authorised key (denied, another key): a person, and asked again after the next deadline, if any.
    return _refused(uow, invoice_id, why, f"a SEFAZ recusou a consulta pela chave ({why})", now)


def _refused(uow: ProcessingUnitOfWork, invoice_id: int, why: str, words: str, now: Clock) -> SefazCheck:
    with uow:
        invoice = _invoice(uow, invoice_id)
        if invoice.status is InvoiceStatus.AUTHORISED:
            invoice.sefaz_checked(now())
            again = ("o lojasync consulta de novo depois do próximo prazo de cancelamento" if invoice.sefaz_check_due_at
                     else "o lojasync não consulta mais: confira a chave no portal da SEFAZ")
            invoice.sefaz_not_confirmed(uow.orders.get(invoice.order_id, for_update=True),
                                        f"{words.rstrip('.')}. Nada foi desfeito aqui. Confira a UF, o ambiente e o "
                                        f"certificado da empresa; {again}.")
            uow.commit()
    return SefazCheck(needs_a_person=why)


def _record_cancelled(uow: ProcessingUnitOfWork, invoice_id: int, answer: SefazAnswer, now: Clock) -> bool:
    registered, event_xml = cancellation_in(answer)
    with uow:
        invoice = _invoice(uow, invoice_id)
        order = uow.orders.get(invoice.order_id, for_update=True)
        moment = now()
        changed = invoice.found_cancelled_at_sefaz(
            order, Actor.SYSTEM, answer.status, answer.reason,
            SefazRecord(registered.protocol, event_xml, registered.received_at), justification_in(event_xml), moment)
        uow.commit()
        return changed


def _later(uow: ProcessingUnitOfWork, invoice_id: int, now: Clock, why: str) -> SefazCheck:
    """Asked again in `RETRY_AFTER`; SEFAZ silent for `GIVE_UP_AFTER` past the last deadline: a person, no more."""
    with uow:
        invoice = _invoice(uow, invoice_id)
        when = now() + RETRY_AFTER
        silent_for_long = (invoice.authorised_at is not None and invoice.cancel_requested_at is None
                           and when > invoice.authorised_at + SEFAZ_CHECKS[-1] + GIVE_UP_AFTER)
        if silent_for_long:
            if invoice.status is not InvoiceStatus.AUTHORISED or invoice.sefaz_check_due_at is None:
                return SefazCheck()
            invoice.sefaz_check_ended()
            invoice.sefaz_not_confirmed(uow.orders.get(invoice.order_id, for_update=True),
                                        f"a SEFAZ não respondeu às consultas pela chave ({why}) por "
                                        f"{GIVE_UP_AFTER.days} dias depois do prazo de cancelamento, e o lojasync "
                                        "parou de consultar. Nada foi desfeito aqui; confira a chave no portal da "
                                        "SEFAZ.")
            uow.commit()
            return SefazCheck(needs_a_person=why)
        if invoice.sefaz_check_asked(when):
            uow.commit()
    return SefazCheck(undecided=why)


def _invoice(uow: ProcessingUnitOfWork, invoice_id: int) -> Invoice:
    invoice = uow.invoices.get(invoice_id, for_update=True)
    if invoice is None:
        raise InvoiceNotFound(invoice_id=invoice_id)
    return invoice
