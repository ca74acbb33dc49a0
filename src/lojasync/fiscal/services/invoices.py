"""NF-e use cases: generate from an order (built, signed, validated; nothing moves) and approve (transmit to
SEFAZ; authorised means stock and receivables, once). Cancelling and discarding: `invoice_cancellation`.

SEFAZ is called outside any database transaction: the NF-e is first marked "aguardando SEFAZ" and
committed, then sent, then the answer is recorded in a new transaction. A send without an answer is
settled by asking SEFAZ by key before sending again, never by sending the same number blind; only a
documented rejection lets the NF-e be rebuilt (`fiscal.sefaz_outcomes`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from math import ceil
from typing import Protocol

from lojasync.fiscal.certificate import Certificate
from lojasync.fiscal.company import Company
from lojasync.fiscal.delivery_place import delivery_changed
from lojasync.fiscal.documents import same_sale
from lojasync.fiscal.errors import (
    BuyerDataErasedSinceGenerated,
    DeliveryChangedSinceGenerated,
    DocumentNotPossible,
    DocumentStateRefused,
    EnvironmentChanged,
    InvoiceBeingSent,
    InvoiceNotFound,
    NumberTakenAtSefaz,
    NumberVoidedAtSefaz,
    OrderCancelledInStore,
    OrderChangedSinceGenerated,
    OrderNeedsReread,
    RecipientChangedSinceGenerated,
    SefazNeedsAPerson,
    SefazNotDecided,
    SefazPausedTheKey,
    SefazQueryRefused,
    SimulatorInProduction,
)
from lojasync.fiscal.gateway import (
    DUPLICATE_WITH_DIFFERENT_KEY,
    NUMBER_ALREADY_VOIDED,
    SERVICE_PARALYSED,
    SefazAnswer,
    SefazGateway,
)
from lojasync.fiscal.invoices import NOT_SENT, STUCK, Invoice, InvoiceStatus, SefazRecord
from lojasync.fiscal.nfe_checks import NfeIncomplete
from lojasync.fiscal.nfe_proc import nfe_proc
from lojasync.fiscal.nfe_schema import validate_signed
from lojasync.fiscal.nfe_xml import build_nfe_xml
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.recipient_drift import contact_changes, recipient_changes
from lojasync.fiscal.sefaz.errors import (
    IN_BATCH,
    NO_CONNECTION,
    SefazConfigurationError,
    SefazInvalidAnswer,
    SefazUnreachable,
    maybe_delivered,
)
from lojasync.fiscal.sefaz_outcomes import OVERUSE, OVERUSE_PAUSE, Outcome, outcome_of
from lojasync.fiscal.services.cancellation_found import cancellation_in, justification_in
from lojasync.fiscal.services.company import CompanyMissing, SecretBox, load_certificate
from lojasync.fiscal.services.documents import OrdersRead, order_to_process, orders_for_processing
from lojasync.fiscal.services.invoice_draft import draft_inputs, new_draft, shipping_carrier
from lojasync.fiscal.services.views import InvoiceView, invoice_view
from lojasync.fiscal.signing import sign
from lojasync.sales.history import Actor, Who
from lojasync.sales.status import OrderStatus
from lojasync.shared.conflicts import through_conflicts
from lojasync.shared.errors import Action, LojasyncError

log = logging.getLogger("lojasync.fiscal")

Clock = Callable[[], datetime]
# Another process sent this NF-e moments ago and may still be waiting for SEFAZ: do not send it again.
SENDING_WINDOW = timedelta(minutes=5)
# A whole transmission (maybe a query by key, the send, its receipt polls, maybe a query after 204) ends within
# this time of the NF-e being marked "aguardando SEFAZ", so that no transmission outlasts the sending window and
# is overtaken by another process's. Each call waits at most what is left of it, none starts once it is spent,
# and the NF-e then stays awaiting SEFAZ, settled later by a query by key (never sent blind): see
# SefazSoapClient's deadline. httpx bounds each network operation, not a request: the last call, started with
# L seconds left, may take L to connect, L to send and L to read the answer (a few kB: SEFAZ sends it in one
# go), so a transmission ends within 3 x 60 s = 3 min, inside the window with 2 min to spare for a TLS
# handshake or a second read. One minute is also what SEFAZ asks a sender to wait for an answer, which is why
# LOJASYNC_SEFAZ_TIMEOUT (each call's timeout) may not exceed it (settings.MAX_SEFAZ_TIMEOUT).
TRANSMISSION_TIME = timedelta(seconds=60)
# "Serviço paralisado" (momentaneamente / sem previsão): SEFAZ processed nothing of what was sent.
OUT_OF_SERVICE = frozenset({"108", "109"})
MINUTE = timedelta(minutes=1)


PENDING_REBUILT_AFTER = timedelta(days=7)
# Why an NF-e was built anew before it went, as its order's history says it.
REBUILT_AFTER_REJECTION = "corrigida depois da rejeição"
REBUILT_AFTER_ERASURE = "com o cliente vinculado depois que os dados pessoais do comprador foram apagados (LGPD)"
REBUILT_STALE = "gerada há mais de 7 dias: a data de emissão passa a ser a de agora"
REBUILT_NEW_CERTIFICATE = "assinada de novo com o certificado A1 instalado depois que ela foi gerada"
REBUILT_NEW_CONTACT = "o destinatário mudou depois que ela foi gerada: {what}"


def paused_for_overuse(moment: datetime) -> datetime:
    """The moment to mark as "last asked" a request SEFAZ answered 656 about (an NF-e awaiting it, a cancellation, a
    number void) at `moment`: the worker's rounds skip what was asked within the sending window, so this leaves it out
    for `OVERUSE_PAUSE` (asked again within the hour, SEFAZ keeps the block)."""
    return moment + OVERUSE_PAUSE - SENDING_WINDOW


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Connect(Protocol):
    def __call__(self, uf: str, environment: str, certificate: Certificate, *,
                 deadline: float | None = None) -> SefazGateway:
        """A gateway to the UF's authoriser; `deadline` (time.monotonic): none of its calls starts after it,
        or waits longer than what is left of it (SefazSoapClient)."""


@dataclass(frozen=True)
class Sefaz:
    """How this process reaches SEFAZ: a gateway for a UF, environment and certificate, and whether it is
    the simulator (its authorisations have no fiscal value and are labelled so everywhere).
    `transmission_time`: TRANSMISSION_TIME, or shorter (tests); never longer, or the sending window breaks."""

    connect: Connect
    simulated: bool
    transmission_time: timedelta = TRANSMISSION_TIME

    def __post_init__(self) -> None:
        if not timedelta(0) < self.transmission_time <= TRANSMISSION_TIME:
            raise ValueError(f"transmission_time must be within (0, {TRANSMISSION_TIME}]")

    @contextmanager
    def gateway(self, uf: str, environment: str, certificate: Certificate,
                deadline: float | None = None) -> Iterator[SefazGateway]:
        """A gateway for the calls of one exchange, closed after them (a client releases what it holds).
        `deadline` (time.monotonic): by default `transmission_time` from now, as every exchange is bounded."""
        if deadline is None:
            deadline = time.monotonic() + self.transmission_time.total_seconds()
        gateway = self.connect(uf, environment, certificate, deadline=deadline)
        try:
            yield gateway
        finally:
            close = getattr(gateway, "close", None)
            if close is not None:
                close()


@lru_cache(maxsize=8)
def _open_certificate(sealed: str, sealed_password: str, box: SecretBox) -> Certificate:
    # Opening a PKCS#12 costs ~50 ms: once per process and certificate, not once per NF-e.
    holder = Company()
    holder.certificate, holder.certificate_password = sealed, sealed_password
    return load_certificate(holder, box)


def certificate_for(company: Company, box: SecretBox) -> Certificate:
    return _open_certificate(company.certificate, company.certificate_password, box)


def generate_invoice(uow: ProcessingUnitOfWork, box: SecretBox, order_number: int, actor: Who = Actor.OPERATOR,
                     now: Clock = _now, sefaz: Sefaz | None = None) -> InvoiceView:
    """A pending NF-e for the order: numbered, built, signed and valid against the schema; nothing moves.
    `sefaz`: where it would be transmitted; the simulator refuses a company in production before any number is
    taken, as the transmission would (a production number, generated only, could then go nowhere but the real
    SEFAZ, and held the company in production until discarded)."""
    with uow:
        invoice, order, _ = _generate(uow, box, order_number, actor, now())
        if sefaz is not None and sefaz.simulated and invoice.environment == "1":
            raise SimulatorInProduction()   # rolled back: the number stays free
        uow.flush()  # the history's handler, run at commit, needs the NF-e's id
        uow.commit()
        return invoice_view(invoice, order)


def _generate(uow: ProcessingUnitOfWork, box: SecretBox, order_number: int, actor: Who, moment: datetime,
              company: Company | None = None, read: OrdersRead | None = None):
    """The new NF-e, sealed and added to the session but not flushed: the caller flushes once, when the
    row is complete (one INSERT rather than an INSERT and an UPDATE of the XML). `company` and `read`: what this
    transaction already read and locked (a group of NF-e numbered in one transaction)."""
    order, lines = order_to_process(uow, order_number, "a NF-e", read)
    company = company or uow.company.get(for_update=True)  # the number is taken under this lock
    inputs = draft_inputs(company, order, lines, _products(uow, order, lines), moment,
                          shipping_carrier(uow.carriers, order))
    if inputs.problems:
        raise DocumentNotPossible("a NF-e", order.id, inputs.problems)
    invoice = Invoice(order, lines, company.environment, company.series, company.take_number())
    uow.invoices.add(invoice)
    _seal(invoice, company, order, inputs, box, actor, moment)
    return invoice, order, company


def _products(uow: ProcessingUnitOfWork, order, lines) -> dict:
    """The lines' products: those the order's lines were read with, the others (if any) asked for."""
    attached = {line.product.id: line.product for line in order.lines if getattr(line, "product", None) is not None}
    missing = [line.product_id for line in lines if line.product_id not in attached]
    return {**attached, **uow.products.by_ids(missing)} if missing else attached


def _seal(invoice: Invoice, company: Company, order, inputs, box: SecretBox, actor: Who, moment: datetime,
          because: str | None = None) -> None:
    """Build, sign and validate the NF-e's XML (a new key each time: a rejected NF-e is rebuilt)."""
    draft = new_draft(company, order, inputs, invoice.series, invoice.number, moment)
    try:
        # Checked: both callers refuse the NF-e when `draft_inputs` found a problem in these data.
        xml = build_nfe_xml(draft, checked=True)
    except NfeIncomplete as exc:
        raise DocumentNotPossible("a NF-e", order.id, exc.problems) from exc
    certificate = certificate_for(company, box)
    certificate.ensure_issuer(company.cnpj)
    signed = sign(xml, certificate)
    errors = validate_signed(signed)
    if errors:  # our data broke the schema: say where, send nothing
        raise DocumentNotPossible("a NF-e", order.id, [f"XML fora do leiaute: {e}" for e in errors[:5]])
    if len(signed) > MAX_NFE_BYTES:
        # SEFAZ refuses a message above 500 KB (214), and sent again it is the same: refused here, before a number is
        # spent (review: 700 lines of an order, 518 KB, valid by the schema, numbered, then rejected for good).
        raise DocumentNotPossible("a NF-e", order.id, [
            f"a NF-e teria {len(signed) // 1024} KB com os {len(draft.items)} itens do pedido, acima do limite de "
            f"{MAX_MESSAGE_BYTES // 1024} KB por mensagem da SEFAZ (rejeição 214): divida a venda em pedidos menores "
            "na loja, ou emita uma venda simples"])
    invoice.signed(order, actor, draft.access_key, signed.decode("utf-8"), draft.issued_at, because)


# SEFAZ's limit on a message (MOC 4.00, 214), and what the signed NF-e may take of it: the SOAP envelope and the batch
# around it (enviNFe, idLote, indSinc) take well under 1 KB.
MAX_MESSAGE_BYTES = 500 * 1024
MAX_NFE_BYTES = MAX_MESSAGE_BYTES - 2 * 1024


@dataclass(frozen=True)
class _Claim:
    key: str
    xml: bytes
    ask_first: bool
    uf: str
    environment: str
    certificate: Certificate
    number: int
    # time.monotonic() by which the transmission ends, counted from the mark "aguardando SEFAZ" (sent_at).
    deadline: float
    # The NF-e's count of sends once marked by this claim: another process that takes it since counts one more, and
    # this claim's end of sending must not clear that one's mark (`_sending_over`, review).
    attempts: int
    # Sent before without an answer, and the order is no longer the sale it describes: the refusal to raise
    # when SEFAZ says it never got it (then it is not sent as it is).
    drift: LojasyncError | None = None
    # Asked first: the receipt of the asynchronous batch SEFAZ was still processing it in (`Invoice.sefaz_receipt`).
    receipt: str | None = None
    # Asked first, signed by a certificate that is no longer the company's: signed again with `certificate` when
    # SEFAZ says it never got it, and kept, before it goes (`_resending`).
    resign: bool = False


def approve_invoice(uow: ProcessingUnitOfWork, box: SecretBox, sefaz: Sefaz, invoice_id: int,
                    actor: Who = Actor.OPERATOR, now: Clock = _now,
                    last_chance: Callable[[], None] | None = None) -> tuple[InvoiceView, bool]:
    """Transmit and record SEFAZ's answer. Returns the NF-e and whether this call changed it (authorised,
    rejected or denied it; only an authorisation moves stock and money).

    Rejected: SEFAZ's code and reason are kept in full and nothing moves; approving again rebuilds it with
    the same number. No answer or no decision: it stays "aguardando SEFAZ" and a retryable error says so.
    `last_chance`: called just before the NF-e is marked as being sent (the commit after which it goes); what it
    raises leaves the NF-e as it was, nothing sent (the terminal's Ctrl+C)."""
    with uow:
        invoice = _invoice(uow, invoice_id)
        if invoice.status is InvoiceStatus.AUTHORISED:
            return invoice_view(invoice, uow.orders.get(invoice.order_id, lines=False)), False
        claim = _claim(uow, box, sefaz, invoice, uow.orders.get(invoice.order_id, for_update=True), actor, now())
        if last_chance is not None:
            last_chance()
        uow.commit()
    answer = _transmit(uow, sefaz, claim, invoice_id, actor)
    return through_conflicts(lambda: _record(uow, sefaz, invoice_id, claim, answer, actor, now))


def issue_invoice(uow: ProcessingUnitOfWork, box: SecretBox, sefaz: Sefaz, order_number: int,
                  actor: Who = Actor.OPERATOR, now: Clock = _now) -> tuple[InvoiceView, bool]:
    """Generate and transmit in one go (`orders invoice`): the NF-e is numbered, sealed and marked as being
    sent in one transaction, then sent, then SEFAZ's answer recorded."""
    return send_invoice(uow, sefaz, prepare_invoice(uow, box, sefaz, order_number, actor, now), actor, now)


@dataclass(frozen=True)
class ReadyToSend:
    """An NF-e numbered, sealed and committed as "aguardando SEFAZ": what `send_invoice` transmits."""

    invoice_id: int
    claim: _Claim
    # The NF-e's count of sends once marked by this claim: another process that takes it since (the worker, the
    # sending window over) counts one more.
    attempts: int = 0
    marked_at: float = field(default_factory=time.monotonic)   # when it was marked as being sent

    def holds(self, invoice: Invoice) -> bool:
        """Whether the NF-e is still as this claim left it: awaiting SEFAZ with this key, no other process's send
        counted since (the worker takes one whose sending window ran out)."""
        return (invoice.status is InvoiceStatus.AWAITING and invoice.access_key == self.claim.key
                and invoice.attempts == self.attempts)


# A prepared NF-e that waited longer than this for a place at SEFAZ (a batch's, SEFAZ slow) is looked at again
# before it goes (`resume_sending`): its order may have changed meanwhile, and its time to be transmitted ran.
WAITED_TOO_LONG = 0.25


def prepare_invoice(uow: ProcessingUnitOfWork, box: SecretBox, sefaz: Sefaz, order_number: int,
                    actor: Who = Actor.OPERATOR, now: Clock = _now) -> ReadyToSend:
    """The first half of `issue_invoice`, one transaction: generate the order's NF-e and mark it as being sent."""
    return prepare_invoices(uow, box, sefaz, [order_number], actor, now)[0]


def prepare_invoices(uow: ProcessingUnitOfWork, box: SecretBox, sefaz: Sefaz, order_numbers: Sequence[int],
                     actor: Who = Actor.OPERATOR, now: Clock = _now) -> list[ReadyToSend]:
    """`prepare_invoice` of several orders in one transaction, numbered in their order: a batch's group, which
    waits for the disk once (a commit that survives a power cut costs about as much as the rest of an NF-e's
    database work). All or nothing: an order refused (or any failure) rolls the whole group back, no number
    taken, and raises; the batch then prepares them one by one, so that each says its own refusal."""
    if len(set(order_numbers)) != len(order_numbers):
        # Read together, an order's second NF-e would not see its first, not flushed yet.
        raise ValueError("an order given twice")
    with uow:
        made, company = [], None
        # All the orders (locked) before the company (whose lock takes the number), as one NF-e alone takes them.
        read = orders_for_processing(uow, order_numbers) if len(order_numbers) > 1 else None
        for order_number in order_numbers:
            invoice, order, company = _generate(uow, box, order_number, actor, now(), company, read)
            made.append((invoice, _claim(uow, box, sefaz, invoice, order, actor, now(), company, generated=True)))
        uow.flush()  # the history's handler, run at commit, needs the NF-e's id
        uow.commit()
        return [ReadyToSend(invoice.id, claim, invoice.attempts) for invoice, claim in made]


def prepare_pending(uow: ProcessingUnitOfWork, box: SecretBox, sefaz: Sefaz, invoice_id: int,
                    actor: Who = Actor.OPERATOR, now: Clock = _now) -> ReadyToSend | None:
    """An NF-e generated and never sent (pending), marked as being sent as `prepare_invoice` marks a new one: what
    a batch run again transmits for an order whose NF-e an earlier run only generated (SEFAZ was down, or the run
    was told not to transmit). Also one awaiting SEFAZ with no send of it in flight (SEFAZ answered "fora de
    serviço" and took nothing, or the sending window ran out): SEFAZ is asked about it by key before it is sent
    again, as `approve_invoice` does (review: a run again left those to the worker or to a person, one by one).
    None when it is neither (any more): the caller says what the order has instead."""
    with uow:
        invoice = _invoice(uow, invoice_id)
        moment = now()
        if not sendable_again(invoice, moment):
            return None
        claim = _claim(uow, box, sefaz, invoice, uow.orders.get(invoice.order_id, for_update=True), actor, moment)
        uow.commit()
        return ReadyToSend(invoice.id, claim, invoice.attempts)


def resume_sending(uow: ProcessingUnitOfWork, sefaz: Sefaz, readies: Sequence[ReadyToSend],
                   now: Clock = _now) -> list[ReadyToSend | LojasyncError]:
    """Prepared NF-e about to be sent after waiting for a place at SEFAZ (`WAITED_TOO_LONG`), in one transaction:
    each order checked again, as when it was prepared (the store may have cancelled or changed it meanwhile: that
    NF-e is pending again, its order flagged, and the refusal takes its place in the list), and the others' sending
    window and transmission time counted from now (waiting, an NF-e had less time than any other to be answered,
    and could be cut short, or taken for unanswered, with SEFAZ merely slow)."""
    with uow:
        # Lost to a power cut, nothing is in flight any more: what the worker finds (awaiting SEFAZ since it was
        # prepared) it settles by a query by key, with this same check of the order.
        uow.redoable()
        found = uow.invoices.get_with_orders(ready.invoice_id for ready in readies)
        resumed: list[ReadyToSend | LojasyncError] = []
        for ready in readies:
            invoice, order = found.get(ready.invoice_id, (None, None))
            if invoice is None:
                resumed.append(InvoiceNotFound(invoice_id=ready.invoice_id))
                continue
            if not ready.holds(invoice):
                # Taken by another process meanwhile (its sending window ran out while it waited here, and the
                # worker asks SEFAZ about it, then sends it), or settled since: that process's now, left as it is.
                resumed.append(InvoiceBeingSent(number=invoice.number, invoice_id=invoice.id,
                                                minutes=SENDING_WINDOW // MINUTE,
                                                within=ceil(sefaz.transmission_time / MINUTE))
                               if invoice.status is InvoiceStatus.AWAITING else
                               DocumentStateRefused(document="NF-e nº", number=invoice.number,
                                                    status=invoice.status.label, what="transmitir"))
                continue
            drift = _drift(invoice, order)
            if drift is not None and not ready.claim.ask_first:
                invoice.not_sent_after_all(order)
                order.ask_for_a_person(_for_a_person(invoice.about(NOT_SENT), drift))
                resumed.append(drift)
                continue
            invoice.sending_from(now())
            deadline = time.monotonic() + sefaz.transmission_time.total_seconds()
            # One sent before without an answer (SEFAZ may hold it) is asked about by key first, whatever the order
            # is now: its drift, as it stands now, decides only when SEFAZ never got it (`_exchange`).
            claim = replace(ready.claim, deadline=deadline, **({"drift": drift} if ready.claim.ask_first else {}))
            resumed.append(replace(ready, claim=claim, marked_at=time.monotonic()))
        uow.commit()
        return resumed


def keep_unsent(uow: ProcessingUnitOfWork, readies: Sequence[ReadyToSend]) -> list[InvoiceView]:
    """Prepared NF-e that will not be sent after all (a batch learned meanwhile that SEFAZ fails): pending again,
    to be transmitted later like any NF-e only generated. One sent before without an answer (its claim asks SEFAZ
    first: SEFAZ may hold it, authorised) stays awaiting SEFAZ, no send in flight, for the worker's or a run's
    query by key (review: made pending, it was no longer asked about, and could be discarded or sent blind).
    One changed since (another process took it: the worker, its sending window over) is left as it is. Their views,
    as they are now."""
    with uow:
        found = []
        for ready in readies:
            invoice = _invoice(uow, ready.invoice_id)
            if not ready.holds(invoice):   # another process took it since: that one may be sending it
                pass
            elif ready.claim.ask_first:
                invoice.not_sent_again_after_all()
            else:
                invoice.not_sent_after_all()
            found.append(invoice_view(invoice, uow.orders.get(invoice.order_id, lines=False)))
        uow.commit()
        return found


def send_invoice(uow: ProcessingUnitOfWork, sefaz: Sefaz, ready: ReadyToSend, actor: Who = Actor.OPERATOR,
                 now: Clock = _now) -> tuple[InvoiceView, bool]:
    """The second half: transmit a prepared NF-e and record SEFAZ's answer (its own transaction)."""
    return record_answer(uow, sefaz, ready, transmit_invoice(uow, sefaz, ready, actor), actor, now)


def transmit_invoice(uow: ProcessingUnitOfWork, sefaz: Sefaz, ready: ReadyToSend,
                     actor: Who = Actor.OPERATOR) -> SefazAnswer:
    """Send a prepared NF-e and return SEFAZ's answer, not recorded (`record_answer` records it). When no answer
    came, the NF-e says so (its own short transaction) and this raises. A batch runs this on other threads while
    it generates the next NF-e, and records the answers on its own thread, between two generations."""
    return _transmit(uow, sefaz, ready.claim, ready.invoice_id, actor)


def record_answer(uow: ProcessingUnitOfWork, sefaz: Sefaz, ready: ReadyToSend, answer: SefazAnswer,
                  actor: Who = Actor.OPERATOR, now: Clock = _now) -> tuple[InvoiceView, bool]:
    """SEFAZ's answer to `transmit_invoice`, in a transaction of its own (authorised: the effects run here)."""
    # Through write conflicts (review: a group of answers recorded together deadlocked on PostgreSQL with this one,
    # over the products' locks, and the operator was told to try again about an NF-e SEFAZ had authorised).
    return through_conflicts(lambda: _record(uow, sefaz, ready.invoice_id, ready.claim, answer, actor, now))


def _claim(uow: ProcessingUnitOfWork, box: SecretBox, sefaz: Sefaz, invoice: Invoice, order, actor: Who,
           moment: datetime, company: Company | None = None, generated: bool = False) -> _Claim:
    """Mark the NF-e as being sent, inside the caller's transaction (committed before SEFAZ is called).
    `company`: the one the caller already read (and locked) in this transaction. `generated`: the NF-e was made
    from `order` in this transaction, the order locked since: it is this sale, nothing to compare."""
    if invoice.status not in (InvoiceStatus.PENDING, InvoiceStatus.AWAITING, InvoiceStatus.REJECTED):
        # Cancelled, discarded or denied (an authorised one is answered as it is before this): final.
        raise DocumentStateRefused(document="NF-e nº", number=invoice.number, status=invoice.status.label,
                                   what="transmitir", order_number=invoice.order_id)
    busy = being_sent(invoice, moment, sefaz) or paused_by_sefaz(invoice, moment)
    if busy is not None:
        raise busy
    company = company or uow.company.get()
    if company is None:
        raise CompanyMissing()
    if sefaz.simulated and invoice.environment == "1":
        raise SimulatorInProduction()
    ask_first = invoice.status is InvoiceStatus.AWAITING
    if not generated and not ask_first and order.waits_for_a_reread:
        # The store changed the order while another document stood (its change held back): the order here is the
        # old sale, which the comparison below would take for this NF-e's (review: a venda simples so confirmed).
        raise OrderNeedsReread(order_number=order.id, document=f"a {invoice.label}")
    # Rejected: corrected data, same number, new key. Pending for days: its dhEmi would get too old for SEFAZ (228,
    # past 30 days), so it is built again as of now (same number, new key: it was never sent). Pending without its
    # XML: dropped when the buyer's data were erased (LGPD, `fiscal.personal_data`), built from the order as it is now.
    stale = invoice.status is InvoiceStatus.PENDING and (
        invoice.xml is None or (invoice.issued_at is not None and moment - invoice.issued_at > PENDING_REBUILT_AFTER))
    certificate = certificate_for(company, box)
    # Never sent, signed with a certificate that is no longer the company's (renewed after it expired, say): signed
    # again with this one, same number (review: the old signature went and came back 291, the certificate expired).
    resigned = (invoice.status is InvoiceStatus.PENDING and not generated and invoice.xml is not None
                and certificate.x509_base64 not in invoice.xml)
    rebuilt = invoice.status is InvoiceStatus.REJECTED or stale or resigned
    because = (REBUILT_AFTER_REJECTION if invoice.status is InvoiceStatus.REJECTED else
               REBUILT_AFTER_ERASURE if invoice.xml is None else REBUILT_STALE if stale else REBUILT_NEW_CERTIFICATE)
    drift = None if generated else _drift(invoice, order, rebuilt)
    if isinstance(drift, RecipientChangedSinceGenerated) and not ask_first:
        # Never sent: built anew below naming the buyer as the order does now, same number (review: refused, it had
        # to be discarded, and its number voided, for a change the rebuild takes as it is).
        rebuilt, because, drift = True, f"o pedido mudou {drift.params['what']} do comprador", None
    if drift is not None and not ask_first:  # not yet at SEFAZ: the order must still be this sale
        raise drift
    contact = None if generated or rebuilt or invoice.status is not InvoiceStatus.PENDING else \
        contact_changes(order, invoice.xml)
    if contact is not None:
        # Never sent, naming the recipient as the customer record was then: built anew as it is now, same number
        # (review, LGPD: another store's customers/redact took the e-mail the NF-e still named).
        rebuilt, because = True, REBUILT_NEW_CONTACT.format(what=contact)
    if invoice.status is InvoiceStatus.REJECTED and invoice.number_taken_at_sefaz:
        raise number_spent(invoice)   # the same number would get the same rejection again
    if rebuilt:
        if company.environment != invoice.environment:
            raise EnvironmentChanged(number=invoice.number, invoice_id=invoice.id,
                                     was=environment_name(invoice.environment),
                                     now=environment_name(company.environment))
        lines = invoice.lines
        inputs = draft_inputs(company, order, lines, uow.products.by_ids(x.product_id for x in lines), moment,
                              shipping_carrier(uow.carriers, order))
        if inputs.problems:
            raise DocumentNotPossible("a NF-e", order.id, inputs.problems)
        _seal(invoice, company, order, inputs, box, actor, moment, because)
        invoice.built_anew(order)
    if not ask_first:
        # Generated while the certificate was valid, sent after it expired: SEFAZ refuses the signature (291), whose
        # rejection's advice speaks of the data (review); refused here, nothing sent. A query by key still goes (and
        # the send after it, when SEFAZ never got the NF-e, is checked then: `_resending`).
        certificate.ensure_valid(moment)
    invoice.sending(moment)
    deadline = time.monotonic() + sefaz.transmission_time.total_seconds()  # from now, when sent_at is set
    # The NF-e's own UF (its key's cUF) and environment, whatever the company says now: it was numbered and
    # built for them, and another UF's authoriser refuses it, or a query by its key, with 226.
    return _Claim(invoice.access_key, invoice.xml.encode("utf-8"), ask_first, invoice.access_key[:2],
                  invoice.environment, certificate, invoice.number, deadline, invoice.attempts,
                  drift, invoice.sefaz_receipt if ask_first else None,
                  resign=ask_first and certificate.x509_base64 not in invoice.xml)


def being_sent(invoice: Invoice | InvoiceView, moment: datetime, sefaz: Sefaz) -> InvoiceBeingSent | None:
    """The refusal of a send while another may still be waiting for SEFAZ's answer (awaiting SEFAZ, sent within the
    sending window): how long until it may go again, and how long an answer can still take; None otherwise. What
    `invoices approve` says, and a batch's line for an order whose NF-e is in flight."""
    if invoice.status != InvoiceStatus.AWAITING or not in_flight(invoice, moment):
        return None
    left = SENDING_WINDOW - (moment - invoice.sent_at)
    return InvoiceBeingSent(number=invoice.number, invoice_id=invoice.id, minutes=max(1, ceil(left / MINUTE)),
                            within=ceil(sefaz.transmission_time / MINUTE))


def paused_by_sefaz(invoice: Invoice, moment: datetime) -> SefazPausedTheKey | None:
    """The refusal of a send (its query by key first) within the hour SEFAZ blocks a key it answered 656 about; None
    otherwise. Only such a pause marks the NF-e as asked in the future (`paused_for_overuse`, ~55 minutes ahead): the
    worker's own marks are its round's moment, which a minute's margin keeps clear of clocks a little apart."""
    asked = invoice.settle_asked_at
    if invoice.status is not InvoiceStatus.AWAITING or asked is None or asked <= moment + MINUTE:
        return None
    left = asked + SENDING_WINDOW - moment   # the worker's rounds take it again once the window after the mark is over
    return SefazPausedTheKey(number=invoice.number, invoice_id=invoice.id, minutes=max(1, ceil(left / MINUTE)))


def in_flight(invoice: Invoice | InvoiceView, moment: datetime) -> bool:
    """Sent moments ago by someone (this process or another) who may still be waiting for SEFAZ's answer: nobody
    else sends it within the sending window."""
    return invoice.sent_at is not None and moment - invoice.sent_at < SENDING_WINDOW


def sendable_again(invoice: Invoice | InvoiceView, moment: datetime) -> bool:
    """What a batch run again transmits (`prepare_pending`): an NF-e only generated, or one awaiting SEFAZ with no
    send in flight."""
    return invoice.status == InvoiceStatus.PENDING or (invoice.status == InvoiceStatus.AWAITING
                                                        and not in_flight(invoice, moment))


def _drift(invoice: Invoice, order, rebuilt: bool = False) -> LojasyncError | None:
    """Why the order is no longer the sale the NF-e was generated from (the store cancelled or changed it);
    None while it still is. `rebuilt`: the NF-e is built again before it goes, naming the buyer as the order does
    now (its lines stay its own)."""
    if order.status is OrderStatus.CANCELLED:
        return OrderCancelledInStore(order_number=order.id, document=invoice.label, invoice_id=invoice.id)
    if order.personal_data_erased:
        # The buyer asked for erasure (LGPD) after it was generated: the order names no recipient now, and the NF-e's
        # dest still names them (review: a pending one went to SEFAZ with the name, CPF, e-mail and phone). One SEFAZ
        # never got is not sent as it is: pending again, its XML dropped, built anew once a customer is linked.
        return BuyerDataErasedSinceGenerated(order_number=order.id, document=invoice.label, invoice_id=invoice.id)
    xml = invoice.xml
    if not same_sale(invoice, order):
        return OrderChangedSinceGenerated(order_number=order.id, document=invoice.label, invoice_id=invoice.id)
    if rebuilt:
        return None   # built anew before it goes: naming the buyer, and the delivery, as the order does now
    # Sent as it is, an NF-e whose buyer the store changed would be authorised naming the former one (review).
    changed = recipient_changes(invoice, order, xml)
    if changed is not None:
        return RecipientChangedSinceGenerated(order_number=order.id, document=invoice.label, invoice_id=invoice.id,
                                              what=changed)
    # And one whose delivery it changed, with the place (and a consumer's taxes) of before: only another UF was
    # compared (import review: a new address in the same UF, or a pickup made a shipment, went out unnoticed).
    if delivery_changed(xml, order):
        return DeliveryChangedSinceGenerated(order_number=order.id, document=invoice.label, invoice_id=invoice.id,
                                             what="a entrega")
    return None


def environment_name(code: str) -> str:
    """tpAmb in words: "produção" (1) or "homologação" (2)."""
    return "produção" if code == "1" else "homologação"


def _transmit(uow: ProcessingUnitOfWork, sefaz: Sefaz, claim: _Claim, invoice_id: int, actor: Who) -> SefazAnswer:
    try:
        return _exchange(sefaz, claim, lambda: _resending(uow, claim, invoice_id, actor))
    except SefazUnreachable as exc:
        if exc.params.get(_ASKED_ONLY) and exc.params.get(NO_CONNECTION) is not None:
            # The question asked before sending again (an earlier send may be there) reached nobody: this attempt sent
            # nothing, so nothing of it is in flight (review: the NF-e was held five minutes as "enviada há
            # instantes", and told it might be authorised, by a retry that never connected).
            _sending_over(uow, claim, invoice_id)
            raise SefazUnreachable(
                service=exc.params.get("service", ""), reason=exc.params[NO_CONNECTION], not_sent=True,
                resolution=NOT_ASKED.format(number=claim.number, asked=_asked(exc)), action=Action.APPROVE_INVOICE,
                invoice_id=invoice_id) from exc
        if exc.params.get(_ASKED_ONLY):
            raise _question_unanswered(uow, exc, claim, invoice_id) from exc
        if not exc.params.get("not_sent"):
            _record_unanswered(uow, claim, invoice_id, actor, exc)
            raise _unanswered(exc, claim, invoice_id) from exc
        # No connection was ever made (refused, unreachable, no time left): SEFAZ cannot have it, so the next
        # attempt need not wait out the sending window, and nothing is to be feared authorised.
        _sending_over(uow, claim, invoice_id)
        raise type(exc)(exc.message, resolution=NOT_SENT_TO_SEFAZ.format(number=claim.number),
                        action=Action.APPROVE_INVOICE, **{**exc.params, "invoice_id": invoice_id}) from exc
    except SefazConfigurationError:
        # Refused before SEFAZ read anything (its TLS refused the certificate, or its server is not trusted here):
        # fixed, the NF-e is transmitted again at once. Left inside the sending window, the retry the message asks
        # for was refused for five minutes ("enviada à SEFAZ há instantes").
        _sending_over(uow, claim, invoice_id)
        raise
    except SefazInvalidAnswer as exc:
        if exc.params.get(_ASKED_ONLY):
            raise _question_unanswered(uow, exc, claim, invoice_id) from exc
        _record_unanswered(uow, claim, invoice_id, actor, exc)
        raise _unanswered(exc, claim, invoice_id) from exc
    except SefazNotDecided as exc:   # the query by key (or the receipt) answered no decision
        if exc.params.get("status") == OVERUSE:
            _pause_settling(uow, claim, invoice_id, _now())
        raise


def _pause_settling(uow: ProcessingUnitOfWork, claim: _Claim, invoice_id: int, now: datetime) -> None:
    """656 about this NF-e: the worker leaves it out of its rounds for an hour (review: it was asked again every five
    minutes, which keeps SEFAZ's block; cancellations and number voids already waited)."""
    with uow:
        invoice = _invoice(uow, invoice_id)
        if invoice.access_key == claim.key:
            invoice.settling_paused_until(paused_for_overuse(now))
            uow.commit()


def _sending_over(uow: ProcessingUnitOfWork, claim: _Claim, invoice_id: int) -> None:
    """This claim's send is over with nothing in flight: the NF-e's mark cleared, unless another process took it
    since (its window ran out while this one waited: review, clearing that one's mark let a third send meanwhile)."""
    with uow:
        invoice = _invoice(uow, invoice_id)
        if invoice.status is InvoiceStatus.AWAITING and invoice.access_key == claim.key and \
                invoice.attempts == claim.attempts:
            invoice.sending_over()
            uow.commit()


def _record_unanswered(uow: ProcessingUnitOfWork, claim: _Claim, invoice_id: int, actor: Who,
                       exc: LojasyncError) -> None:
    """The order's history says the NF-e went without an answer (it said only "gerada, ainda não transmitida").
    Best effort: the database failing here must not hide SEFAZ's silence, which is what the caller reports."""
    try:
        with uow:
            invoice = _invoice(uow, invoice_id)
            if invoice.access_key == claim.key:
                invoice.unanswered(uow.orders.get(invoice.order_id, lines=False), actor,
                                   str(exc.params.get("reason", exc.code)))
                receipt = exc.params.get(IN_BATCH)
                if receipt and invoice.status is InvoiceStatus.AWAITING and invoice.sefaz_receipt != receipt:
                    invoice.in_processing_at_sefaz(receipt)   # asked by it first, as an answer "em processamento"
                uow.flush()   # the history's handler, run at commit, needs the NF-e's id
                uow.commit()
    except LojasyncError:
        log.warning("could not record an unanswered transmission", extra={"invoice_id": invoice_id})


def _question_unanswered(uow: ProcessingUnitOfWork, exc: LojasyncError, claim: _Claim,
                         invoice_id: int) -> LojasyncError:
    """The question asked before sending again (by key, or the batch's receipt) connected and got no answer (or no
    answer that says anything): this attempt sent nothing, only asked, so nothing of it is in flight and the next
    attempt may ask again at once. Held for the sending window, the NF-e was refused as "enviada à SEFAZ há
    instantes" for five minutes, and the words said it might have been authorised "5 minutos depois do envio" of a
    send that had not happened (the last notes)."""
    try:
        _sending_over(uow, claim, invoice_id)
    except LojasyncError:   # SEFAZ's silence is what the caller reports; the mark then runs out with its window
        log.warning("could not clear the mark of an unanswered question", extra={"invoice_id": invoice_id})
    # Retry-After as the worker's rounds: an API client retrying every minute would ask SEFAZ about the key every
    # minute, which SEFAZ answers with 656 and an hour's block (the last notes).
    return type(exc)(exc.message, resolution=QUESTION_UNANSWERED.format(number=claim.number, asked=_asked(exc)),
                     action=Action.APPROVE_INVOICE,
                     **{**exc.params, "invoice_id": invoice_id, "retry_after": SENDING_WINDOW.total_seconds()})


def _asked(exc: LojasyncError) -> str:
    """How the question before sending again was asked: by the asynchronous batch's receipt, or by key."""
    return "pelo recibo do lote" if exc.params.get("service") == "NFeRetAutorizacao4" else "pela chave"


def _unanswered(exc: LojasyncError, claim: _Claim, invoice_id: int) -> LojasyncError:
        # The gateway's words say only "consultada de novo automaticamente", and each interface adds "try again"
        # (the CLI: "repita o comando"), which the sending window then refuses for five minutes: say when SEFAZ
        # will be asked, and the command that asks it (this NF-e's).
    return type(exc)(exc.message, resolution=UNANSWERED.format(number=claim.number, minutes=SENDING_WINDOW // MINUTE),
                     action=Action.APPROVE_INVOICE,
                     **{**exc.params, "invoice_id": invoice_id, "retry_after": SENDING_WINDOW.total_seconds()})


NOT_SENT_TO_SEFAZ = ("A NF-e nº {number} não chegou à SEFAZ (nenhuma conexão foi feita) e fica aguardando SEFAZ: "
                     "transmita de novo quando ela estiver ao alcance; o worker tenta sozinho.")


NOT_ASKED = ("A SEFAZ não foi alcançada (nenhuma conexão foi feita) e a NF-e nº {number} fica aguardando SEFAZ; antes "
             "de qualquer novo envio ela é consultada {asked} (um envio anterior pode ter ficado sem resposta). "
             "Transmita de novo quando a SEFAZ estiver ao alcance; o worker tenta sozinho.")


QUESTION_UNANSWERED = ("A NF-e nº {number} fica aguardando SEFAZ: ela já foi transmitida antes sem uma decisão da "
                       "SEFAZ, e a consulta {asked} feita agora, antes de reenviá-la, ficou sem resposta; nada foi "
                       "reenviado. Transmita de novo daqui a alguns minutos (consultas seguidas da mesma NF-e fazem a "
                       "SEFAZ bloqueá-la por uma hora, 656); o lojasync consulta a SEFAZ antes de reenviar, e o worker "
                       "também consulta sozinho.")


UNANSWERED = ("A NF-e nº {number} fica aguardando SEFAZ: ela pode ter sido autorizada sem que a resposta chegasse. "
              "{minutes} minutos depois do envio, o lojasync consulta a SEFAZ pela chave, sem enviar a NF-e de novo: o "
              "worker faz isso sozinho, e transmitir de novo a partir daí faz o mesmo.")


# Set on the error of a query by key that failed before the NF-e was sent again: its history already says it went
# without an answer, and the worker's rounds through an outage wrote that line again every five minutes.
_ASKED_ONLY = "asked_only"


def _exchange(sefaz: Sefaz, claim: _Claim, resending: Callable[[], bytes]) -> SefazAnswer:
    """Send the NF-e (asked about by key first when an earlier send got no answer) and return SEFAZ's answer.
    `resending`: what goes once SEFAZ said it never got one sent before (`_resending`)."""
    xml = claim.xml
    with sefaz.gateway(claim.uf, claim.environment, claim.certificate, claim.deadline) as gateway:
        if claim.ask_first:  # an earlier send got no answer: SEFAZ may have authorised it
            try:
                answer = _asked_by_receipt(gateway, claim) or _query_delivered(gateway, claim)
            except (SefazUnreachable, SefazInvalidAnswer) as exc:
                exc.params[_ASKED_ONLY] = True
                raise
            if outcome_of(answer) is Outcome.DUPLICATE_KEY:
                answer = _query_delivered(gateway, claim)
            # SEFAZ's decision; or it never got the NF-e and the order changed since: not sent as it is.
            if outcome_of(answer) is not Outcome.UNKNOWN or claim.drift is not None:
                return answer
            xml = resending()
        answer = gateway.authorise(xml)
        if outcome_of(answer) is Outcome.DUPLICATE_KEY:  # this very key is already there: take its protocol
            answer = _query_delivered(gateway, claim)
        return answer


def _resending(uow: ProcessingUnitOfWork, claim: _Claim, invoice_id: int, actor: Who) -> bytes:
    """The NF-e to send again, SEFAZ having said (asked by key) that it never got the one sent before without an
    answer: as it is, or, signed by a certificate that is no longer the company's (renewed after it expired), signed
    again with this one (carried gap: it went with the old signature and came back 291, and only the next approval
    signed it again, with a new key). The same document (number, key, dhEmi: the key does not depend on the
    signature), so that nothing but the signature changes; re-signing is safe only now that SEFAZ said it holds no
    NF-e with this key (an answer that said nothing sends nothing: `_exchange`). Kept, committed, before it goes: a
    crash after the send must not leave held here a document other than the one SEFAZ may authorise (the worker then
    records the authorisation it finds by key on what is held, as `prepare_invoice` commits before sending).
    Refused, nothing sent (no send in flight): a certificate expired by now (SEFAZ would answer 291), or this claim
    no longer the NF-e's (another process took it since). Valid now, as signing checks it (`_seal`): the moment SEFAZ
    checks it at."""
    try:
        claim.certificate.ensure_valid()
        if not claim.resign:
            return claim.xml
        claim.certificate.ensure_issuer(claim.key[6:20])   # the key's CNPJ: the emitter the NF-e names
        signed = sign(claim.xml, claim.certificate)
        with uow:
            invoice = _invoice(uow, invoice_id)
            if not (invoice.status is InvoiceStatus.AWAITING and invoice.access_key == claim.key
                    and invoice.attempts == claim.attempts):
                raise InvoiceBeingSent(number=invoice.number, invoice_id=invoice.id,
                                       minutes=SENDING_WINDOW // MINUTE, within=ceil(TRANSMISSION_TIME / MINUTE))
            invoice.resigned(uow.orders.get(invoice.order_id, lines=False), actor, signed.decode("utf-8"))
            uow.commit()
        return signed
    except LojasyncError:
        _sending_over(uow, claim, invoice_id)
        raise


def _sent_xml(invoice: Invoice, claim: _Claim) -> bytes:
    """The NF-e as SEFAZ holds it, for its nfeProc: the claim's, unless this claim signed it again before sending it
    (`_resending`, which keeps it first): then what is held (signed again and sent, or, SEFAZ having answered the
    question by key, the one sent before)."""
    if claim.resign and claim.key == invoice.access_key and invoice.xml is not None:
        return invoice.xml.encode("utf-8")
    return claim.xml


def _asked_by_receipt(gateway: SefazGateway, claim: _Claim) -> SefazAnswer | None:
    """What SEFAZ says of the asynchronous batch it was still processing the NF-e in: its protNFe (a decision), or
    still in processing (no decision: the NF-e stays awaiting SEFAZ). None when there is no such batch, or SEFAZ no
    longer finds it (106) or refuses the question: then the NF-e is asked about by key. While SEFAZ processes the
    batch, a query by key answers 217 (not in its base), which is no proof that it never got the NF-e."""
    if claim.receipt is None:
        return None
    try:
        answer = gateway.query_receipt(claim.receipt)
    except SefazUnreachable as exc:
        raise maybe_delivered(exc) from exc
    except SefazInvalidAnswer:
        return None   # an answer that says nothing (104 without the protNFe): asked by key
    if answer.xml is not None:
        return answer if answer.access_key in (None, claim.key) else None
    # Not answered now (in processing, 656 asked too often, 108/109, 999): no decision, the receipt asked again next
    # time; by key SEFAZ may still say 217 (review: a 656 led to the query by key, and the NF-e was made pending).
    # A refusal of the question (106 batch not found, 248, 252...) will not change: asked by key.
    if answer.status == BATCH_NOT_FOUND:
        return None
    return answer if outcome_of(answer) is Outcome.UNDECIDED else None


BATCH_NOT_FOUND = "106"   # retConsReciNFe's "Lote não localizado": SEFAZ keeps receipts for a while only


def _query_delivered(gateway: SefazGateway, claim: _Claim) -> SefazAnswer:
    """`_query` of an NF-e SEFAZ may hold (sent before, or just answered 204): a connection that fails now does not
    make it "never sent"."""
    try:
        return _query(gateway, claim)
    except SefazUnreachable as exc:
        raise maybe_delivered(exc) from exc


# What a query by key may say about the NF-e itself. Any other answer is about the query (refused: 226 UF,
# 252 environment, 236 key, 215 schema...; or not answered now: 656, 108, 999): it says nothing of the NF-e,
# which SEFAZ may hold authorised, so it must never be recorded as the NF-e's rejection.
QUERY_DECISIONS = frozenset({Outcome.AUTHORISED, Outcome.DENIED, Outcome.CANCELLED_THERE, Outcome.UNKNOWN})


def _query(gateway: SefazGateway, claim: _Claim) -> SefazAnswer:
    """SEFAZ's record of the NF-e by key; raises (the NF-e stays "aguardando SEFAZ") when the answer is not one."""
    answer = gateway.query_nfe(claim.key)
    outcome = outcome_of(answer)
    if outcome in QUERY_DECISIONS or answer.status in OUT_OF_SERVICE:  # the latter: recorded as no decision
        return answer
    if outcome is Outcome.REJECTED:  # our request was refused: asking again as is gets the same refusal
        raise SefazQueryRefused(number=claim.number, status=answer.status, reason=answer.reason)
    raise SefazNotDecided(number=claim.number, status=answer.status, reason=answer.reason)


def _record(uow: ProcessingUnitOfWork, sefaz: Sefaz, invoice_id: int, claim: _Claim, answer: SefazAnswer,
            actor: Who, now: Clock) -> tuple[InvoiceView, bool]:
    """SEFAZ's answer, in a transaction of its own: authorised (the effects' handlers run here), denied,
    rejected, or no decision (a retryable error; the NF-e stays "aguardando SEFAZ")."""
    outcome = outcome_of(answer)
    with uow:
        # Lost to a power cut, this transaction is redone: the NF-e is still "aguardando SEFAZ" (that was
        # committed for good before sending) and the worker asks SEFAZ by key, which answers the same.
        uow.redoable()
        # Both locked: an import of the same order waits, then sees it processed (rule 7). The order's lines
        # are not read here: the effects work from the NF-e's own lines (only `fiscal.order_drift` reads them,
        # to flag an order the store changed while SEFAZ was asked).
        found = uow.invoices.get_with_order(invoice_id)
        if found is None:
            raise InvoiceNotFound(invoice_id=invoice_id)
        invoice, order = found
        if _settled_meanwhile(invoice, outcome):
            return invoice_view(invoice, order), False
        current = claim.key == invoice.access_key  # not rebuilt since this claim
        changed = False
        if outcome in DECISIONS:
            changed = _decided(invoice, order, claim, answer, outcome, actor, now, sefaz.simulated)
        elif outcome is Outcome.OTHER_KEY and current:
            # The number is at SEFAZ under another key (a restored backup, another program on this series). This
            # key is not there (that would be 204) and can never be authorised: a rejection, which stops the
            # worker's rounds; only another NF-e, with the next number, can go (`NumberTakenAtSefaz`).
            changed = invoice.reject(order, actor, answer.status, answer.reason)
            taken = NumberTakenAtSefaz(number=invoice.number, invoice_id=invoice.id)
            order.ask_for_a_person(f"{invoice.label} rejeitada: {answer.status} - {answer.reason}. "
                                   f"Resolução: {taken.resolution}"[:500])
        elif outcome is Outcome.CANCELLED_THERE and current:
            changed = _cancelled_elsewhere(invoice, order, claim, answer, actor, now, sefaz.simulated)
        elif outcome in (Outcome.CANCELLED_THERE, Outcome.OTHER_KEY):
            order.ask_for_a_person(f"{invoice.label}: a SEFAZ respondeu {answer.status} - {answer.reason}. "
                                   "Consulte a chave no portal da SEFAZ.")
            uow.commit()
            raise SefazNeedsAPerson(number=invoice.number, status=answer.status, reason=answer.reason)
        elif outcome is Outcome.UNKNOWN and claim.drift is not None and current:
            invoice.unsent(order)   # never at SEFAZ: pending again, to be discarded
            order.ask_for_a_person(_for_a_person(invoice.about(NOT_SENT), claim.drift))
            uow.commit()
            raise claim.drift
        elif outcome is not Outcome.REJECTED and outcome is not Outcome.DENIED:
            if answer.status in OUT_OF_SERVICE and current:
                # SEFAZ took nothing: no send is in flight, so the next attempt (a query first) need not wait
                # out the sending window; it stays awaiting SEFAZ, for the worker's next round.
                invoice.sending_over(order, actor, answer.status, answer.reason)
                uow.commit()
            elif answer.in_processing and answer.receipt and current and invoice.sefaz_receipt != answer.receipt:
                invoice.in_processing_at_sefaz(answer.receipt)   # asked by this receipt first from now on
                uow.commit()
            elif answer.status == OVERUSE and current:   # to the send itself: the same hour's pause
                invoice.settling_paused_until(paused_for_overuse(now()))
                uow.commit()
            raise SefazNotDecided(number=invoice.number, status=answer.status, reason=answer.reason)
        uow.commit()
        return invoice_view(invoice, order), changed


# SEFAZ's decisions on the NF-e sent: recorded (or, for an NF-e rebuilt since it was sent, the rejection and the
# denial ignored) without anything else to ask, so several of them can share one transaction (`record_decisions`).
DECISIONS = frozenset({Outcome.AUTHORISED, Outcome.DENIED, Outcome.REJECTED})


def _settled_meanwhile(invoice: Invoice, outcome: Outcome) -> bool:
    # A transmission slower than the sending window was overtaken by the worker's or a person's, which asked SEFAZ
    # by key: this late answer adds nothing to what the NF-e is now (an authorisation is still recorded).
    return invoice.status is not InvoiceStatus.AWAITING and outcome is not Outcome.AUTHORISED


def _decided(invoice: Invoice, order, claim: _Claim, answer: SefazAnswer, outcome: Outcome, actor: Who, now: Clock,
             simulated: bool) -> bool:
    """Record one of the DECISIONS on the NF-e (authorised: the effects' handlers run at commit); whether it changed."""
    current = claim.key == invoice.access_key  # not rebuilt since this claim
    if outcome is Outcome.AUTHORISED:
        sent = _sent_xml(invoice, claim)
        proc = nfe_proc(sent, answer.xml) if answer.xml else sent
        # The claim's key and XML only when the NF-e was rebuilt since: else they are already its own
        # (rewriting a few kB of the same XML costs more than the rest of the UPDATE).
        rebuilt = {} if current else {"access_key": claim.key, "xml": claim.xml.decode("utf-8")}
        moment = now()
        return invoice.authorise(order, actor, answer.protocol or "", proc.decode("utf-8"),
                                 answer.received_at or moment, simulated, recorded_at=moment, **rebuilt)
    if outcome is Outcome.DENIED and current:
        proc_xml = nfe_proc(_sent_xml(invoice, claim), answer.xml).decode("utf-8") if answer.xml else None
        return invoice.deny(order, actor, answer.status, answer.reason, answer.protocol, proc_xml, simulated)
    if outcome is Outcome.REJECTED and current:
        changed = invoice.reject(order, actor, answer.status, answer.reason)
        if answer.status == NUMBER_ALREADY_VOIDED:
            # Sent again, a new key each time, it would get 206 for ever (review): a person discards it.
            order.ask_for_a_person(f"{invoice.label} rejeitada: {answer.status} - {answer.reason}. "
                                   f"Resolução: {number_spent(invoice).resolution}"[:500])
        return changed
    return False


def number_spent(invoice: Invoice) -> LojasyncError:
    """Why a rejected NF-e whose number SEFAZ holds (539: another key; 206: voided) cannot be sent again."""
    if invoice.rejection_code == DUPLICATE_WITH_DIFFERENT_KEY:
        return NumberTakenAtSefaz(number=invoice.number, invoice_id=invoice.id)
    return NumberVoidedAtSefaz(number=invoice.number, invoice_id=invoice.id)


def record_decisions(uow: ProcessingUnitOfWork, sefaz: Sefaz, answered: Sequence[tuple[ReadyToSend, SefazAnswer]],
                     actor: Who = Actor.OPERATOR, now: Clock = _now) -> list[tuple[InvoiceView, bool]]:
    """`record_answer` of several NF-e in one transaction (a batch's group), each answer one of the DECISIONS
    (ValueError otherwise: any other answer has its own steps, `record_answer`). All or nothing: a failure rolls
    every one back and raises; the batch then records them one by one, so that each says its own failure."""
    if any(outcome_of(answer) not in DECISIONS for _, answer in answered):
        raise ValueError("record_decisions records SEFAZ's decisions only")
    with uow:
        uow.redoable()   # as `_record`: lost to a power cut, the worker asks SEFAZ again by key
        recorded = []
        found = uow.invoices.get_with_orders(ready.invoice_id for ready, _ in answered)
        for ready, answer in answered:
            if ready.invoice_id not in found:
                raise InvoiceNotFound(invoice_id=ready.invoice_id)
            invoice, order = found[ready.invoice_id]
            outcome = outcome_of(answer)
            changed = not _settled_meanwhile(invoice, outcome) and \
                _decided(invoice, order, ready.claim, answer, outcome, actor, now, sefaz.simulated)
            recorded.append((invoice, order, changed))
        uow.commit()
        return [(invoice_view(invoice, order), changed) for invoice, order, changed in recorded]


def _cancelled_elsewhere(invoice: Invoice, order, claim: _Claim, answer: SefazAnswer, actor: Who, now: Clock,
                         simulated: bool) -> bool:
    """The NF-e, asked by key, is cancelled at SEFAZ: kept as SEFAZ holds it, the authorisation (the query's
    protNFe, with this NF-e) and the cancellation (its event, when the query brought it)."""
    cancellation, event_xml = cancellation_in(answer) or (answer, None)
    # Without the protNFe, the answer's time is the query's (retConsSitNFe's dhRecbto), and no nProt is the
    # authorisation's: nothing of it is recorded (no nfeProc, so no DANFE either).
    authorisation = (SefazRecord(answer.protocol, nfe_proc(_sent_xml(invoice, claim), answer.xml).decode("utf-8"),
                                 answer.received_at)
                     if answer.xml else SefazRecord(None, None, None))
    return invoice.found_cancelled_elsewhere(
        order, actor, answer.status, answer.reason, authorisation,
        SefazRecord(cancellation.protocol, event_xml, cancellation.received_at or now()), justification_in(event_xml),
        simulated)


def invoices_awaiting_sefaz(uow: ProcessingUnitOfWork, now: datetime | None = None) -> list[int]:
    """NF-e sent without a decision for longer than the sending window, not asked about by the worker within it:
    the worker settles them (a query by key first, so an NF-e SEFAZ authorised without our hearing is recorded,
    never sent twice)."""
    with uow:
        return uow.invoices.awaiting_to_settle((now or _now()) - SENDING_WINDOW)


def claim_invoices_to_settle(uow: ProcessingUnitOfWork, now: datetime | None = None) -> list[int]:
    """`invoices_awaiting_sefaz`, each marked as asked now, for the worker to enqueue their settling: its next
    rounds leave them out for the sending window (before, every round enqueued each again while the last round's
    task still waited in the queue: a backlog of NF-e grew the queue without end, ahead of the imports)."""
    moment = now or _now()
    before = moment - SENDING_WINDOW
    with uow:
        claimed = [invoice_id for invoice_id in uow.invoices.awaiting_to_settle(before)
                   if _invoice(uow, invoice_id).settle_asking(moment, asked_before=before)]
        uow.commit()
        return claimed


# An NF-e still awaiting SEFAZ this long after the send that made it await: a person looks too (the worker keeps
# asking meanwhile), as for a cancellation requested without an outcome.
STILL_AWAITING_AFTER = timedelta(hours=24)


def sefaz_down(exc: LojasyncError) -> bool:
    """Whether SEFAZ itself cannot answer now, for any NF-e: out of service (108/109), no answer at all, or an answer
    that is none (a proxy's error page, for hours); not what one NF-e's answer says of it alone (its batch in
    processing, a rejection)."""
    return exc.code in (SefazUnreachable.code, SefazInvalidAnswer.code) or (
        exc.code == SefazNotDecided.code and exc.params.get("status") in SERVICE_PARALYSED)


def flag_unsettled_invoice(uow: ProcessingUnitOfWork, invoice_id: int, now: datetime | None = None) -> bool:
    """An NF-e the worker could not settle this round (SEFAZ silent or out of service, answers that are not
    answers): after `STILL_AWAITING_AFTER`, its order asks for a person, once (the same words every round); the
    decision, when it comes, takes the flag away. Returns True when the flag is new."""
    moment = now or _now()
    with uow:
        # Both locked before the NF-e is looked at: read first and the order locked after, an NF-e authorised in
        # between by another process still had its order flagged as stuck, a flag nothing would take away.
        found = uow.invoices.get_with_order(invoice_id)
        if found is None or not found[0].awaiting_longer_than(STILL_AWAITING_AFTER, moment):
            return False
        invoice, order = found
        hours = int(STILL_AWAITING_AFTER.total_seconds() // 3600)
        reason = (f"{invoice.about(STUCK)}: sem resposta da SEFAZ há mais de {hours} horas (o worker segue consultando "
                  f"a chave a cada {SENDING_WINDOW // MINUTE} minutos). Resolução: confira se a SEFAZ está no ar e a "
                  f"rede até ela; consulte a chave {invoice.access_key} no portal da SEFAZ; "
                  f"transmitir de novo (Transmitir, na página da NF-e; lojasync invoices approve {invoice.id}) "
                  "consulta a SEFAZ pela chave na hora e só envia a NF-e se a SEFAZ não a tiver.")
        if not order.ask_for_a_person(reason):
            return False
        uow.commit()
        return True


def flag_stuck_invoice(uow: ProcessingUnitOfWork, invoice_id: int, problem: LojasyncError) -> bool:
    """An NF-e awaiting SEFAZ that the worker cannot settle by retrying (no certificate, company incomplete,
    SEFAZ misconfigured): flag its order for a person with the reason and what to do, instead of waiting
    silently for ever. Returns True when the flag is new (the same problem every minute is flagged once)."""
    with uow:
        found = uow.invoices.get_with_order(invoice_id)   # both locked first, as in `flag_unsettled_invoice`
        if found is None or found[0].status is not InvoiceStatus.AWAITING:
            return False
        invoice, order = found
        if not order.ask_for_a_person(_for_a_person(invoice.about(STUCK), problem)):
            return False
        uow.commit()
        return True


def _for_a_person(what: str, problem: LojasyncError) -> str:
    """An order's attention text for an NF-e problem: what happened, why, and what to do (500 characters kept)."""
    reason = f"{what}: {problem.message}"
    if problem.resolution:
        reason += f" Resolução: {problem.resolution}"
    return reason[:500]


def _invoice(uow: ProcessingUnitOfWork, invoice_id: int, lock: bool = True) -> Invoice:
    invoice = uow.invoices.get(invoice_id, for_update=lock)
    if invoice is None:
        raise InvoiceNotFound(invoice_id=invoice_id)
    return invoice
