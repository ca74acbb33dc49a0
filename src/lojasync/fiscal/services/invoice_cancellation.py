"""Cancelling an authorised NF-e (event 110111 at SEFAZ; stock back, open receivables cancelled) and
discarding one SEFAZ never authorised.

A cancellation whose answer is lost may have been registered: before sending the event again, SEFAZ is
asked about the NF-e, and a cancellation it already holds is recorded here (a second send would only get
573, "duplicidade de evento", and the ERP would never learn the NF-e is cancelled). A refusal of the second
send says nothing of the first: that request stays pending, for the worker's query by key.

The request is committed on the NF-e before the event is sent (as an NF-e is committed "aguardando SEFAZ"
before its send): should the process die, the answer be lost, or SEFAZ be out of reach or out of service, the
worker asks SEFAZ by key once the sending window has passed and records what SEFAZ holds, or sends the event if
SEFAZ never got it (`settle_cancellation`), with nobody cancelling again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lojasync.fiscal.errors import (
    PAST_CANCELLATION_DEADLINE,
    CancellationNotProcessed,
    CancellationNotSent,
    CancellationQueued,
    CancellationRefused,
    CancellationUnanswered,
    CancelledAtTheSefazThatAuthorised,
    DocumentNotPossible,
    DocumentStateRefused,
    InvoiceAwaitingSefaz,
    InvoiceNotFound,
)
from lojasync.fiscal.gateway import ALREADY_CANCELLED, Environment, SefazAnswer
from lojasync.fiscal.invoices import Invoice, InvoiceStatus
from lojasync.fiscal.local_time import issuer_time
from lojasync.fiscal.nfe_events import (
    CANCELLATION_DEADLINE,
    CancellationNeedsReason,
    build_cancellation_event_xml,
    justification_sent,
)
from lojasync.fiscal.nfe_proc import event_proc
from lojasync.fiscal.nfe_schema import event_schema_errors
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.sefaz.errors import SefazConfigurationError
from lojasync.fiscal.sefaz_outcomes import OVERUSE, Outcome, outcome_of
from lojasync.fiscal.services.cancellation_found import REGISTERED, ask_by_key, cancellation_in, justification_in
from lojasync.fiscal.services.company import SecretBox
from lojasync.fiscal.services.invoices import (
    OUT_OF_SERVICE,
    SENDING_WINDOW,
    Sefaz,
    certificate_for,
    paused_for_overuse,
)
from lojasync.fiscal.services.views import InvoiceView, invoice_view
from lojasync.fiscal.signing import sign
from lojasync.sales.history import Actor, Who
from lojasync.shared.conflicts import through_conflicts
from lojasync.shared.errors import LojasyncError, WriteConflict
from lojasync.shared.local_zone import merchant_zone

Clock = Callable[[], datetime]
DUPLICATE_EVENT = "573"         # this very event was registered before (its answer was lost)
# A request still unsettled this long after it was made: a person looks (the worker keeps asking meanwhile).
STILL_PENDING_AFTER = timedelta(hours=24)
# A request still unsettled this close to SEFAZ's cancellation deadline: a person looks before it runs out.
DEADLINE_WARNING = timedelta(hours=3)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def cancel_invoice(uow: ProcessingUnitOfWork, box: SecretBox, sefaz: Sefaz, invoice_id: int, reason: str,
                   actor: Who = Actor.OPERATOR, now: Clock = _now,
                   last_chance: Callable[[], None] | None = None) -> tuple[InvoiceView, bool]:
    """Register the cancellation at SEFAZ; then the stock comes back and open receivables are cancelled. A
    pending or rejected NF-e is discarded instead (nothing was authorised). Returns whether this call changed it.
    `last_chance`: called just before the request is kept to be sent (or the NF-e discarded); what it raises leaves
    the NF-e as it was (the terminal's Ctrl+C)."""
    with uow:
        invoice = _invoice(uow, invoice_id)
        order = uow.orders.get(invoice.order_id, for_update=True)
        # Done already (a retry, a double click): the same outcome again, nothing changed.
        if invoice.status in (InvoiceStatus.CANCELLED, InvoiceStatus.DISCARDED):
            return invoice_view(invoice, order), False
        if invoice.status in (InvoiceStatus.PENDING, InvoiceStatus.REJECTED):
            invoice.discard(order, actor, now(), reason)
            if last_chance is not None:
                last_chance()
            uow.commit()
            return invoice_view(invoice, order), True
        if invoice.status is InvoiceStatus.AWAITING:
            raise InvoiceAwaitingSefaz(number=invoice.number, invoice_id=invoice.id)
        if invoice.status is not InvoiceStatus.AUTHORISED:
            raise DocumentStateRefused(document="NF-e nº", number=invoice.number, status=invoice.status.label,
                                       what="cancelar")
        if not (reason or "").strip():
            raise CancellationNeedsReason(number=invoice.number, invoice_id=invoice.id)
        _same_sefaz(invoice, sefaz)
        company = uow.company.get()
        certificate = certificate_for(company, box)
        signed = _signed_event(invoice, company, certificate, reason, now())
        uf, environment, number, key = invoice.issuer[0], invoice.environment, invoice.number, invoice.access_key
        deadline = cancellation_deadline(invoice)
        reason = justification_sent(reason)   # kept as SEFAZ gets it
        # The earlier sends of the pending request whose outcome is not known (in flight, the answer lost): SEFAZ may
        # hold one registered. A request known not received (queued: SEFAZ out of reach or out of service) has none,
        # and this send is the only one (review: a second click during the outage counted it as maybe sent).
        previous = [datetime.fromisoformat(sent) for sent in invoice.cancel_sends or []] \
            if invoice.cancel_requested_at is not None else []
        earlier = bool(previous)
        proven_before = None   # SEFAZ's "autorizada" proves the sends begun before this never got there
        # Committed before the send: an outcome never recorded (a process killed, an answer lost, SEFAZ out of
        # reach) is settled by the worker asking SEFAZ by key, as an NF-e awaiting SEFAZ is, and sending it if
        # SEFAZ never got it.
        requested_at = now()
        invoice.cancel_requested(actor, reason.strip(), requested_at)
        if last_chance is not None:
            last_chance()
        uow.commit()
    # Bounded as a transmission is (the gateway's default deadline), so that no send outlasts the window after
    # which the worker asks by key.
    try:
        with sefaz.gateway(uf, environment, certificate) as gateway:
            found = None
            if earlier:
                # The earlier request first: registered, it is recorded with no second event sent; SEFAZ saying the
                # NF-e is authorised, it never got it, and this send is the only request there is.
                found, absent = _earlier_request(gateway, key)
                if absent:
                    # Only of the sends that cannot still be on their way (begun a sending window before): one in
                    # flight is not in SEFAZ's answer yet (review: the worker's send, registered after this query, was
                    # taken as absent, and the request cleared or withdrawn).
                    proven_before = requested_at - SENDING_WINDOW
                    earlier = any(sent >= proven_before for sent in previous)
            answer, proc = found or _send(gateway, signed, key, number)
    except (CancellationNotSent, CancellationNotProcessed) as exc:
        # SEFAZ took nothing now (never reached, or out of service): the request stays, and the worker sends it when
        # SEFAZ answers (asking first by key, in case an earlier request's answer was lost), within the 24 hours
        # SEFAZ gives: an operator cannot watch SEFAZ come back, and the deadline runs all the same.
        raise _queued(uow, invoice_id, requested_at, number, deadline, exc, now(), proven_before) from exc
    except CancellationUnanswered as exc:
        raise _unanswered(exc, deadline, requested_at) from exc
    except (CancellationRefused, SefazConfigurationError) as exc:
        if not earlier:
            # SEFAZ answered with a code, or its TLS refused the certificate before it read anything: nothing is
            # pending (sent again as it is, it would meet the same refusal).
            _request_refused(uow, invoice_id, requested_at, exc.message, actor, reason.strip())
        else:
            # This refusal says nothing of the earlier request (SEFAZ could not be asked about it): still pending,
            # for the worker's query by key, which records it if SEFAZ holds it registered. This send's refusal is
            # said all the same (review: it left no trace).
            _send_refused(uow, invoice_id, actor, reason.strip(), exc.message, requested_at, proven_before)
        raise
    # SEFAZ holds the NF-e cancelled now: a write conflict must not leave it "autorizada" here. Recording it
    # locks the NF-e, the order and then (a handler) the order's store binding, in the order an import takes
    # the last two; should another writer still meet it in a deadlock, PostgreSQL may fail this side: it is
    # recorded again.
    return _record_through_conflicts(uow, invoice_id, answer, proc, reason, actor, now)


def _signed_event(invoice: Invoice, company, certificate, reason: str, moment: datetime) -> bytes:
    """The NF-e's cancellation event (110111), dated `moment`, signed and valid against its schema. Built when it is
    sent: a request the worker sends later carries the time it went."""
    # The NF-e's own UF (its key's cUF) and issuer (its key's CNPJ), whatever the company says now: its
    # authoriser holds it, and another one refuses a query by its key (226); an event by another CNPJ (the
    # company's CNPJ changed to a branch's since) is 574, "o autor do evento diverge do emissor da NF-e".
    uf, issuer = invoice.issuer
    certificate.ensure_issuer(issuer)   # another root's certificate: said here, not as SEFAZ's 213
    event = build_cancellation_event_xml(invoice.access_key, issuer, invoice.protocol, reason,
                                         when=issuer_time(moment, company.uf),
                                         environment=Environment(invoice.environment), uf_code=uf)
    signed = sign(event, certificate, element="infEvento")
    errors = event_schema_errors(signed, signed=True)
    if errors:
        raise DocumentNotPossible("o cancelamento", invoice.order_id, errors[:5])
    return signed


def cancellation_deadline(invoice: Invoice | InvoiceView) -> datetime | None:
    """Until when SEFAZ takes the NF-e's cancellation (24 hours from its authorisation)."""
    return invoice.authorised_at + CANCELLATION_DEADLINE if invoice.authorised_at is not None else None


def _unanswered(exc: CancellationUnanswered, deadline: datetime | None, sent_at: datetime) -> CancellationUnanswered:
    """`exc` with the NF-e's deadline, in words that hold for when the send began (`sent_at`): in time, the worker
    asks by key and sends it if SEFAZ never got it; in time but too close to the deadline for the worker's send
    (5 minutes later), only the question (review: it promised a send SEFAZ refuses, 501); after the deadline, what a
    person does. Judged by the send's start, not its end: a send begun in time may be registered (review)."""
    params = {**exc.params, **({"deadline": _local(deadline)} if deadline is not None else {})}   # else the default
    if deadline is None or sent_at + SENDING_WINDOW < deadline:
        return CancellationUnanswered(exc.message, **params)
    asked = ("O pedido ficou guardado: 5 minutos depois do envio, o lojasync consulta a NF-e na SEFAZ pela chave e "
             "registra o cancelamento se ela o aceitou.")
    if sent_at < deadline:
        return CancellationUnanswered(exc.message, resolution=(
            f"{asked} Se ela não o recebeu, um novo envio passaria do prazo ({_local(deadline)}) e seria recusado "
            "(501): o pedido avisa, e só então desfaça a venda de outro jeito (uma NF-e de devolução, ou o "
            "cancelamento extemporâneo pedido à SEFAZ com o contador)."), **params)
    return CancellationUnanswered(exc.message, resolution=(
        f"{asked} Mas ele foi enviado depois do fim do prazo ({_local(deadline)}), e a SEFAZ deve recusá-lo (501). "
        f"{PAST_CANCELLATION_DEADLINE}"), **params)


def _queued(uow: ProcessingUnitOfWork, invoice_id: int, requested_at: datetime, number: int,
            deadline: datetime | None, exc: LojasyncError, moment: datetime,
            proven_before: datetime | None) -> CancellationQueued:
    """The request kept for the worker, said in the order's history; the error that tells the person so. This send
    is not at SEFAZ, nor those begun before `proven_before` (SEFAZ said so by key): with no other, it may be
    withdrawn."""
    why = (f"{exc.params['status']} - {exc.params['reason']}" if "status" in exc.params
           else exc.params.get("reason") or exc.message.rstrip("."))
    withdrawable = False
    try:
        with uow:
            invoice = _invoice(uow, invoice_id)
            order = uow.orders.get(invoice.order_id, for_update=True)
            if invoice.cancel_requested_at == requested_at:
                invoice.cancel_queued(order, why)
            # Whoever's request is pending now: this send is not at SEFAZ (review: a second click replacing the
            # request left the first send counted as maybe there for good).
            _not_at_sefaz(invoice, requested_at, proven_before)
            withdrawable = invoice.cancel_withdrawable
            uow.commit()
    except WriteConflict:
        # Only the history's entry is lost, and this send counts as maybe at SEFAZ (not withdrawable) until the
        # worker's query by key: the request is on the NF-e, committed before the send.
        pass
    if deadline is not None and moment >= deadline:
        # review: it said the worker would try "até" a time already gone; SEFAZ will refuse it (501) when it gets it.
        late = CancellationQueued(
            f"A SEFAZ não recebeu o cancelamento da NF-e nº {number} agora ({why}): o pedido ficou guardado, mas o "
            f"prazo de cancelamento terminou em {_local(deadline)}, e a SEFAZ deve recusá-lo (501) quando o receber.",
            number=number, reason=why, deadline=_local(deadline), resolution=PAST_CANCELLATION_DEADLINE)
        late.left_to_worker = False   # a person acts (a return, a late cancellation): a worker sends only a refusal
        return late
    return CancellationQueued(number=number, reason=why,
                              deadline=_local(deadline) if deadline is not None else "24 horas da autorização",
                              withdrawable_id=invoice_id if withdrawable else None)


def _local(moment: datetime) -> str:
    return moment.astimezone(merchant_zone()).strftime("%d/%m às %H:%M")


def _same_sefaz(invoice: Invoice, sefaz: Sefaz) -> None:
    """Refuse to send the cancellation to a SEFAZ that cannot know the NF-e: the real one refuses a key of the
    simulator's (it would stay "autorizada" with no way out), the simulator one of the real SEFAZ's (252, blamed on
    SEFAZ, from a shell started without LOJASYNC_SEFAZ=real)."""
    if invoice.simulated and not sefaz.simulated:
        raise CancelledAtTheSefazThatAuthorised(
            number=invoice.number, authorised_by="pelo simulador da SEFAZ (teste, sem valor fiscal)",
            connected_to="à SEFAZ real",
            resolution="Cancele-a com o simulador, que a guarda na pasta de dados: rode o comando sem "
                       "LOJASYNC_SEFAZ=real (lojasync invoices cancel ID --reason TEXTO).")
    if sefaz.simulated and not invoice.simulated:
        raise CancelledAtTheSefazThatAuthorised(
            number=invoice.number, authorised_by="pela SEFAZ", connected_to="ao simulador da SEFAZ",
            resolution="Rode o comando (ou o serviço) com LOJASYNC_SEFAZ=real, como quando a NF-e foi transmitida.")


def _record_through_conflicts(uow: ProcessingUnitOfWork, invoice_id: int, answer: SefazAnswer, proc: str | None,
                              reason: str, actor: Who, now: Clock) -> tuple[InvoiceView, bool]:
    """`_record` of a cancellation SEFAZ registered, tried again on a write conflict (the last one raises)."""
    return through_conflicts(lambda: _record(uow, invoice_id, answer, proc, reason, actor, now))


def _record(uow: ProcessingUnitOfWork, invoice_id: int, answer: SefazAnswer, proc: str | None, reason: str,
            actor: Who, now: Clock) -> tuple[InvoiceView, bool]:
    with uow:
        invoice = _invoice(uow, invoice_id)
        order = uow.orders.get(invoice.order_id, for_update=True)
        moment = now()
        # The justification SEFAZ registered, when its event is at hand: an earlier request whose answer was lost,
        # found by a query, holds the words typed then, not those of the retry (or the worker's latest), and an
        # event another program registered holds its own.
        justification = justification_in(proc) or reason.strip()
        changed = invoice.cancel(order, actor, answer.protocol, justification, proc, answer.received_at or moment,
                                 recorded_at=moment)
        uow.commit()
        return invoice_view(invoice, order), changed


def flag_unsettled_cancellation(uow: ProcessingUnitOfWork, invoice_id: int, why: str) -> bool:
    """The worker cannot settle a pending cancellation by asking again (SEFAZ refuses the query, the certificate is
    gone): the order asks a person, once, instead of the request waiting silently. True when the flag is new."""
    with uow:
        invoice = _invoice(uow, invoice_id)
        if invoice.status is not InvoiceStatus.AUTHORISED or invoice.cancel_requested_at is None:
            return False   # settled meanwhile
        order = uow.orders.get(invoice.order_id, for_update=True)
        if order is None or not invoice.cancel_unsettled(order, why):
            return False
        uow.commit()
        return True


def _not_at_sefaz(invoice: Invoice, began: datetime, proven_before: datetime | None) -> None:
    """The send begun at `began` is not at SEFAZ, nor those begun before `proven_before` (SEFAZ, asked by key, holds
    the NF-e authorised)."""
    if proven_before is not None:
        invoice.cancel_sends_never_arrived(proven_before)
    invoice.cancel_not_received(began)


def _send_refused(uow: ProcessingUnitOfWork, invoice_id: int, actor: Who, justification: str, problem: str,
                  began: datetime, proven_before: datetime | None) -> None:
    try:
        with uow:
            invoice = _invoice(uow, invoice_id)
            invoice.cancel_send_refused(uow.orders.get(invoice.order_id, for_update=True), actor, justification,
                                        problem)
            _not_at_sefaz(invoice, began, proven_before)   # refused with a code: this send is not there
            if invoice.cancel_requested_at == began:
                invoice.cancel_refusal = problem[:500]   # the worker clears it, not sends it, if none got there
            uow.commit()
    except WriteConflict:
        pass   # only the history's entry is lost: the NF-e and the earlier request are as they were


def _request_refused(uow: ProcessingUnitOfWork, invoice_id: int, requested_at: datetime, problem: str, actor: Who,
                     justification: str) -> None:
    try:
        with uow:
            invoice = _invoice(uow, invoice_id)
            order = uow.orders.get(invoice.order_id, for_update=True)
            if not invoice.cancel_refused(requested_at, order, problem):
                # Another request replaced this one meanwhile (a second click): it stays, and this send, refused,
                # is not at SEFAZ (review: its entry stayed, and the request could not be withdrawn); the refusal is
                # said in the history all the same.
                invoice.cancel_not_received(requested_at)
                invoice.cancel_send_refused(order, actor, justification, problem)
            uow.commit()
    except WriteConflict:
        pass   # still pending: the worker asks SEFAZ by key, finds it authorised and says so


def cancellations_awaiting_sefaz(uow: ProcessingUnitOfWork, now: datetime | None = None) -> list[int]:
    """Authorised NF-e whose cancellation was requested longer than the sending window ago and never recorded:
    the worker settles them by asking SEFAZ by key (a cancellation still in flight is not raced)."""
    with uow:
        return uow.invoices.cancellations_requested((now or _now()) - SENDING_WINDOW)


def claim_cancellations_to_settle(uow: ProcessingUnitOfWork, now: datetime | None = None) -> list[int]:
    """`cancellations_awaiting_sefaz`, each marked as asked now, for the worker to enqueue their settling: the
    next rounds leave them out for the sending window, so that a task still waiting in the queue, or still
    asking SEFAZ, is not enqueued again (an NF-e awaiting SEFAZ is left out so by the mark of its send)."""
    moment = now or _now()
    with uow:
        claimed = [invoice_id for invoice_id in uow.invoices.cancellations_requested(moment - SENDING_WINDOW)
                   if _invoice(uow, invoice_id).cancel_asking(moment, asked_before=moment - SENDING_WINDOW)]
        uow.commit()
        return claimed


@dataclass(frozen=True)
class CancellationSettled:
    """What the worker's round did with a pending cancellation: `cancelled` (recorded here now: SEFAZ held it, or
    took it when sent now), `sent` and refused (the request cleared, the order asks a person), or neither (nothing
    pending any more, or SEFAZ cannot say or take it now: the next round tries again)."""

    cancelled: bool = False
    undecided: str | None = None   # SEFAZ's answer when it said neither (paralysed, a refusal of the query)
    refused: bool = False          # that answer refused the query itself (226, 252...): asking again won't help
    sent: bool = False             # the request, not at SEFAZ, was sent now (`cancelled`: and registered)
    refused_by_sefaz: str | None = None   # sent now and refused with a code: cleared, the order asks a person


def settle_cancellation(uow: ProcessingUnitOfWork, box: SecretBox, sefaz: Sefaz, invoice_id: int,
                        now: Clock = _now) -> CancellationSettled:
    """A cancellation requested without its outcome recorded: ask SEFAZ by key. Cancelled there: recorded as
    `cancel_invoice` records it (stock back, receivables cancelled, once); authorised there: the request is
    cleared and the order says the cancellation did not reach SEFAZ; no answer: left for the next round."""
    with uow:
        invoice = _invoice(uow, invoice_id)
        requested_at = invoice.cancel_requested_at
        if invoice.status is not InvoiceStatus.AUTHORISED or requested_at is None:
            return CancellationSettled()   # recorded meanwhile (a person cancelled, a late answer)
        deadline = cancellation_deadline(invoice)
        if now() - requested_at > STILL_PENDING_AFTER:
            # Asked every 5 minutes for a day without an outcome (SEFAZ silent, out of service): a person looks too.
            # Said once (the same words); the outcome, when it comes, takes it away.
            order = uow.orders.get(invoice.order_id, for_update=True)
            if order is not None and invoice.cancel_unsettled(
                    order, f"sem resposta da SEFAZ há mais de {STILL_PENDING_AFTER.days * 24} horas"):
                uow.commit()
        elif deadline is not None and deadline - DEADLINE_WARNING < now() < deadline:
            # Before SEFAZ's deadline runs out, not after (review: counted from the request, the day's warning came
            # when the 24 hours from the authorisation were already gone).
            order = uow.orders.get(invoice.order_id, for_update=True)
            if order is not None and invoice.cancel_unsettled(
                    order, f"a SEFAZ ainda não o registrou, e o prazo de cancelamento termina em {_local(deadline)}"):
                uow.commit()
        certificate = certificate_for(uow.company.get(), box)
        uf, environment, key = invoice.access_key[:2], invoice.environment, invoice.access_key
        reason, requester = invoice.cancel_reason or "", invoice.cancel_requester
    asked_at = now()
    answer = ask_by_key(sefaz, certificate, uf, environment, key)   # raises: the next round asks again
    settled = cancellation_in(answer)
    if settled is not None:
        registered, proc = settled
        _, changed = _record_through_conflicts(uow, invoice_id, registered, proc, reason, requester, now)
        return CancellationSettled(cancelled=changed)
    if answer.status == OVERUSE:
        # Asked again in 5 minutes, SEFAZ would keep the key blocked: left out of the rounds for an hour.
        with uow:
            if _invoice(uow, invoice_id).cancel_asking(paused_for_overuse(now())):
                uow.commit()
    if outcome_of(answer) is not Outcome.AUTHORISED:   # 100, or 150 (authorised late): the NF-e stands
        # Neither cancelled nor plainly authorised (paralysed, the query refused): ask again next round.
        # SEFAZ not knowing the NF-e at all (217: the simulator's data gone, a key of the simulator asked at the real
        # SEFAZ) is as final as a refused query: a person looks.
        return CancellationSettled(undecided=f"{answer.status} - {answer.reason}",
                                   refused=outcome_of(answer) in (Outcome.REJECTED, Outcome.UNKNOWN))
    return _send_pending(uow, box, sefaz, invoice_id, requested_at, asked_at, now)


def _send_pending(uow: ProcessingUnitOfWork, box: SecretBox, sefaz: Sefaz, invoice_id: int, requested_at: datetime,
                  asked_at: datetime, now: Clock) -> CancellationSettled:
    """SEFAZ, asked by key, holds the NF-e authorised: the pending request never reached it (no connection, SEFAZ
    out of service, an answer lost before SEFAZ read the event). Sent now, as the person asked, in their name;
    sent twice (a person cancelling again at the same moment), SEFAZ answers the second 573 and `_send` finds the
    first registered."""
    with uow:
        invoice = _invoice(uow, invoice_id)
        # Only the request that was asked about: a person who cancelled again meanwhile has theirs in flight.
        if invoice.status is not InvoiceStatus.AUTHORISED or invoice.cancel_requested_at != requested_at:
            return CancellationSettled()
        _same_sefaz(invoice, sefaz)   # the worker's SEFAZ is the one that authorised it
        company = uow.company.get()
        certificate = certificate_for(company, box)
        reason, requester = invoice.cancel_reason or "", invoice.cancel_requester
        # SEFAZ's "autorizada" says nothing of a send begun since the sending window before the query (the person
        # cancelling again, another round's task): it may be on its way, and sending again races it (review).
        if invoice.cancel_send_since(asked_at - SENDING_WINDOW):
            return CancellationSettled()
        if invoice.cancel_refusal is not None:
            # This request's own send was refused with a code, and it was kept only for an earlier send SEFAZ could
            # not be asked about then: none got there, so nothing is pending, and nothing is sent (review: the worker
            # cancelled an NF-e whose person had been told, twice, that SEFAZ refused it).
            invoice.cancel_refused(requested_at, uow.orders.get(invoice.order_id, for_update=True))
            uow.commit()
            return CancellationSettled()
        invoice.cancel_sends_never_arrived(asked_at - SENDING_WINDOW)   # all the others: ended, and not there
        # Signed only when it goes (a round that sends nothing signs nothing).
        signed = _signed_event(invoice, company, certificate, reason, now())
        uf, environment, number, key = invoice.issuer[0], invoice.environment, invoice.number, invoice.access_key
        # Committed before the send: a person withdrawing the request from now on is refused, since it may reach
        # SEFAZ (withdrawn before this, the request is gone and nothing is sent).
        sending_at = now()
        invoice.cancel_sending(requested_at, sending_at)
        uow.commit()
    try:
        with sefaz.gateway(uf, environment, certificate) as gateway:
            answer, proc = _send(gateway, signed, key, number)
    except (CancellationNotSent, CancellationNotProcessed) as exc:
        # Still pending: the next round sends it again; SEFAZ has nothing of it, so it may be withdrawn meanwhile.
        try:
            with uow:
                _invoice(uow, invoice_id).cancel_not_received(sending_at)
                uow.commit()
        except WriteConflict:
            pass   # it stays counted as maybe sent until the next round's query by key
        return CancellationSettled(undecided=exc.message)
    except CancellationRefused as exc:   # e.g. past the deadline (501): sent again, the same refusal
        with uow:
            invoice = _invoice(uow, invoice_id)
            order = uow.orders.get(invoice.order_id, for_update=True)
            if not invoice.queued_cancel_refused(requested_at, order, exc.message, exc.resolution):
                invoice.cancel_not_received(sending_at)   # a person's request replaced it: this send is not there
            uow.commit()
        return CancellationSettled(refused_by_sefaz=exc.message)
    _, changed = _record_through_conflicts(uow, invoice_id, answer, proc, reason, requester, now)
    return CancellationSettled(cancelled=changed, sent=True)


def withdraw_cancellation(uow: ProcessingUnitOfWork, invoice_id: int,
                          actor: Who = Actor.OPERATOR) -> tuple[InvoiceView, bool]:
    """Take back a cancellation kept for the worker before it goes (the wrong NF-e, cancelled while SEFAZ was down):
    nothing is sent, and the NF-e stays authorised. Returns whether this call withdrew it: an authorised NF-e with
    nothing pending (a retry after a timeout, a double click) is answered as it is, unchanged. Refused once a send of
    it may have reached SEFAZ (`fiscal.cancellation_may_be_at_sefaz`), and for an NF-e no longer authorised."""
    with uow:
        invoice = _invoice(uow, invoice_id)
        order = uow.orders.get(invoice.order_id, for_update=True)
        if invoice.status is not InvoiceStatus.AUTHORISED:
            raise DocumentStateRefused(document="NF-e nº", number=invoice.number, status=invoice.status.label,
                                       what="retirar um pedido de cancelamento",
                                       resolution="Confira a situação da NF-e e o histórico do pedido.")
        changed = invoice.withdraw_cancel(order, actor)
        if changed:
            uow.commit()
        return invoice_view(invoice, order), changed


def _send(gateway, signed: bytes, key: str, number: int) -> tuple[SefazAnswer, str | None]:
    """The registered cancellation and its procEventoNFe; raises when SEFAZ refused it or never answered."""
    try:
        answer = gateway.cancel(signed)
    except LojasyncError as exc:
        if not exc.retryable:
            raise
        if exc.params.get("not_sent"):   # no connection was made: SEFAZ cannot have it
            raise CancellationNotSent(number=number, reason=exc.params.get("reason") or exc.message) from exc
        settled = _already_cancelled(gateway, key)   # registered, but the answer was lost?
        if settled is None:
            # Its reason alone: its whole message ("SEFAZ não respondeu (...).") inside this one's parentheses read
            # "SEFAZ não respondeu ao cancelamento ... (SEFAZ não respondeu (...).)." (review).
            raise CancellationUnanswered(number=number,
                                         reason=exc.params.get("reason") or exc.message.rstrip(".")) from exc
        return settled
    if answer.status in REGISTERED:
        return answer, event_proc(signed, answer.xml).decode("utf-8") if answer.xml else None
    if answer.status in (DUPLICATE_EVENT, ALREADY_CANCELLED):
        settled = _already_cancelled(gateway, key)
        if settled is not None:
            return settled
        # SEFAZ holds it cancelled but could not say with what protocol now (its query failed): never a
        # refusal, which would leave it "autorizada" here for good; the request stays for the worker's query.
        raise CancellationUnanswered(
            f"A SEFAZ diz que a NF-e nº {number} já está cancelada ({answer.status} - {answer.reason}), mas a "
            "consulta da NF-e não confirmou o cancelamento agora.", number=number, reason=answer.reason)
    if answer.status in OUT_OF_SERVICE:   # SEFAZ took nothing: not a refusal, send it again later
        raise CancellationNotProcessed(number=number, status=answer.status, reason=answer.reason)
    raise CancellationRefused(number=number, status=answer.status, reason=answer.reason)


def _earlier_request(gateway, key: str) -> tuple[tuple[SefazAnswer, str | None] | None, bool]:
    """What became of an earlier request whose outcome was never recorded: its registration, when SEFAZ holds the NF-e
    cancelled, and whether SEFAZ said the NF-e is authorised (it never got the request). (None, False) when SEFAZ
    could not be asked."""
    try:
        answer = gateway.query_nfe(key)
    except LojasyncError:
        return None, False
    return cancellation_in(answer), outcome_of(answer) is Outcome.AUTHORISED


def _already_cancelled(gateway, key: str) -> tuple[SefazAnswer, str | None] | None:
    """SEFAZ's registration of the cancellation, when it holds the NF-e cancelled: the event's answer (its
    protocol and time, read from the retEvento in the procEventoNFe) and that procEventoNFe (None when SEFAZ
    does not say it is cancelled, or cannot be asked now)."""
    return _earlier_request(gateway, key)[0]


def _invoice(uow: ProcessingUnitOfWork, invoice_id: int) -> Invoice:
    invoice = uow.invoices.get(invoice_id, for_update=True)
    if invoice is None:
        raise InvoiceNotFound(invoice_id=invoice_id)
    return invoice
