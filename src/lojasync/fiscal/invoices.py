"""NF-e (modelo 55) of an order, as the ERP keeps it: its number and key, the signed XML, and its life at SEFAZ.

    pending ──approve──▶ awaiting SEFAZ ──100──▶ authorised ──cancel (135)──▶ cancelled
       │                     │  ▲        └──110/301/302/303──▶ denied (final: kept as SEFAZ registered it)
       │                     │  └── no answer, 108/109, 105: asked again by key, never resent blind
       └──discard            ├──rejection──▶ rejected ──approve (rebuilt, same number)──▶ awaiting SEFAZ
                             └──asked by key, 101/151/155──▶ cancelled (cancelled elsewhere: nothing moved)
    authorised ──asked by key after the cancellation deadlines (24 h, 168 h), 101/151/155──▶ cancelled (reversed)

Only "authorised" moves stock and money (handlers of `InvoiceAuthorised`); only cancelling an authorised
NF-e reverses them. A pending or rejected NF-e may be discarded: nothing moved, the number stays unused
(the history says so: it must be inutilizado at SEFAZ). An authorisation SEFAZ gave is never refused here,
whatever state a late answer finds: it is recorded, and a person is asked to look.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from lojasync.fiscal.documents import DocumentKind, DocumentLine
from lojasync.fiscal.errors import CancellationMayBeAtSefaz, DiscardNeedsReason, DocumentStateRefused
from lojasync.fiscal.events import (
    InvoiceAuthorised,
    InvoiceCancellationQueued,
    InvoiceCancellationRefused,
    InvoiceCancellationWithdrawn,
    InvoiceCancelled,
    InvoiceCancelledElsewhere,
    InvoiceDenied,
    InvoiceDiscarded,
    InvoiceFoundCancelled,
    InvoiceGenerated,
    InvoiceNumberVoided,
    InvoiceRebuilt,
    InvoiceRejected,
    InvoiceResigned,
    InvoiceSefazDown,
    InvoiceUnanswered,
)
from lojasync.fiscal.gateway import NUMBER_SPENT_AT_SEFAZ
from lojasync.fiscal.payment_returned import PAYMENT_RETURNED, is_returned_reason, said_again, unsent_reason
from lojasync.sales.history import Actor, Person, Who, actor_name
from lojasync.shared.events import Aggregate
from lojasync.shared.text import clean_text

# How an order's attention reasons about one of its NF-e begin, after its label ("NF-e nº 3 série 1 não foi
# enviada: ..."): the NF-e's authorisation or discard takes them away by that beginning (`Invoice.about`).
NOT_SENT = "não foi enviada"        # the store changed or cancelled the order before it reached SEFAZ
# What the two refusals about an NF-e's recipient say (`fiscal.errors`), found in the order's reason about it ("a
# pedido dele (LGPD)": how versions before 2026-12-05 worded the second, still in the reasons they recorded).
RECIPIENT_GONE_WORDS = ("com o destinatário de antes", "com o local de entrega de antes", "foram apagados (LGPD",
                        "foram apagados a pedido dele (LGPD)")
STUCK = "aguardando SEFAZ"          # the worker cannot settle it by retrying (certificate, company)
NOT_CONFIRMED = "não confirmada pela SEFAZ"   # authorised here; a query by key did not say it still stands
NOT_CANCELLED = "não foi cancelada"  # a cancellation requested never reached SEFAZ (the worker asked it)
# An order's reason after its NF-e was denied ("NF-e nº 5 série 1 denegada pela SEFAZ (302 - ...)").
DENIED_BY_SEFAZ = " denegada pela SEFAZ ("
DENIAL_ADVICE = {
    "301": "A SEFAZ aponta irregularidade fiscal da empresa emitente: regularize-a com o contador e gere outra NF-e "
           "do pedido.",
    "302": "A SEFAZ aponta irregularidade fiscal do destinatário: confira com o cliente; regularizado, gere outra "
           "NF-e do pedido, ou faça a venda por outro documento.",
    "303": "O destinatário não está habilitado a operar na UF dele: confira com o cliente a inscrição estadual; "
           "corrigida, gere outra NF-e do pedido.",
    "": "Confira o motivo com o contador; gere outra NF-e do pedido quando puder ser autorizada.",
}


def is_denial_reason(reason: str) -> bool:
    """Whether an order's attention reason is the one `Invoice.deny` gave."""
    return reason.startswith("NF-e nº ") and DENIED_BY_SEFAZ in reason


# When the worker asks SEFAZ whether an authorised NF-e still stands (another program with the certificate, or
# the SEFAZ portal, may have cancelled it): once the deadline of a cancellation is over (24 h after the
# authorisation), and once the deadline of a late one (168 h, cStat 155, where the UF accepts it), each with an
# hour's margin. After both, SEFAZ accepts no cancellation of it.
SEFAZ_CHECKS = (timedelta(hours=25), timedelta(hours=169))


class InvoiceStatus(StrEnum):
    PENDING = "pending"
    AWAITING = "awaiting_sefaz"
    AUTHORISED = "authorised"
    REJECTED = "rejected"
    DENIED = "denied"
    CANCELLED = "cancelled"
    DISCARDED = "discarded"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {InvoiceStatus.PENDING: "pendente", InvoiceStatus.AWAITING: "aguardando SEFAZ",
           InvoiceStatus.AUTHORISED: "autorizada", InvoiceStatus.REJECTED: "rejeitada",
           InvoiceStatus.DENIED: "denegada", InvoiceStatus.CANCELLED: "cancelada",
           InvoiceStatus.DISCARDED: "descartada"}
# The order's document while in one of these: a second one is refused.
ACTIVE = frozenset({InvoiceStatus.PENDING, InvoiceStatus.AWAITING, InvoiceStatus.AUTHORISED,
                    InvoiceStatus.REJECTED})


class SefazRecord(NamedTuple):
    """A protocol SEFAZ gave, the XML that holds it, and when: an authorisation or a cancellation's."""

    protocol: str | None
    xml: str | None
    when: datetime | None


class Invoice(Aggregate):
    kind = DocumentKind.NFE
    id: int | None
    order_id: int
    status: InvoiceStatus
    environment: str
    series: int
    number: int
    access_key: str | None
    issued_at: datetime | None
    customer_id: int | None
    lines_data: list[dict]
    total: Decimal
    payment_method: str | None
    installments: int | None
    xml: str | None
    proc_xml: str | None
    protocol: str | None
    authorised_at: datetime | None
    simulated: bool
    rejection_code: str | None
    rejection_reason: str | None
    attempts: int
    sent_at: datetime | None
    awaiting_since: datetime | None   # the send that made it await SEFAZ (None: it went before this was kept)
    settle_asked_at: datetime | None  # the worker's last settling of it was enqueued then
    # SEFAZ took it in an asynchronous batch still "em processamento" (103/105): that batch's receipt (nRec). While
    # SEFAZ processes a batch, a query by key answers 217 (not in its base): only the receipt says what became of it.
    sefaz_receipt: str | None
    cancel_justification: str | None
    cancel_protocol: str | None
    cancelled_at: datetime | None
    cancel_xml: str | None
    cancelled_elsewhere: bool   # cancelled at SEFAZ by another program while it awaited SEFAZ here: nothing moved
    # A cancellation requested and about to be sent (or sent without an answer heard): while set, the worker
    # settles it by asking SEFAZ by key, as it does an NF-e awaiting SEFAZ. Cleared when the outcome is recorded.
    cancel_requested_at: datetime | None
    cancel_requested_by: str | None        # who asked: the history's actor category, and the person's name
    cancel_requested_by_name: str | None
    cancel_reason: str | None
    cancel_asked_at: datetime | None       # the worker's last query by key about it was enqueued then
    # The sends of the pending request whose outcome is not known (in flight, the answer lost, a process killed), by
    # the moment each began (ISO, UTC): SEFAZ may hold one registered, and a registered cancellation cannot be taken
    # back, so a person may withdraw the request only when there is none (`withdraw_cancel`). A send SEFAZ is known not
    # to have (no connection, out of service, refused with a code) takes itself out; SEFAZ asked by key, holding the
    # NF-e authorised, takes out those begun a sending window before (ended, and never there). One mark for all the
    # sends let two overlapping ones (a person cancelling again, the worker, a double click) clear it for each other
    # or keep it for nothing (reviews).
    cancel_sends: list[str] | None
    # The pending request's own send was refused with a code; it stays only for an earlier send whose fate SEFAZ could
    # not be asked about: if none got there, the worker clears it rather than send it.
    cancel_refusal: str | None
    # Authorised: when the worker next asks SEFAZ by key whether it still stands (`SEFAZ_CHECKS`); None: no more.
    sefaz_check_due_at: datetime | None
    found_cancelled: bool   # authorised here, found cancelled at SEFAZ by another program: reversed here
    created_at: datetime | None

    def __init__(self, order, lines: list[DocumentLine], environment: str, series: int, number: int) -> None:
        self.order_id = order.id
        self.status = InvoiceStatus.PENDING
        self.environment = environment
        self.series = series
        self.number = number
        self.access_key = None
        self.issued_at = None
        self.customer_id = order.customer_id
        self.lines_data = [line.to_dict() for line in lines]
        self.total = order.total
        self.payment_method = order.payment_method
        self.installments = order.installments
        self.xml = self.proc_xml = self.protocol = None
        self.authorised_at = None
        self.simulated = False
        self.rejection_code = self.rejection_reason = None
        self.attempts = 0
        self.sent_at = self.awaiting_since = self.settle_asked_at = self.sefaz_receipt = None
        self.cancel_justification = self.cancel_protocol = self.cancel_xml = None
        self.cancelled_at = None
        self.cancelled_elsewhere = False
        self.sefaz_check_due_at = None
        self.found_cancelled = False
        self._cancel_request_over()

    @property
    def lines(self) -> list[DocumentLine]:
        return [DocumentLine.from_dict(data) for data in self.lines_data]

    @property
    def label(self) -> str:
        return f"NF-e nº {self.number} série {self.series}"

    def about(self, what: str) -> str:
        """The beginning of an order's attention reason about this NF-e (`NOT_SENT`, `STUCK`)."""
        return f"{self.label} {what}"

    @property
    def authorised_late_reason(self) -> str:
        """The beginning of the order's reason when SEFAZ authorised this NF-e after it was discarded (or denied); the
        comma after the label: "série 1" is not "série 12"."""
        return f"A SEFAZ autorizou a {self.label}, que aqui estava"

    @property
    def changed_meanwhile_reason(self) -> str:
        """The beginning of the order's reason when the store changed the order while SEFAZ was asked about this
        NF-e, which it then authorised (`order_drift`)."""
        return f"Pedido alterado na loja depois do envio da {self.label}, que a SEFAZ autorizou"

    def payment_returned_meanwhile_reason(self, words: str) -> str:
        """The first sentence of the order's reason when the store gave the money back (`words`: "reembolsado",
        "estornado"...) while SEFAZ was asked about this NF-e, which it may authorise (`order_drift`)."""
        return f"{PAYMENT_RETURNED}{words}{self._while_awaiting}"

    def payment_returned_unsent_reason(self, words: str) -> str:
        """The first sentence of the order's reason when the store gave the money back (`words`) while this NF-e
        waited to be transmitted (pending, rejected): it asks to check the payment before sending it (`order_drift`)."""
        return unsent_reason(self.about(NOT_SENT), words)

    def payment_returned_before_sending_reason(self, words: str) -> str:
        """The order's reason once this NF-e, sent after the store gave the money back, is authorised
        (`payment_returned.said_again`): it asks, as the one of a refund while SEFAZ was asked does, to cancel it if
        the sale is off."""
        return (f"{PAYMENT_RETURNED}{words}{self._before_sending} Resolução: se a venda não vale mais, cancele-a "
                f"(lojasync invoices cancel {self.id} --reason MOTIVO, ou na página da NF-e: o estoque volta e as "
                "contas a receber são canceladas); se a venda vale, confira o pagamento.")

    def is_payment_returned_meanwhile_reason(self, reason: str) -> bool:
        """Whether `reason` is the store's refund while SEFAZ was asked about this NF-e, or before it was sent and then
        authorised: the reasons that ask to cancel it if the sale is off."""
        return is_returned_reason(reason, self._while_awaiting, self._before_sending)

    @property
    def _before_sending(self) -> str:
        # ", que": "série 1" is not "série 12".
        return f" na loja antes do envio da {self.label}, que a SEFAZ autorizou."

    @property
    def _while_awaiting(self) -> str:
        # The full stop after the label: "série 1" is not "série 12".
        return f" na loja enquanto a {self.label} aguardava a SEFAZ."

    def built_anew(self, order) -> None:
        """Built anew from the order as it is now (same number): the order's reasons saying it was not sent naming a
        recipient it no longer has (the store changed the buyer: `RecipientChangedSinceGenerated`; the buyer's data
        were erased: `BuyerDataErasedSinceGenerated`) are dealt with; others stay (review: they stayed on an NF-e
        authorised since)."""
        beginning = f"{self.about(NOT_SENT)}:"
        order.withdraw_attention(lambda reason: reason.startswith(beginning)
                                 and any(words in reason for words in RECIPIENT_GONE_WORDS))

    def _settled(self, order, *whats: str) -> None:
        """Take away the order's reasons about this NF-e that its new state deals with; other reasons stay."""
        beginnings = tuple(f"{self.about(what)}:" for what in whats)
        order.withdraw_attention(lambda reason: reason.startswith(beginnings))

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def approved_at(self) -> datetime | None:
        return self.authorised_at

    def _ids(self) -> dict:
        return {"document": self, "number": self.number, "series": self.series}

    def signed(self, order, actor: Who, access_key: str, xml: str, issued_at: datetime,
               rebuilt_because: str | None = None) -> None:
        """The XML is built, signed and valid: keep it (the first time, say so in the order's history; built anew,
        `rebuilt_because` says why, which the history says with the new key: the one generated is gone)."""
        first = self.access_key is None
        if access_key != self.access_key:   # a new document: no batch at SEFAZ holds it
            self.sefaz_receipt = None
        self.access_key, self.xml, self.issued_at = access_key, xml, issued_at
        if self.customer_id != order.customer_id:   # rebuilt: it names the order's customer as it is now
            self.customer_id = order.customer_id
        if first:
            self.record(InvoiceGenerated(order=order, actor=actor, **self._ids()))
        elif rebuilt_because:
            self.record(InvoiceRebuilt(order=order, actor=actor, access_key=access_key, because=rebuilt_because,
                                       **self._ids()))

    def resigned(self, order, actor: Who, xml: str) -> None:
        """Awaiting SEFAZ, which said (asked by key) it never got it, and signed by a certificate that is no longer the
        company's: the same NF-e (number, key, data) signed again with the one installed, kept before it is sent
        again, so that what SEFAZ may authorise is what is held here (`services.invoices._resending`)."""
        self._refuse_unless({InvoiceStatus.AWAITING}, "assinar de novo")
        self.xml = xml
        self.record(InvoiceResigned(order=order, actor=actor, access_key=self.access_key, **self._ids()))

    def sending(self, when: datetime) -> None:
        """About to be sent: from now on an unanswered send is settled by asking SEFAZ by key."""
        self._refuse_unless({InvoiceStatus.PENDING, InvoiceStatus.AWAITING, InvoiceStatus.REJECTED}, "transmitir")
        if self.status is not InvoiceStatus.AWAITING:
            self.awaiting_since = when
        self.status = InvoiceStatus.AWAITING
        self.attempts += 1
        self.sent_at = when
        if self.rejection_code is not None:   # an earlier rejection is history now, not what it awaits
            self.rejection_code = self.rejection_reason = None

    def settle_asking(self, when: datetime, asked_before: datetime) -> bool:
        """The worker enqueues the settling of this NF-e awaiting SEFAZ (a query by key first): left out of its next
        rounds for the sending window, so that a task still waiting in the queue is not enqueued again, nor an NF-e
        SEFAZ answered 108 for (no send in flight) asked every minute. False when it is being sent (since after
        `asked_before`), was asked about since, or is no longer awaiting SEFAZ."""
        if self.status is not InvoiceStatus.AWAITING:
            return False
        if any(moment is not None and moment > asked_before for moment in (self.sent_at, self.settle_asked_at)):
            return False
        self.settle_asked_at = when
        return True

    def settling_paused_until(self, moment: datetime) -> None:
        """SEFAZ answered 656 ("consumo indevido": asked too often) about it: the worker's rounds leave it out until
        `moment` (its settling counted as enqueued then; asked again within the hour, SEFAZ keeps the block)."""
        if self.status is InvoiceStatus.AWAITING and (self.settle_asked_at is None or self.settle_asked_at < moment):
            self.settle_asked_at = moment

    def awaiting_longer_than(self, period: timedelta, now: datetime) -> bool:
        """Still awaiting SEFAZ `period` after the send that made it await (its dhEmi, when that send is older than
        the column that keeps it)."""
        since = self.awaiting_since or self.issued_at
        return self.status is InvoiceStatus.AWAITING and since is not None and now - since > period

    def sending_over(self, order=None, actor: Who = Actor.SYSTEM, code: str = "", reason: str = "") -> None:
        """The send ended without a decision and without SEFAZ taking the NF-e (out of service): still awaiting
        SEFAZ, but no longer in flight, so another attempt may start now. With the `order`, the history says so: of
        a person's send (what they asked for), and of the worker's first (its rounds through the outage add nothing).
        Not by a count of sends alone: one refused at the connection, or rejected, counts too."""
        self._refuse_unless({InvoiceStatus.AWAITING}, "transmitir")
        self.sent_at = None
        if order is not None and (actor is not Actor.SYSTEM or self.attempts <= 1):
            self.record(InvoiceSefazDown(order=order, actor=actor, code=code, reason=reason[:300], **self._ids()))

    def forget_xml(self) -> None:
        """The buyer asked for erasure (LGPD) and this NF-e is no fiscal document (rejected, discarded) or not yet one
        (pending: SEFAZ never got it): its signed XML, which names the buyer, is dropped. A rejected or pending one
        transmitted later is built anew from the order as it is then (`services.invoices._claim`)."""
        self._refuse_unless({InvoiceStatus.REJECTED, InvoiceStatus.DISCARDED, InvoiceStatus.PENDING}, "apagar o XML")
        self.xml = None

    def in_processing_at_sefaz(self, receipt: str) -> None:
        """SEFAZ took it in an asynchronous batch it is still processing (103/105, receipt `receipt`): still awaiting
        SEFAZ, and asked about by that receipt first."""
        self._refuse_unless({InvoiceStatus.AWAITING}, "transmitir")
        self.sefaz_receipt = receipt

    def sending_from(self, when: datetime) -> None:
        """Marked as being sent earlier, it goes only now (it waited for a place at SEFAZ): the sending window, in
        which nobody else sends it, counts from now."""
        self._refuse_unless({InvoiceStatus.AWAITING}, "transmitir")
        self.sent_at = when

    def not_sent_after_all(self, order=None) -> None:
        """Marked as being sent and then never sent (a batch stopped sending: SEFAZ had failed on another NF-e):
        pending again, as if only generated; the attempt it was counted for never happened. With the `order`, one
        whose buyer's data were erased meanwhile drops its XML, as a pending one does at the erasure."""
        self._refuse_unless({InvoiceStatus.AWAITING}, "devolver a pendente")
        self.status = InvoiceStatus.PENDING
        self.sent_at = None
        self.attempts = max(0, self.attempts - 1)
        self._never_issued_after_erasure(order)

    def not_sent_again_after_all(self) -> None:
        """Marked as being sent again (it went before without an answer: SEFAZ may hold it) and then not sent after all
        (a batch stopped sending): still awaiting SEFAZ, no send in flight, for a query by key; the attempt it was
        counted for never happened."""
        self._refuse_unless({InvoiceStatus.AWAITING}, "transmitir")
        self.sent_at = None
        self.attempts = max(0, self.attempts - 1)

    def unsent(self, order=None) -> None:
        """SEFAZ never got it (its query by key says so) and it will not be sent as it is: pending again, so it
        can be discarded; nothing moved. What `order` was flagged for while it awaited SEFAZ is over."""
        self._refuse_unless({InvoiceStatus.AWAITING}, "devolver a pendente")
        self.status = InvoiceStatus.PENDING
        if order is not None:
            self._settled(order, STUCK)
            # Kept while SEFAZ might hold it; never there, it names a buyer who asked for erasure for nothing.
            self._never_issued_after_erasure(order)

    def authorise(self, order, actor: Who, protocol: str, proc_xml: str, when: datetime, simulated: bool,
                  access_key: str | None = None, xml: str | None = None, recorded_at: datetime | None = None
                  ) -> bool:
        """SEFAZ authorised it (100): the handlers issue stock and create receivables. False when it
        already was (a second answer, a concurrent approval).

        `when` is SEFAZ's time of the authorisation; `recorded_at`, this transaction's (later when it is learned
        by asking SEFAZ by key). `access_key`/`xml` are those of the document SEFAZ authorised, when the NF-e was
        rebuilt meanwhile: the authorised one is the NF-e. A late authorisation of a discarded NF-e is recorded
        all the same (SEFAZ holds it) and the order is flagged for a person; one of a cancelled NF-e changes
        nothing."""
        if self.status is InvoiceStatus.AUTHORISED:
            return False
        if self.status is InvoiceStatus.CANCELLED:
            # Cancelled here means SEFAZ registered its cancellation, after authorising it: an authorisation
            # answer arriving now is older news, and must not make it "autorizada" again.
            return False
        if self.status in (InvoiceStatus.DISCARDED, InvoiceStatus.DENIED):
            order.ask_for_a_person(f"{self.authorised_late_reason} {self.status.label}: "
                                   "confira o pedido; se a venda não existe, cancele a NF-e.")
        if access_key is not None:
            self.access_key, self.xml = access_key, xml or self.xml
        self.status = InvoiceStatus.AUTHORISED
        self.protocol, self.proc_xml, self.authorised_at, self.simulated = protocol, proc_xml, when, simulated
        self.rejection_code = self.rejection_reason = None
        self.sefaz_check_due_at = when + SEFAZ_CHECKS[0]
        self._settled(order, STUCK)   # SEFAZ decided what the order was flagged for while it waited
        # Sent after the store gave the money back: the order no longer says it "não foi enviada" nor to discard it
        # (review), yet still that the money went back, now asking to cancel it if the sale is off: nothing on the
        # way checked the payment (a batch run again sends what an earlier run generated).
        said_again(order, self.about(NOT_SENT), self.payment_returned_before_sending_reason)
        self.record(InvoiceAuthorised(order=order, actor=actor, protocol=protocol, access_key=self.access_key,
                                      simulated=simulated, recorded_at=recorded_at, **self._ids()))
        return True

    def reject(self, order, actor: Who, code: str, reason: str) -> bool:
        """SEFAZ refused it: nothing moved; the operator fixes the data and approves again (same number).
        Only an NF-e waiting for SEFAZ takes a rejection: a late answer never reopens a finished one."""
        if self.status is not InvoiceStatus.AWAITING:
            return False
        self.status = InvoiceStatus.REJECTED
        self.rejection_code, self.rejection_reason = code, reason[:500]
        self._never_issued_after_erasure(order)
        self._settled(order, STUCK)   # SEFAZ decided: what the order was flagged for while it waited is over
        self.record(InvoiceRejected(order=order, actor=actor, code=code, reason=reason[:500], **self._ids()))
        return True

    def deny(self, order, actor: Who, code: str, reason: str, protocol: str | None, proc_xml: str | None,
             simulated: bool = False) -> bool:
        """Uso denegado (110, 301-303): SEFAZ registered the NF-e and refused its use. Final, kept as it is
        (the law requires it); nothing moved, and the order is free for another document. `simulated`: the
        simulator denied it, which registers nothing anywhere (said on screen, as for an authorisation)."""
        if self.status is not InvoiceStatus.AWAITING:
            return False
        self.status = InvoiceStatus.DENIED
        self.rejection_code, self.rejection_reason = code, reason[:500]
        self._settled(order, STUCK)   # SEFAZ decided: what the order was flagged for while it waited is over
        # Never to be authorised: the store's refund meanwhile asks nobody to cancel it any more (a rejected one, or
        # one SEFAZ never got, may still go: the refund stays said for whoever sends it again).
        order.withdraw_attention(self.is_payment_returned_meanwhile_reason)
        self.protocol, self.proc_xml, self.simulated = protocol, proc_xml, simulated
        # The order is left without a document and no batch takes it again (whether the sale can still be invoiced
        # is a person's call: the issuer's or the buyer's situation at SEFAZ): said on the order (review: when the
        # worker found the denial, nobody was ever told). Another document of the sale taking effect takes it away.
        advice = DENIAL_ADVICE.get(code, DENIAL_ADVICE[""])
        order.ask_for_a_person(f"{self.label}{DENIED_BY_SEFAZ}{code} - {reason}): o número fica usado e nada se "
                               f"moveu; o pedido continua sem documento. {advice}"[:500])
        self.record(InvoiceDenied(order=order, actor=actor, code=code, reason=reason[:500], **self._ids()))
        return True

    def cancel(self, order, actor: Who, protocol: str | None, justification: str, event_xml: str | None,
               when: datetime, recorded_at: datetime | None = None) -> bool:
        """SEFAZ registered the cancellation event (`when`: SEFAZ's time; `recorded_at`: this transaction's): the
        handlers reverse stock and receivables."""
        if self.status is InvoiceStatus.CANCELLED:
            return False
        self._refuse_unless({InvoiceStatus.AUTHORISED}, "cancelar")
        self.status = InvoiceStatus.CANCELLED
        self.cancel_protocol, self.cancel_justification = protocol, justification
        self.cancel_xml, self.cancelled_at = event_xml, when
        self.sefaz_check_due_at = None
        self.found_cancelled = False
        self._cancel_request_over()
        self._settled(order, NOT_CANCELLED)   # cancelled at last: "cancel again" is done
        # And what asked a person to cancel it: authorised late, or its order changed at the store while SEFAZ was
        # asked (review: both stayed on the order after the cancellation, asking for what was done).
        # Also the store's refund while it awaited SEFAZ, which asked to cancel it once authorised (import review).
        asking = (self.authorised_late_reason, self.changed_meanwhile_reason)
        order.withdraw_attention(lambda reason: reason.startswith(asking)
                                 or self.is_payment_returned_meanwhile_reason(reason))
        self.record(InvoiceCancelled(order=order, actor=actor, protocol=protocol, justification=justification,
                                     recorded_at=recorded_at or when, **self._ids()))
        return True

    def found_cancelled_elsewhere(self, order, actor: Who, code: str, reason: str, authorisation: SefazRecord,
                                  cancellation: SefazRecord, justification: str | None, simulated: bool) -> bool:
        """Asked by key while it awaited SEFAZ, SEFAZ holds it authorised and then cancelled (101, 151, 155): a
        cancellation lojasync never sent (another program with the certificate, the SEFAZ portal). Final: it
        never was "autorizada" here, so nothing moved and nothing comes back; what SEFAZ holds is kept (the
        authorised NF-e, the cancellation event), the order is free for another document and asks a person to
        look, since the sale may still need its NF-e. False unless it was awaiting SEFAZ."""
        if self.status is not InvoiceStatus.AWAITING:
            return False
        self.status = InvoiceStatus.CANCELLED
        self.cancelled_elsewhere, self.simulated = True, simulated
        self.protocol, self.proc_xml, self.authorised_at = authorisation
        self.cancel_protocol, self.cancel_xml, self.cancelled_at = cancellation
        # The event's own justification when the query brought the event, else what is known of it.
        self.cancel_justification = (justification or f"Cancelada fora do lojasync (a SEFAZ informou {code} - "
                                                       f"{reason})")[:255]
        self._settled(order, STUCK)   # SEFAZ decided what the order was flagged for while it waited
        # Cancelled already: the store's refund meanwhile asks nobody to cancel it any more (review of the refund's
        # reason: it stayed, asking to cancel an NF-e cancelled elsewhere).
        order.withdraw_attention(self.is_payment_returned_meanwhile_reason)
        order.ask_for_a_person(f"{self.label}: a SEFAZ a autorizou, mas ela foi cancelada fora do lojasync ({code} - "
                               f"{reason}). Nada foi movimentado aqui. Confira a chave no portal da SEFAZ; se a "
                               "venda continuar, gere outra NF-e ou uma venda simples."[:500])
        self.record(InvoiceCancelledElsewhere(order=order, actor=actor, code=code, reason=reason[:300],
                                              **self._ids()))
        return True

    def sefaz_check_asked(self, retry_at: datetime, claimed_at: datetime | None = None) -> bool:
        """The worker enqueues its query by key: the next rounds leave it out until `retry_at` (a task still in the
        queue, or still asking SEFAZ, is not enqueued again; one lost with its worker is asked again then).
        `claimed_at`: a round's claim, refused when another round claimed it meanwhile (its due time is ahead)."""
        if self.status is not InvoiceStatus.AUTHORISED or self.sefaz_check_due_at is None:
            return False   # settled meanwhile (cancelled here)
        if claimed_at is not None and self.sefaz_check_due_at > claimed_at:
            return False   # two rounds at once (PostgreSQL): the same key asked twice is SEFAZ's 656
        self.sefaz_check_due_at = retry_at
        return True

    def sefaz_checked(self, when: datetime) -> None:
        """Asked by key at `when` (SEFAZ holds it authorised, or refused the query): asked again after the next
        deadline still ahead, if any."""
        if self.status is not InvoiceStatus.AUTHORISED:
            return
        if self.authorised_at is None:   # no time to count the deadlines from
            self.sefaz_check_due_at = None
            return
        later = [self.authorised_at + after for after in SEFAZ_CHECKS if self.authorised_at + after > when]
        self.sefaz_check_due_at = later[0] if later else None

    def sefaz_confirmed(self, order, when: datetime) -> None:
        """SEFAZ holds it authorised: asked again after the next deadline, if any, and what an earlier query that
        did not confirm it asked of a person is dealt with."""
        self.sefaz_checked(when)
        self._settled(order, NOT_CONFIRMED)

    def sefaz_not_confirmed(self, order, words: str) -> None:
        """A query by key did not say it still stands (SEFAZ does not know it, refused the query, or never
        answered): nothing is undone, a person looks. The reason goes once SEFAZ confirms it."""
        order.ask_for_a_person(f"{self.about(NOT_CONFIRMED)}: {words}"[:500])

    def sefaz_check_ended(self) -> None:
        """No more queries about it: SEFAZ does not know the key (a person was asked to see), or the SEFAZ now
        configured cannot (the simulator's NF-e, asked at the real one)."""
        self.sefaz_check_due_at = None

    def found_cancelled_at_sefaz(self, order, actor: Who, code: str, reason: str, cancellation: SefazRecord,
                                 justification: str | None, recorded_at: datetime) -> bool:
        """Authorised here, SEFAZ holds it cancelled (asked by key once the deadlines passed): a cancellation
        lojasync never sent (another program with the certificate, the SEFAZ portal). Recorded as a cancellation:
        the handlers return the stock and cancel the open receivables (a received one is flagged), and the order
        asks a person to look, since the sale may still need its NF-e. False unless it was authorised here with no
        cancellation requested (one in flight is the requester's, which `settle_cancellation` records)."""
        if self.status is not InvoiceStatus.AUTHORISED or self.cancel_requested_at is not None:
            return False
        justification = (justification or f"Cancelada fora do lojasync (a SEFAZ informou {code} - {reason})")[:255]
        protocol, event_xml, when = cancellation
        self.cancel(order, actor, protocol, justification, event_xml, when or recorded_at, recorded_at=recorded_at)
        self.found_cancelled = True
        order.ask_for_a_person(f"{self.label}: autorizada aqui, foi cancelada na SEFAZ fora do lojasync ({code} - "
                               f"{reason}). O estoque voltou e as contas a receber em aberto foram canceladas. "
                               "Confira a chave no portal da SEFAZ; se a venda continuar, gere outra NF-e ou uma "
                               "venda simples."[:500])
        self.record(InvoiceFoundCancelled(order=order, actor=actor, code=code, reason=reason[:300], **self._ids()))
        return True

    def cancel_requested(self, actor: Who, reason: str, when: datetime) -> None:
        """About to send the cancellation event: from now on, should its answer never be recorded (a process
        killed, an answer lost), the worker asks SEFAZ by key and records what SEFAZ holds."""
        self._refuse_unless({InvoiceStatus.AUTHORISED}, "cancelar")
        self.cancel_requested_at, self.cancel_reason = when, reason[:255]
        self.cancel_requested_by, self.cancel_requested_by_name = actor.value, actor_name(actor)
        self.cancel_asked_at = self.cancel_refusal = None
        self._send_begins(when)

    def cancel_sending(self, requested_at: datetime, when: datetime) -> bool:
        """The worker is about to send the pending request (SEFAZ, asked by key, never got it): from now until its
        outcome is known, it may reach SEFAZ. False when that request was settled or replaced meanwhile."""
        if self.status is not InvoiceStatus.AUTHORISED or self.cancel_requested_at != requested_at:
            return False
        self._send_begins(when)
        return True

    def _send_begins(self, when: datetime) -> None:
        self.cancel_sends = [*(self.cancel_sends or []), when.isoformat()]   # a new list: the JSON column sees it

    def cancel_not_received(self, began: datetime) -> None:
        """The send begun at `began` is known not to be at SEFAZ (no connection, out of service, refused with a code);
        the other sends stay as they are."""
        sends = list(self.cancel_sends or [])
        if began.isoformat() in sends:
            sends.remove(began.isoformat())   # one: another send begun at the same instant is another send
            self.cancel_sends = sends

    def cancel_sends_never_arrived(self, before: datetime) -> None:
        """SEFAZ, asked by key, holds the NF-e authorised: the sends begun before `before` (a sending window before
        the question: ended by then) never got there."""
        self.cancel_sends = [send for send in self.cancel_sends or [] if datetime.fromisoformat(send) >= before]

    def cancel_send_since(self, moment: datetime) -> bool:
        """Whether a send of the request with no known outcome began after `moment` (it may be on its way)."""
        return any(datetime.fromisoformat(send) > moment for send in self.cancel_sends or [])

    @property
    def cancel_withdrawable(self) -> bool:
        """A pending request no send of which can be at SEFAZ (see `cancel_sends`)."""
        return (self.status is InvoiceStatus.AUTHORISED and self.cancel_requested_at is not None
                and not self.cancel_sends)

    def withdraw_cancel(self, order, actor: Who) -> bool:
        """A person takes back the pending request before it goes (the wrong NF-e, cancelled while SEFAZ was down):
        cleared, with what the order was flagged for about it, and said in the history. False when nothing is
        pending (a double click: settled already); refused while a send may have reached SEFAZ."""
        if self.status is not InvoiceStatus.AUTHORISED or self.cancel_requested_at is None:
            return False
        if self.cancel_sends:
            raise CancellationMayBeAtSefaz(number=self.number)
        justification = self.cancel_reason or ""
        self._cancel_request_over()
        self._settled(order, NOT_CANCELLED)
        self.record(InvoiceCancellationWithdrawn(order=order, actor=actor, justification=justification,
                                                 **self._ids()))
        return True

    def cancel_asking(self, when: datetime, asked_before: datetime | None = None) -> bool:
        """The worker enqueues a query by key about the pending cancellation: left out of its next rounds for the
        sending window (as an NF-e awaiting SEFAZ is by `sent_at`), so it is neither queued nor asked twice.
        `asked_before`: refused when another round asked since (two rounds at once, PostgreSQL: SEFAZ's 656)."""
        if self.status is not InvoiceStatus.AUTHORISED or self.cancel_requested_at is None:
            return False   # settled meanwhile
        if asked_before is not None and self.cancel_asked_at is not None and self.cancel_asked_at > asked_before:
            return False
        self.cancel_asked_at = when
        return True

    @property
    def cancel_requester(self) -> Who:
        """Who requested the pending cancellation (the worker records it in their name)."""
        if self.cancel_requested_by_name:
            return Person(self.cancel_requested_by_name)
        try:
            return Actor(self.cancel_requested_by or Actor.SYSTEM.value)
        except ValueError:
            return Actor.SYSTEM

    def cancel_refused(self, requested_at: datetime | None = None, order=None, problem: str | None = None) -> bool:
        """SEFAZ answered the cancellation with a code and registered nothing: no longer pending. With
        `requested_at`, only that request is cleared (a newer one, by another hand, stays). With the `order`, what
        the worker said of the request while it could not ask SEFAZ goes too (nothing is pending any more), and the
        order's history says who asked, why, and the `problem` that stopped it."""
        if self.cancel_requested_at is None or requested_at not in (None, self.cancel_requested_at):
            return False
        requester, justification = self.cancel_requester, self.cancel_reason or ""
        self._cancel_request_over()
        if order is not None:
            self._settled(order, NOT_CANCELLED)
            if problem:
                self.cancel_send_refused(order, requester, justification, problem)
        return True

    def queued_cancel_refused(self, requested_at: datetime, order, problem: str, advice: str) -> bool:
        """The worker sent the pending request, and SEFAZ refused it with a code: cleared as `cancel_refused` clears
        one, and the order asks a person, since nobody was there to read the refusal. False when that request was
        settled meanwhile."""
        if not self.cancel_refused(requested_at, order, problem):
            return False
        order.ask_for_a_person(f"{self.about(NOT_CANCELLED)}: a SEFAZ recusou o cancelamento pedido, enviado pelo "
                               f"lojasync quando ela voltou a responder. {problem} {advice}".strip()[:500])
        return True

    def cancel_send_refused(self, order, actor: Who, justification: str, problem: str) -> None:
        """One send of the cancellation SEFAZ did not register, said in the order's history: who asked, why, what
        stopped it. The request is the caller's to clear (`cancel_refused`) or keep (an earlier one, whose answer
        was lost, may still be registered)."""
        self.record(InvoiceCancellationRefused(order=order, actor=actor, justification=justification,
                                               problem=problem[:500], **self._ids()))

    def cancel_queued(self, order, problem: str) -> bool:
        """The pending request could not go now (SEFAZ never reached, or out of service): it stays, for the worker
        to send when SEFAZ answers; the order's history says so, in the name of who asked. False when the request
        was settled meanwhile."""
        if self.status is not InvoiceStatus.AUTHORISED or self.cancel_requested_at is None:
            return False
        self.record(InvoiceCancellationQueued(order=order, actor=self.cancel_requester,
                                              justification=self.cancel_reason or "", problem=problem[:500],
                                              **self._ids()))
        return True

    def cancel_unsettled(self, order, why: str) -> bool:
        """The worker cannot ask SEFAZ about the pending cancellation (its query refused, the certificate gone):
        retrying alone will not help, so the order asks a person (once; the next rounds ask again). Returns
        whether the order's attention is new."""
        reason = (f"{self.about(NOT_CANCELLED)}: o cancelamento pedido ainda não pôde ser conferido na SEFAZ "
                  f"({why}). Confira a UF, o ambiente e o certificado digital da empresa; o lojasync consulta de "
                  "novo a cada 5 minutos. Se continuar, consulte a chave de acesso no portal da SEFAZ.")
        return order.ask_for_a_person(reason[:500])

    def unanswered(self, order, actor: Who, reason: str) -> None:
        """A transmission got no answer: still awaiting SEFAZ (the worker asks by key after the sending window);
        the order's history says so, where it still read "gerada (ainda não transmitida)"."""
        if self.status is InvoiceStatus.AWAITING:
            self.record(InvoiceUnanswered(order=order, actor=actor, reason=reason[:300], **self._ids()))

    def _cancel_request_over(self) -> None:
        self.cancel_requested_at = self.cancel_reason = self.cancel_asked_at = self.cancel_sends = None
        self.cancel_refusal = None
        self.cancel_requested_by = self.cancel_requested_by_name = None

    def discard(self, order, actor: Who, when: datetime, reason: str | None = None) -> None:
        """Give up a document SEFAZ never authorised (pending or rejected): nothing moved, and its number stays
        unused (the history says so: it is to be inutilizado at SEFAZ). `reason`: why, as the person gave it
        (kept as the justification a cancellation keeps; SEFAZ never sees it, so no length rule, but it must say
        something: a letter or a digit, not blanks or invisible characters)."""
        self._refuse_unless({InvoiceStatus.PENDING, InvoiceStatus.REJECTED}, "descartar")
        justification = " ".join(clean_text(reason or "").split())[:255]
        if not any(c.isalnum() for c in justification):
            raise DiscardNeedsReason(number=self.number)
        self.status = InvoiceStatus.DISCARDED
        self.cancelled_at = when
        self.cancel_justification = justification
        self._settled(order, NOT_SENT, STUCK)   # what the order was flagged for about it is dealt with
        self._never_issued_after_erasure(order)
        self.record(InvoiceDiscarded(order=order, actor=actor, reason=self.cancel_justification,
                                     taken_at_sefaz=self.number_taken_at_sefaz,
                                     spent_by=self.rejection_code if self.number_taken_at_sefaz else None,
                                     **self._ids()))

    def _never_issued_after_erasure(self, order) -> None:
        """Rejected, discarded or made pending again after the buyer's data was erased (LGPD): not a fiscal document,
        its signed XML names the buyer for nothing, and goes as it went for the NF-e in those states at the erasure
        (`fiscal.personal_data`; review: one pending at the erasure, discarded after, kept the CPF and e-mail)."""
        if order is not None and order.personal_data_erased:
            self.forget_xml()

    @property
    def issuer(self) -> tuple[str, str] | None:
        """(cUF, CNPJ) its access key names: whoever issued it, whatever the company says now (its CNPJ may have
        moved to a branch, its UF changed); None before it has a key."""
        return (self.access_key[:2], self.access_key[6:20]) if self.access_key else None

    @property
    def number_taken_at_sefaz(self) -> bool:
        """Rejected with 539 or 206: SEFAZ holds this number under another key (a restored backup, another program on
        the series), or has it voided. Discarded, its number is no gap to void (SEFAZ would refuse it): it stays
        used."""
        return self.status in (InvoiceStatus.REJECTED, InvoiceStatus.DISCARDED) and \
            self.rejection_code in NUMBER_SPENT_AT_SEFAZ

    def number_voided(self, order, actor: Who, protocol: str | None, simulated: bool) -> None:
        """Its number (it was discarded) was voided at SEFAZ: the order's history says the gap is closed."""
        self._refuse_unless({InvoiceStatus.DISCARDED}, "inutilizar o número de")
        self.record(InvoiceNumberVoided(order=order, actor=actor, protocol=protocol, simulated=simulated,
                                        **self._ids()))

    def _refuse_unless(self, allowed: set[InvoiceStatus], action: str) -> None:
        if self.status not in allowed:
            raise DocumentStateRefused(document="NF-e nº", number=self.number, status=self.status.label, what=action)
