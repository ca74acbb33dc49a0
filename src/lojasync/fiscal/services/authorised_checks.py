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
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lojasync.fiscal.errors import InvoiceNotFound
from lojasync.fiscal.gateway import SefazAnswer
from lojasync.fiscal.invoices import Invoice, InvoiceStatus, SefazRecord
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.sefaz_outcomes import Outcome, outcome_of
from lojasync.fiscal.services.cancellation_found import ask_by_key, cancellation_in, justification_in
from lojasync.fiscal.services.company import SecretBox
from lojasync.fiscal.services.invoices import Sefaz, certificate_for
from lojasync.sales.history import Actor
from lojasync.shared.errors import LojasyncError

Clock = Callable[[], datetime]
ROUND_LIMIT = 20                   # queries a housekeeping round (a minute) enqueues at most: 1,200 an hour
# SEFAZ could not say (out of service, unreachable), the task failed or never ran (its worker died), a person's
# cancellation is pending: asked again then. Nothing here is urgent, and the same key asked again and again is
# what SEFAZ answers with 656 ("consumo indevido"), which would hold up the worker's other queries.
RETRY_AFTER = timedelta(hours=1)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def claim_sefaz_checks(uow: ProcessingUnitOfWork, now: datetime | None = None, limit: int = ROUND_LIMIT) -> list[int]:
    """The authorised NF-e whose query is due, each marked so that the next rounds leave it out for `RETRY_AFTER`
    (a task still queued or asking is not enqueued again; one lost with its worker, or failed, is asked then)."""
    moment = now or _now()
    with uow:
        claimed = [invoice_id for invoice_id in uow.invoices.due_for_sefaz_check(moment, limit)
                   if _invoice(uow, invoice_id).sefaz_check_asked(moment + RETRY_AFTER)]
        uow.commit()
        return claimed


@dataclass(frozen=True)
class SefazCheck:
    """What asking SEFAZ about an authorised NF-e found: `stands` (authorised there), `cancelled` (cancelled
    there: recorded here now), `needs_a_person` (SEFAZ does not know it, or refuses to be asked: the order says
    so), or none of them with `undecided` (SEFAZ could not say now: asked again later)."""

    stands: bool = False
    cancelled: bool = False
    needs_a_person: str | None = None
    undecided: str | None = None


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
        if invoice.simulated != sefaz.simulated:
            # Authorised by the simulator and SEFAZ is now the real one (or the other way round): the other cannot
            # know its key. Nothing to ask.
            invoice.sefaz_check_ended()
            uow.commit()
            return SefazCheck()
        certificate = certificate_for(uow.company.get(), box)
        uf, environment, key = invoice.access_key[:2], invoice.environment, invoice.access_key
    try:
        answer = ask_by_key(sefaz, certificate, uf, environment, key)
    except LojasyncError as exc:
        _later(uow, invoice_id, now() + RETRY_AFTER)
        return SefazCheck(undecided=exc.message)
    outcome = outcome_of(answer)
    if outcome is Outcome.CANCELLED_THERE:
        if _record_cancelled(uow, invoice_id, answer, now):
            return SefazCheck(cancelled=True)
        _later(uow, invoice_id, now() + RETRY_AFTER)   # a person's cancellation came first: theirs to record
        return SefazCheck(undecided="cancelamento pedido aguardando a SEFAZ")
    if outcome is Outcome.AUTHORISED:
        with uow:
            _invoice(uow, invoice_id).sefaz_checked(now())
            uow.commit()
        return SefazCheck(stands=True)
    if outcome in (Outcome.UNKNOWN, Outcome.REJECTED):
        # SEFAZ does not know the key (217): asking again gets the same; or it refuses the query as it is (226 UF,
        # 252 environment, a certificate it refuses...): asked again after the next deadline, if any, in case a
        # person fixed it. Authorised here, either is for a person to see.
        why = f"{answer.status} - {answer.reason}"
        with uow:
            invoice = _invoice(uow, invoice_id)
            if invoice.status is InvoiceStatus.AUTHORISED:
                if outcome is Outcome.UNKNOWN:
                    invoice.sefaz_check_ended()
                else:
                    invoice.sefaz_checked(now())
                uow.orders.get(invoice.order_id, for_update=True).ask_for_a_person(
                    f"{invoice.label}: autorizada aqui, a SEFAZ não a confirmou quando consultada pela chave ({why}). "
                    "Confira a chave no portal da SEFAZ."[:500])
                uow.commit()
        return SefazCheck(needs_a_person=why)
    _later(uow, invoice_id, now() + RETRY_AFTER)   # out of service, in processing, 656: not a decision
    return SefazCheck(undecided=f"{answer.status} - {answer.reason}")


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


def _later(uow: ProcessingUnitOfWork, invoice_id: int, when: datetime) -> None:
    with uow:
        invoice = _invoice(uow, invoice_id)
        if invoice.sefaz_check_asked(when):
            uow.commit()


def _invoice(uow: ProcessingUnitOfWork, invoice_id: int) -> Invoice:
    invoice = uow.invoices.get(invoice_id, for_update=True)
    if invoice is None:
        raise InvoiceNotFound(invoice_id=invoice_id)
    return invoice
