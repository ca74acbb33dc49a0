"""Cancelling an authorised NF-e (event 110111 at SEFAZ; stock back, open receivables cancelled) and
discarding one SEFAZ never authorised.

A cancellation whose answer is lost may have been registered: before sending the event again, SEFAZ is
asked about the NF-e, and a cancellation it already holds is recorded here (a second send would only get
573, "duplicidade de evento", and the ERP would never learn the NF-e is cancelled).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from lxml import etree

from lojasync.fiscal.errors import (
    CancellationNotProcessed,
    CancellationRefused,
    CancellationUnanswered,
    DocumentNotPossible,
    DocumentStateRefused,
    InvoiceAwaitingSefaz,
    InvoiceNotFound,
)
from lojasync.fiscal.gateway import ALREADY_CANCELLED, EVENT_REGISTERED, Environment, SefazAnswer
from lojasync.fiscal.invoices import Invoice, InvoiceStatus
from lojasync.fiscal.nfe_events import CANCELLATION, build_cancellation_event_xml
from lojasync.fiscal.nfe_proc import NFE_NS, event_proc
from lojasync.fiscal.nfe_schema import event_schema_errors
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.sefaz import answers
from lojasync.fiscal.services.company import SecretBox
from lojasync.fiscal.services.invoices import OUT_OF_SERVICE, Sefaz, certificate_for
from lojasync.fiscal.services.views import InvoiceView, invoice_view
from lojasync.fiscal.signing import sign
from lojasync.sales.history import Actor, Who
from lojasync.shared.errors import LojasyncError, WriteConflict

Clock = Callable[[], datetime]
EVENT_REGISTERED_LATE = "155"   # registered outside the deadline: still a cancellation
DUPLICATE_EVENT = "573"         # this very event was registered before (its answer was lost)
REGISTERED = (EVENT_REGISTERED, EVENT_REGISTERED_LATE)
RECORD_ATTEMPTS = 3   # recording a cancellation SEFAZ registered, through write conflicts


def _now() -> datetime:
    return datetime.now(timezone.utc)


def cancel_invoice(uow: ProcessingUnitOfWork, box: SecretBox, sefaz: Sefaz, invoice_id: int, reason: str,
                   actor: Who = Actor.OPERATOR, now: Clock = _now) -> tuple[InvoiceView, bool]:
    """Register the cancellation at SEFAZ; then the stock comes back and open receivables are cancelled. A
    pending or rejected NF-e is discarded instead (nothing was authorised). Returns whether this call changed it."""
    with uow:
        invoice = _invoice(uow, invoice_id)
        order = uow.orders.get(invoice.order_id, for_update=True)
        # Done already (a retry, a double click): the same outcome again, nothing changed.
        if invoice.status in (InvoiceStatus.CANCELLED, InvoiceStatus.DISCARDED):
            return invoice_view(invoice, order), False
        if invoice.status in (InvoiceStatus.PENDING, InvoiceStatus.REJECTED):
            invoice.discard(order, actor, now())
            uow.commit()
            return invoice_view(invoice, order), True
        if invoice.status is InvoiceStatus.AWAITING:
            raise InvoiceAwaitingSefaz(number=invoice.number, invoice_id=invoice.id)
        if invoice.status is not InvoiceStatus.AUTHORISED:
            raise DocumentStateRefused(document="NF-e", number=invoice.number, status=invoice.status.label,
                                       what="cancelar")
        company = uow.company.get()
        certificate = certificate_for(company, box)
        # The NF-e's own UF (its key's cUF), whatever the company says now: its authoriser holds it, and
        # another one refuses a query by its key (226).
        uf = invoice.access_key[:2]
        event = build_cancellation_event_xml(invoice.access_key, company.cnpj, invoice.protocol, reason, when=now(),
                                             environment=Environment(invoice.environment), uf_code=uf)
        signed = sign(event, certificate, element="infEvento")
        errors = event_schema_errors(signed, signed=True)
        if errors:
            raise DocumentNotPossible("o cancelamento", order.id, errors[:5])
        environment, number, key = invoice.environment, invoice.number, invoice.access_key
    answer, proc = _send(sefaz.connect(uf, environment, certificate), signed, key, number)
    # SEFAZ holds the NF-e cancelled now: a write conflict must not leave it "autorizada" here. Recording it
    # locks the NF-e, the order and then (a handler) the order's store binding, in the order an import takes
    # the last two; should another writer still meet it in a deadlock, PostgreSQL may fail this side: it is
    # recorded again.
    for _ in range(RECORD_ATTEMPTS - 1):
        try:
            return _record(uow, invoice_id, answer, proc, reason, actor, now)
        except WriteConflict:
            continue
    return _record(uow, invoice_id, answer, proc, reason, actor, now)


def _record(uow: ProcessingUnitOfWork, invoice_id: int, answer: SefazAnswer, proc: str | None, reason: str,
            actor: Who, now: Clock) -> tuple[InvoiceView, bool]:
    with uow:
        invoice = _invoice(uow, invoice_id)
        order = uow.orders.get(invoice.order_id, for_update=True)
        changed = invoice.cancel(order, actor, answer.protocol, reason.strip(), proc, answer.received_at or now())
        uow.commit()
        return invoice_view(invoice, order), changed


def _send(gateway, signed: bytes, key: str, number: int) -> tuple[SefazAnswer, str | None]:
    """The registered cancellation and its procEventoNFe; raises when SEFAZ refused it or never answered."""
    try:
        try:
            answer = gateway.cancel(signed)
        except LojasyncError as exc:
            if not exc.retryable:
                raise
            settled = _already_cancelled(gateway, key)   # registered, but the answer was lost?
            if settled is None:
                raise CancellationUnanswered(number=number, reason=exc.message) from exc
            return settled
        if answer.status in REGISTERED:
            return answer, event_proc(signed, answer.xml).decode("utf-8") if answer.xml else None
        if answer.status in (DUPLICATE_EVENT, ALREADY_CANCELLED):
            settled = _already_cancelled(gateway, key)
            if settled is not None:
                return settled
        if answer.status in OUT_OF_SERVICE:   # SEFAZ took nothing: not a refusal, send it again later
            raise CancellationNotProcessed(number=number, status=answer.status, reason=answer.reason)
        raise CancellationRefused(number=number, status=answer.status, reason=answer.reason)
    finally:
        close = getattr(gateway, "close", None)
        if close is not None:
            close()


def _already_cancelled(gateway, key: str) -> tuple[SefazAnswer, str | None] | None:
    """SEFAZ's registration of the cancellation, when it holds the NF-e cancelled: the event's answer (its
    protocol and time, read from the retEvento in the procEventoNFe) and that procEventoNFe (None when SEFAZ
    does not say it is cancelled, or cannot be asked now)."""
    try:
        answer = gateway.query_nfe(key)
    except LojasyncError:
        return None
    if not answer.cancelled:
        return None
    for proc in answer.events:
        registered = _registration(proc)
        if registered is not None:
            return registered, proc.decode("utf-8")
    # Cancelled there, but the query brought no event: the cancellation's protocol and time are unknown here
    # (the query's nProt and dhRecbto are the authorisation's, never to be recorded as the cancellation's).
    return SefazAnswer(status=answer.status, reason=answer.reason, access_key=answer.access_key), None


def _registration(proc: bytes) -> SefazAnswer | None:
    """The retEvento of a procEventoNFe when it registers a cancellation (110111, 135 or 155), else None."""
    try:
        root = etree.fromstring(proc)
    except etree.XMLSyntaxError:
        return None
    # A procEventoNFe holds the retEvento the events service answered: read it as that answer.
    answer = answers.from_events(root)
    # The event's type is required in the evento, optional in SEFAZ's retEvento.
    kind = (root.findtext(f"{{{NFE_NS}}}evento/{{{NFE_NS}}}infEvento/{{{NFE_NS}}}tpEvento")
            or root.findtext(f"{{{NFE_NS}}}retEvento/{{{NFE_NS}}}infEvento/{{{NFE_NS}}}tpEvento") or "").strip()
    return answer if kind == CANCELLATION and answer.status in REGISTERED else None


def _invoice(uow: ProcessingUnitOfWork, invoice_id: int) -> Invoice:
    invoice = uow.invoices.get(invoice_id, for_update=True)
    if invoice is None:
        raise InvoiceNotFound(invoice_id=invoice_id)
    return invoice
