"""Invoicing many orders in one run (Black Friday's morning after): each order in its own transactions, a
failure named and the run going on, a summary of what was authorised and what was not, and why.

Once SEFAZ fails to decide (no answer, not its answer, out of service), the rest are only generated and left
pending: each send would wait for the timeout (200 orders x 60 s held a web request for hours), and an NF-e
sent blind to a SEFAZ that is down only piles up "aguardando SEFAZ". The summary names them, to transmit later."""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from lojasync.fiscal.documents import DocumentKind
from lojasync.fiscal.errors import OrderAlreadyProcessing, SefazNotDecided
from lojasync.fiscal.invoices import InvoiceStatus
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.sefaz.errors import SefazConfigurationError, SefazInvalidAnswer, SefazUnreachable
from lojasync.fiscal.sefaz_outcomes import outcome_of
from lojasync.fiscal.services.company import SecretBox, ensure_ready_to_issue
from lojasync.fiscal.services.invoices import (
    DECISIONS,
    SENDING_WINDOW,
    WAITED_TOO_LONG,
    ReadyToSend,
    Sefaz,
    being_sent,
    generate_invoice,
    in_flight,
    keep_unsent,
    prepare_invoice,
    prepare_invoices,
    prepare_pending,
    record_answer,
    record_decisions,
    resume_sending,
    sendable_again,
    transmit_invoice,
)
from lojasync.fiscal.services.views import InvoiceView, ListedOrder, invoice_view
from lojasync.sales.history import Actor, Who
from lojasync.sales.status import OrderStatus
from lojasync.shared.errors import LojasyncError

log = logging.getLogger("lojasync.fiscal")
ORDER_HAS_DOCUMENT = OrderAlreadyProcessing.code

UNEXPECTED = "fiscal.batch_unexpected"
UNEXPECTED_RESOLUTION = ("Tente de novo este pedido; se o erro voltar, avise quem mantém o lojasync, com a "
                         "referência (o detalhe técnico foi gravado {where}).")
# SEFAZ itself gave no decision, or refused to talk (the certificate): the next orders would meet the same SEFAZ.
SEFAZ_DOWN = (SefazUnreachable, SefazInvalidAnswer, SefazNotDecided, SefazConfigurationError)
# A batch run in the background with no news for this long is taken for stopped (its process was killed or
# restarted; it beats every 20 s, batch_reports.HEARTBEAT): its page says so, and its orders are free for another run.
STALLED = timedelta(minutes=2)
# "Fora do ar" alone would be wrong for a lone timeout: SEFAZ may be up and have not answered this once; nor is
# "não respondeu" the whole of it: an answer with no decision (105 lote em processamento, 656) stops the batch too
# (review: it was told as SEFAZ silent or down).
NOT_SENT = "não transmitida: a SEFAZ não respondeu ou não decidiu (ou está fora do ar), transmita depois"
STOPPED_BEFORE_SENDING = "não transmitida: o lote parou antes de enviá-la à SEFAZ; transmita depois"
# An NF-e sent before without an answer, taken by the run again and held back: it stays awaiting SEFAZ, to be asked
# about by key before any send (review: it was counted both as awaiting SEFAZ and as "geradas e pendentes").
STILL_AWAITING = ("não transmitida de novo: continua aguardando a SEFAZ, que será consultada pela chave antes de "
                  "qualquer novo envio (o worker faz isso sozinho)")
# The codes of an NF-e left unsent (`BatchItem.why`), as the API's `codigo` and the CLI's `error_code` give them.
NOT_SENT_CODE = "fiscal.not_sent_sefaz_down"
STOPPED_CODE = "batch.stopped_before_sending"
STILL_AWAITING_CODE = "fiscal.still_awaiting_sefaz"
NOT_SENT_TO_FIX_CODE = "fiscal.not_sent_to_fix"
_SEND_LATER = "Transmita depois: lojasync invoices approve ID, ou o botão Transmitir da página da NF-e."
# How many orders one web request (the page's "Gerar NF-e em lote", the API) invoices: each is generated and
# transmitted while the caller waits.
BATCH_LIMIT = 200
# Where an unexpected error's detail goes (a bug: its traceback and a reference): the process's log by default; the
# terminal gives its own (the data folder's lojasync-erros.log), so that the screen shows one line per order.
BugReport = Callable[[Exception, str, int], str]


def log_bug(exc: Exception, reference: str, order_number: int) -> str:
    log.error("invoicing an order failed", exc_info=exc, extra={"reference": reference, "order_number": order_number})
    return "no log do lojasync"


@dataclass(frozen=True)
class Refusal:
    """The error that kept an order from an authorised NF-e, as it was raised: code, message, resolution."""

    code: str
    message: str
    resolution: str
    terminal: tuple[str, ...] = ()   # the commands that fix it from the terminal (the CLI prints them)
    retryable: bool = False          # trying again later may work (SEFAZ out of service): nothing to fix
    # The order's document that stands, when that is the refusal (ORDER_HAS_DOCUMENT): ("nfe" or
    # "simple_sale", its id), so a batch run again points at each NF-e it did not make again.
    document: tuple[str, int] | None = None
    # What is missing, one item each, when that is the refusal (DocumentNotPossible): as the order's own call lists it.
    problems: tuple[str, ...] = ()
    # ORDER_HAS_DOCUMENT: whether that document stands for the sale (authorised, awaiting SEFAZ, a confirmed sale)
    # or is in the way (a rejected NF-e, a pending sale), see `BatchReport.already_done`.
    settled: bool = True
    # The resolution leaves the rest to a worker (`LojasyncError.left_to_worker`): the API's rows and the batch's
    # page say when none is running, as every error answer does (the last notes: the rows were copies without it).
    left_to_worker: bool = False


@dataclass(frozen=True)
class BatchItem:
    order_number: int
    invoice: InvoiceView | None     # the NF-e this run made; None when it could not even be generated
    error: str | None = None        # why it is not authorised (generation refused, SEFAZ's rejection...)
    not_sent: bool = False          # left pending, not transmitted: SEFAZ had failed earlier in the batch
    refusal: Refusal | None = None  # the error behind `error` (None for SEFAZ's rejection: see the invoice)

    @property
    def waits_for_worker(self) -> bool:
        """Its NF-e is still awaiting SEFAZ and what settles it is a worker's (`Refusal.left_to_worker`): a kept
        batch shows each NF-e as it is now, and one settled since waits for nothing."""
        why = self.why
        return why is not None and why.left_to_worker and (self.invoice is None
                                                            or self.invoice.status == "awaiting_sefaz")

    @property
    def why(self) -> Refusal | None:
        """`refusal`, or, for an NF-e left unsent, why, with a code a script can switch on (review: the API's
        `error` and the CLI's `error_code` were null for them, so SEFAZ down, wait, could not be told from a
        certificate SEFAZ refused, fix it)."""
        if self.refusal is not None or not self.not_sent or self.error is None:
            return self.refusal
        if self.error == NOT_SENT:
            return Refusal(NOT_SENT_CODE, self.error, _SEND_LATER, retryable=True)
        if self.error == STOPPED_BEFORE_SENDING:
            return Refusal(STOPPED_CODE, self.error, _SEND_LATER, retryable=True)
        if self.error == STILL_AWAITING:
            return Refusal(STILL_AWAITING_CODE, self.error, "Nada a fazer: a consulta pela chave decide se ela foi "
                           "autorizada; para pedi-la agora, lojasync invoices approve ID, ou o botão Transmitir da "
                           "página da NF-e.", retryable=True, left_to_worker=True)
        return Refusal(NOT_SENT_TO_FIX_CODE, self.error, "Corrija o que a mensagem diz e transmita depois: "
                       "lojasync invoices approve ID, ou o botão Transmitir da página da NF-e.")


@dataclass
class BatchReport:
    items: list[BatchItem] = field(default_factory=list)

    @property
    def authorised(self) -> list[BatchItem]:
        return [i for i in self.items if i.invoice is not None and i.invoice.status == "authorised"]

    @property
    def not_authorised(self) -> list[BatchItem]:
        return [i for i in self.items if i.invoice is None or i.invoice.status != "authorised"]

    @property
    def had_document(self) -> list[BatchItem]:
        """Refused because the order already had an NF-e or a sale (a batch run again, a form sent twice): nothing
        was done to them, and nothing went wrong."""
        return [i for i in self.not_authorised if i.refusal is not None and i.refusal.code == ORDER_HAS_DOCUMENT]

    @property
    def already_done(self) -> list[BatchItem]:
        """Of `had_document`, those whose document stands for the sale (authorised, awaiting SEFAZ's decision, a
        confirmed sale): the order is done. A rejected NF-e or a pending sale is not (review: a run again over orders
        whose NF-e SEFAZ had rejected ended in exit 0, "nothing went wrong")."""
        return [i for i in self.had_document if i.refusal.settled]

    @property
    def failed(self) -> list[BatchItem]:
        """Not authorised, for a reason of their own (refused, rejected, SEFAZ silent, an earlier document that does
        not stand...): what needs a person."""
        done = {id(i) for i in self.already_done}
        return [i for i in self.not_authorised if id(i) not in done]

    @property
    def rejected(self) -> list[BatchItem]:
        """SEFAZ refused the NF-e (its code and reason on it): corrected, it can be transmitted again."""
        return [i for i in self.items if i.invoice is not None and i.invoice.status == "rejected"]

    @property
    def not_generated(self) -> list[BatchItem]:
        """Orders that got no NF-e from this run (refused before generation, or already with a document)."""
        return [i for i in self.items if i.invoice is None]

    @property
    def denied(self) -> list[BatchItem]:
        """Uso denegado: SEFAZ registered the NF-e and refused its use (its number is spent); not a success."""
        return [i for i in self.items if i.invoice is not None and i.invoice.status == "denied"]

    @property
    def not_sent(self) -> list[BatchItem]:
        """NF-e generated and not transmitted (SEFAZ down, its TLS refusing the certificate, the run stopped): transmit
        them later (NF-e page or `invoices approve`); each item's `error` says why. Not one held back still awaiting
        SEFAZ (`STILL_AWAITING`): that one is awaiting SEFAZ, and counted so (review: the API counted it twice)."""
        return [i for i in self.items if i.not_sent and i.error != STILL_AWAITING]

    @property
    def not_sent_sefaz_down(self) -> list[BatchItem]:
        """Those left unsent because SEFAZ did not answer (or was out of service): waiting for it is the way."""
        return [i for i in self.not_sent if i.error == NOT_SENT]

    @property
    def not_sent_to_fix(self) -> list[BatchItem]:
        """Those left unsent because SEFAZ refused the connection for a reason here (the certificate, the trusted
        authorities): waiting fixes nothing (review: the summary said SEFAZ was down, and to wait)."""
        return [i for i in self.not_sent if i.error not in (NOT_SENT, STOPPED_BEFORE_SENDING)]


def _unsent_why(invoice: InvoiceView, not_sent: str) -> str:
    """Why an NF-e the run holds back is not transmitted: `not_sent`, or, for one awaiting SEFAZ with no send in flight
    (asked by key before any send), that it still is (review: it was also said as "geradas e pendentes")."""
    return STILL_AWAITING if invoice.status == "awaiting_sefaz" else not_sent


def orders_to_invoice(uow: ProcessingUnitOfWork, status: OrderStatus, with_pending: bool = False,
                      now: datetime | None = None, placed_from: datetime | None = None) -> list[int]:
    """The orders in `status` that never had an NF-e or a sale (oldest first); a discarded NF-e, which moved
    nothing, does not count. An order whose NF-e or sale was cancelled (or denied) while the store still says
    paid is left to a person, who invoices it again by its number if the sale still stands: picked by status,
    it would have its stock issued and its receivables created a second time.
    `with_pending`: also those whose NF-e was only generated (pending, never sent: an earlier run's, SEFAZ down),
    which a run that transmits sends (`invoice_orders`) instead of listing them for a person to send one by one.
    The orders of a batch still running (the back office's, or the API's in the background) are left to it: picked
    again, a second run reached them first or found them done, and an integrator following "remaining" kept being
    given the same orders while the rest waited (review); `held_by_running_batches` names them.
    `placed_from`: only the orders placed then or later. A store connected with its history brings every order it
    ever had, those the previous ERP invoiced too, confirmed and without a document here (review: a run by status
    on the first day issued a second NF-e of each)."""
    undocumented, running = _undocumented(uow, status, with_pending, now, placed_from)
    return [number for number in undocumented if number not in running]


def _undocumented(uow: ProcessingUnitOfWork, status: OrderStatus, with_pending: bool, now: datetime | None,
                  placed_from: datetime | None = None) -> tuple[list[int], set[int]]:
    """The orders in `status` to invoice (`orders_to_invoice`), and those of the batches still running."""
    moment = now or datetime.now(timezone.utc)
    ignored = (InvoiceStatus.DISCARDED, InvoiceStatus.PENDING) if with_pending else (InvoiceStatus.DISCARDED,)
    with uow:
        running = uow.invoice_batches.unfinished_orders(moment - STALLED)
        # A run that transmits also takes the NF-e awaiting SEFAZ that no send holds (`prepare_pending`).
        return uow.documents.undocumented_orders(
            status, ignored, awaiting_sent_before=moment - SENDING_WINDOW if with_pending else None,
            placed_from=placed_from), running


def held_by_running_batches(uow: ProcessingUnitOfWork, status: OrderStatus, with_pending: bool = False,
                            now: datetime | None = None, placed_from: datetime | None = None) -> list[int]:
    """The orders `orders_to_invoice` leaves to a batch still running (the back office's, the API's in the
    background): said by a run by status, which would otherwise say nothing of them (review: "Nenhum pedido
    confirmado sem NF-e", exit 0, while confirmed orders still had none)."""
    undocumented, running = _undocumented(uow, status, with_pending, now, placed_from)
    return [number for number in undocumented if number in running]


def awaiting_in(uow: ProcessingUnitOfWork, status: OrderStatus, in_flight_only: bool = False,
                now: datetime | None = None) -> list[InvoiceView]:
    """The NF-e of orders in `status` still awaiting SEFAZ: an earlier run interrupted (killed, SEFAZ silent)
    left them sent without an answer. A run by status that only generates does not take those orders, so it names
    them: SEFAZ is asked about them by key (the worker, a person); they are never sent again blind.
    `in_flight_only`: those sent within the sending window alone, which a run that transmits leaves to their
    sender (it takes the others: `orders_to_invoice(with_pending=True)`)."""
    found = _left_in(uow, status, InvoiceStatus.AWAITING)
    if not in_flight_only:
        return found
    moment = now or datetime.now(timezone.utc)
    return [invoice for invoice in found if in_flight(invoice, moment)]


def unsent_in(uow: ProcessingUnitOfWork, status: OrderStatus, pending: bool = True) -> list[InvoiceView]:
    """The NF-e of orders in `status` generated and never authorised, pending or rejected: what an earlier run
    left when SEFAZ went down (it only generates the rest) or ran with `approve` False, or a rejection.
    No worker sends them and a run by status skips their orders, so it names them, each with its command; a
    chaos run found 41 such NF-e, numbered and silent, their confirmed orders uninvoiced. `pending` False: the
    rejected ones alone (a run that transmits sends the pending ones: `orders_to_invoice(with_pending=True)`)."""
    return _left_in(uow, status, *((InvoiceStatus.PENDING,) if pending else ()), InvoiceStatus.REJECTED)


def _left_in(uow: ProcessingUnitOfWork, status: OrderStatus, *statuses: InvoiceStatus) -> list[InvoiceView]:
    with uow:
        invoices = [invoice for wanted in statuses for invoice in uow.invoices.list(wanted)]
        # Their orders' numbers read at once, in the status asked (scale review: one query per NF-e, 1,500 of them
        # pending on a Black Friday).
        numbers = uow.orders.origin_numbers((i.order_id for i in invoices), status)
        found = [invoice_view(i, ListedOrder(numbers[i.order_id])) for i in invoices if i.order_id in numbers]
        return sorted(found, key=lambda i: (i.series, i.number))


def invoice_orders(uow_factory: Callable[[], ProcessingUnitOfWork], box: SecretBox, sefaz: Sefaz,
                   order_numbers: Iterable[int], *, approve: bool = True, actor: Who = Actor.OPERATOR,
                   progress: Callable[[BatchItem], None] | None = None, parallel: int = 1,
                   report_bug: BugReport = log_bug, stopping: Callable[[int], None] | None = None) -> BatchReport:
    """Generate (and transmit, unless `approve` is False) an NF-e for each order.

    `parallel`: how many NF-e may wait for SEFAZ at once. SEFAZ takes from a fraction of a second to a few
    seconds to answer each one, so a batch of hundreds sent one by one waits minutes for nothing. The NF-e are
    generated here in the orders' order (their numbers follow the orders), up to `parallel` of them ahead, while
    those sent are at SEFAZ, each sent on a thread of its own as a place at SEFAZ frees, and each answer recorded
    here as it comes in. Generated together, a group is numbered and marked as being sent in one transaction, and
    answers in together (SEFAZ's decisions) are recorded in one: each commit of an NF-e about to be sent waits for
    the disk, and the database's work around a transaction costs more than the NF-e's own
    (benchmarks/invoice_throughput.py). A group with an order refused is made again one order at a time, each
    saying its own refusal, the next order taking the refused one's place.
    Once SEFAZ fails to decide, nothing more is sent: those generated ahead are left pending, as the rest, which
    are only generated; the NF-e already on their way settle as any unanswered one.
    A company that cannot issue at all (`CompanyNotReady`) refuses a batch of several orders at once.
    `report_bug`: keeps an unexpected error's detail (a bug) and says where, the order's summary naming its
    reference. `stopping`: told how many NF-e at SEFAZ a stopped batch waits for, to record their answers (up to
    SEFAZ's timeout: a person who sees nothing presses Ctrl+C again, or kills the process)."""
    order_numbers = list(order_numbers)
    if len(order_numbers) > 1:
        # A company that cannot issue would refuse every order alike: said once, before any is touched. One
        # order alone keeps its own refusal, which may say more (it already has a document, it was cancelled).
        ensure_ready_to_issue(uow_factory(), simulated=sefaz.simulated, box=box)
    items: dict[int, BatchItem] = {}
    sending: dict[Future, tuple[int, int, ReadyToSend]] = {}   # transmission -> (position, order number, its NF-e)
    prepared: list[tuple[int, int, ReadyToSend]] = []   # marked as being sent, not sent yet
    places = max(1, parallel)
    # Several authorisations in one transaction lock their products' stock one NF-e after the other: with writers
    # side by side (PostgreSQL), an approval locking the same products in another order would deadlock with it.
    together = uow_factory().writers_one_at_a_time
    sefaz_down = False
    not_sent = NOT_SENT   # why the rest are only generated, once SEFAZ failed

    def finished(position: int, item: BatchItem) -> None:
        items[position] = item
        if progress is not None:
            progress(item)   # always from this thread: a progress bar need not be thread-safe

    def prepare(group: list[tuple[int, int]]) -> None:
        """The group's NF-e ready to send, added to `prepared` as soon as each is committed: in one transaction
        when none is refused, else each in its own. The orders only generated (SEFAZ down, `approve` False) or
        refused are finished here."""
        if approve and not sefaz_down and len(group) > 1:
            try:
                readies = prepare_invoices(uow_factory(), box, sefaz, [number for _, number in group], actor)
            except Exception:   # rolled back, no number taken: each order below says its own
                log.debug("a group of NF-e made one by one", exc_info=True, extra={"orders": len(group)})
            else:
                prepared.extend((position, number, ready)
                                for (position, number), ready in zip(group, readies, strict=True))
                return
        for position, number in group:
            outcome = attempt(number)
            if isinstance(outcome, ReadyToSend):
                prepared.append((position, number, outcome))
            else:
                finished(position, outcome)

    def attempt(number: int) -> ReadyToSend | BatchItem:
        """The order's NF-e prepared to be sent, or only generated: its item then (or its refusal's).

        A failure before the NF-e is prepared made none (preparing is one transaction): an order refused because
        it already has an NF-e does not report that older NF-e as this run's (an authorised one would be counted
        as authorised by this batch). Only generated, the NF-e's view is read after the commit: a failure then
        names the order's NF-e newer than its newest before (read first, off the common path of a batch, which
        sends)."""
        if approve and not sefaz_down:
            try:
                return prepare_invoice(uow_factory(), box, sefaz, number, actor)
            except OrderAlreadyProcessing as exc:
                # Its NF-e only generated (an earlier run's, SEFAZ down then): transmitted now, as the run again
                # that the earlier one's summary asks for is meant to do. Any other document is said as it is.
                return _pending_sent(number, exc)
            except Exception as exc:  # noqa: BLE001 - generation refused or failed: reported, the run goes on
                return _failure(uow_factory, number, None, exc, report_bug)
        before: int | None = None
        try:
            before = _latest_invoice_id(uow_factory(), number)
            invoice = generate_invoice(uow_factory(), box, number, actor, sefaz=sefaz)
            return BatchItem(number, invoice, not_sent, not_sent=True) if approve else BatchItem(number, invoice)
        except OrderAlreadyProcessing as exc:
            nfe = _nfe_of(exc) if approve else None
            if nfe is not None and sendable_again(nfe, datetime.now(timezone.utc)):
                # Its NF-e only generated, and SEFAZ down now: not sent either, said as the others not sent (it was
                # reported as "already had a document", nothing done, and the run's exit read "fix something"). One
                # awaiting SEFAZ with no send in flight stays so, asked by key first: said as such (review).
                return BatchItem(number, nfe, _unsent_why(nfe, not_sent), not_sent=True)
            in_flight_now = _being_sent(number, exc, nfe)
            if in_flight_now is not None:   # sent moments ago, its answer still due: as below, in `_pending_sent`
                return in_flight_now
            # Refused because the order has a document: one made meanwhile by another run is that run's, not ours.
            return _failure(uow_factory, number, None, exc, report_bug)
        except Exception as exc:  # noqa: BLE001 - generation refused or failed: reported, the run goes on
            return _failure(uow_factory, number, _newer_invoice_id(uow_factory, number, before), exc, report_bug)

    def _nfe_of(refused: OrderAlreadyProcessing) -> InvoiceView | None:
        """The order's NF-e the refusal names, as it is now (None when its document is a sale)."""
        invoice_id = _unsent_nfe_of(refused)
        return _invoice_made(uow_factory(), invoice_id) if invoice_id is not None else None

    def _being_sent(number: int, refused: OrderAlreadyProcessing, nfe: InvoiceView | None) -> BatchItem | None:
        """The order's line when the refusal is for its NF-e (`nfe`, as read now) awaiting SEFAZ with a send in flight
        (this command given again, another run, the worker). Still "already has a document" (that NF-e stands for the
        sale: a batch of several counts the order as done, and the run that sent it counts its authorisation, never
        this one: review of a first fix, which named the NF-e here, and a batch page then counted it authorised
        twice), but saying what `invoices approve` says of it, and retryable: its answer is still due, nothing to fix
        (README review: "transmita-a de novo", just done, and exit 1 for the order given alone)."""
        busy = being_sent(nfe, datetime.now(timezone.utc), sefaz) if nfe is not None else None
        if busy is None:
            return None
        return BatchItem(number, None, f"{refused.message} {busy.resolution}",
                         refusal=Refusal(refused.code, refused.message, busy.resolution, refused.terminal_commands,
                                         retryable=True, document=_document_of(refused), settled=True))

    def _pending_sent(number: int, refused: OrderAlreadyProcessing) -> ReadyToSend | BatchItem:
        invoice_id = _unsent_nfe_of(refused)
        if invoice_id is None:
            return _failure(uow_factory, number, None, refused, report_bug)
        try:
            ready = prepare_pending(uow_factory(), box, sefaz, invoice_id, actor)
        except Exception as exc:  # noqa: BLE001 - refused now (the store changed the order...): reported
            return _failure(uow_factory, number, invoice_id, exc, report_bug)
        if ready is not None:
            return ready
        in_flight_now = _being_sent(number, refused, _nfe_of(refused))
        if in_flight_now is not None:
            return in_flight_now
        # No longer pending: another process transmitted (or discarded) it meanwhile. The order is asked for again,
        # so that what it says is what the order has now, not the "pendente, transmita-a" read a moment ago.
        try:
            return prepare_invoice(uow_factory(), box, sefaz, number, actor)
        except Exception as exc:  # noqa: BLE001 - refused (its NF-e, as it is now) or failed: reported
            return _failure(uow_factory, number, None, exc, report_bug)

    def send() -> None:
        """As many prepared NF-e as there are free places at SEFAZ, in their order; those that waited for their
        place (SEFAZ slow) looked at again first (`resume_sending`)."""
        going = prepared[:places - len(sending)]
        if any(time.monotonic() - ready.marked_at > WAITED_TOO_LONG for _, _, ready in going):
            try:
                resumed = resume_sending(uow_factory(), sefaz, [ready for _, _, ready in going])
            except Exception as exc:  # noqa: BLE001 - not sent: they stay awaiting SEFAZ, the worker settles them
                resumed = [exc] * len(going)
            for index, ((position, number, ready), now_ready) in enumerate(zip(going, resumed, strict=True)):
                if isinstance(now_ready, ReadyToSend):
                    prepared[index] = (position, number, now_ready)
                else:
                    prepared[index] = (position, number, None)   # refused, said below in its place
                    finished(position, _failure(uow_factory, number, ready.invoice_id, now_ready, report_bug))
        for _ in going:
            # Off `prepared` first: stopped in between, it stays awaiting SEFAZ (settled by a query by key), never
            # put back to pending while on its way (pending, it would be sent again blind).
            position, number, ready = prepared.pop(0)
            if ready is not None:
                sending[pool.submit(transmit_invoice, uow_factory(), sefaz, ready, actor)] = (position, number, ready)

    def keep() -> None:
        """Prepared while SEFAZ was failing on the group before: not sent, pending as the rest."""
        ready_ones = prepared[:]
        try:
            views = keep_unsent(uow_factory(), [ready for _, _, ready in ready_ones])
        except Exception as exc:  # noqa: BLE001 - they stay awaiting SEFAZ: the worker asks it by key, then sends
            prepared.clear()
            for position, number, ready in ready_ones:
                finished(position, _failure(uow_factory, number, ready.invoice_id, exc, report_bug))
            return
        prepared.clear()
        for (position, number, _), invoice in zip(ready_ones, views, strict=True):
            # One sent before without an answer stays awaiting SEFAZ (`keep_unsent`): said as such, not as pending.
            finished(position, BatchItem(number, invoice, _unsent_why(invoice, not_sent), not_sent=True))

    def record(done: list[Future]) -> None:
        """Record the answers of these NF-e (their transmissions done): SEFAZ's decisions in one transaction, the
        others (and all of them, when that one fails) each in its own."""
        decided = [future for future in done if future.exception() is None and outcome_of(future.result()) in DECISIONS]
        if len(decided) > 1 and together:
            try:
                recorded = record_decisions(uow_factory(), sefaz,
                                            [(sending[future][2], future.result()) for future in decided], actor)
            except Exception:   # rolled back: each recorded below on its own, saying its own failure
                log.debug("SEFAZ's decisions recorded one by one", exc_info=True, extra={"invoices": len(decided)})
                recorded = []
            for future, (invoice, _) in zip(decided, recorded, strict=False):
                position, number, _ = sending.pop(future)
                finished(position, BatchItem(number, invoice, rejection_of(invoice)))
        collect([future for future in done if future in sending])

    def collect(done: Iterable[Future]) -> None:
        nonlocal sefaz_down, not_sent
        for future in done:
            position, number, ready = sending[future]
            try:
                # Recorded on this thread, between two generations, not on the sending one: the two would take
                # turns at the interpreter and at the database's write lock, and the batch ran slower than one
                # NF-e after the other (benchmarks/invoice_throughput.py --parallel).
                invoice, _ = record_answer(uow_factory(), sefaz, ready, future.result(), actor)
                item = BatchItem(number, invoice, rejection_of(invoice))
            except Exception as exc:  # noqa: BLE001 - one order's failure is reported, the run goes on
                if not sefaz_down and isinstance(exc, SefazConfigurationError):   # the certificate, the CAs...
                    said = exc.message.rstrip(".")
                    not_sent = (f"não transmitida: {said[:1].lower()}{said[1:]}; corrija (a resolução está no primeiro "
                                "pedido com este erro) e transmita depois")
                sefaz_down = sefaz_down or isinstance(exc, SEFAZ_DOWN)
                item = _failure(uow_factory, number, ready.invoice_id, exc, report_bug)
            # Only now: a batch stopped while this answer was being recorded (Ctrl+C) records it on its way out.
            # Recording twice is harmless: an NF-e already settled is left as it is.
            del sending[future]
            finished(position, item)

    orders = list(enumerate(order_numbers))
    with ThreadPoolExecutor(max_workers=places, thread_name_prefix="lojasync-nfe") as pool:
        try:
            taken = 0
            while taken < len(orders) or prepared or sending:
                # The next NF-e generated while those sent are at SEFAZ, up to `parallel` of them (a group, in one
                # transaction): an order refused leaves its place to the next one.
                while len(prepared) < places and taken < len(orders):
                    group = orders[taken:taken + places - len(prepared)]
                    taken += len(group)
                    prepare(group)
                    if sefaz_down or not approve:
                        break   # only generated: the answers of those at SEFAZ are recorded between two groups
                # News of SEFAZ before sending more: the answers already in (waiting for one when no place is free),
                # so that SEFAZ never holds more than `parallel` of the batch and nothing is sent once it failed.
                # SEFAZ answering before the next group is generated, as the simulator does, a group goes and is
                # recorded whole; slower, each place is taken as it frees.
                if sending and not prepared and taken == len(orders):
                    wait(sending)   # the last ones: nothing else to do, their answers recorded together
                elif len(sending) >= places:
                    wait(sending, return_when=FIRST_COMPLETED)
                record([future for future in sending if future.done()])
                if sefaz_down and prepared:
                    keep()
                elif prepared:
                    send()
        except BaseException:
            # Stopped (Ctrl+C, a progress bar or a report that failed): the NF-e already at SEFAZ still have their
            # answers recorded, as each did when it recorded its own; else an authorised one waits for the worker.
            # Those prepared and not sent are pending again, reported as not sent (else the stopped batch's page
            # listed their orders as never processed, and running them again found them "already invoiced"); on
            # the pool as the recordings, whose exit waits for them: a second Ctrl+C loses neither.
            left = [(position, number, ready) for position, number, ready in prepared if ready is not None]
            kept = _keep_on_the_way_out(pool, uow_factory, left)
            _record_in_flight(pool, uow_factory, sefaz, sending, actor, finished, stopping, report_bug)
            if kept is not None:
                _report_kept(kept, left, finished)
            raise
    return BatchReport([items[position] for position in sorted(items)])


def _failure(uow_factory: Callable[[], ProcessingUnitOfWork], number: int, invoice_id: int | None,
             exc: Exception, report_bug: BugReport = log_bug) -> BatchItem:
    """Why the order has no authorised NF-e: generation refused (nothing numbered), SEFAZ undecided (the NF-e
    stays awaiting SEFAZ), or an unexpected error (logged in full, named in the summary). `invoice_id`: the
    NF-e this attempt prepared, None when it failed before."""
    made = _invoice_made(uow_factory(), invoice_id)
    if isinstance(exc, LojasyncError):
        return refused_item(number, exc, made)
    reference = secrets.token_hex(4)
    where = report_bug(exc, reference, number)
    return BatchItem(number, made, f"erro inesperado ({type(exc).__name__}), referência {reference}; o detalhe "
                                   f"técnico foi gravado {where}",
                     refusal=Refusal(UNEXPECTED, f"Erro inesperado ({type(exc).__name__}) ao emitir a NF-e do "
                                     f"pedido {number}, referência {reference}.",
                                     UNEXPECTED_RESOLUTION.format(where=where)))


def refused_item(number: int, exc: LojasyncError, made: InvoiceView | None = None) -> BatchItem:
    """The order's line for a refusal (`exc`): also each order's line of a batch refused whole (`CompanyNotReady`),
    for whoever lists every order it gave (`orders invoice --format json`)."""
    return BatchItem(number, made, f"{exc.message} {exc.resolution}".strip(),
                     refusal=Refusal(exc.code, exc.message, exc.resolution, exc.terminal_commands, exc.retryable,
                                     _document_of(exc), tuple(str(p) for p in getattr(exc, "problems", None) or ()),
                                     settled=bool(exc.params.get("settled", True)), left_to_worker=exc.left_to_worker))


def _unsent_nfe_of(refused: OrderAlreadyProcessing) -> int | None:
    """The id of the order's NF-e a refusal names, when it is one not at SEFAZ (pending, perhaps: read it)."""
    document = _document_of(refused)
    if document is None or document[0] != DocumentKind.NFE.value:
        return None
    return document[1]


def _document_of(exc: LojasyncError) -> tuple[str, int] | None:
    kind, document_id = exc.params.get("document_kind"), exc.params.get("document_id")
    if exc.code != ORDER_HAS_DOCUMENT or kind is None or document_id is None:
        return None
    return str(kind), int(document_id)


def rejection_of(invoice: InvoiceView) -> str | None:
    """Why an NF-e of the batch is not authorised, when SEFAZ said why (rejected, denied); None otherwise."""
    if invoice.status == "rejected":
        return f"rejeitada pela SEFAZ: {invoice.rejection_code} - {invoice.rejection_reason}"
    if invoice.status == "denied":
        # Final: the number is spent and the NF-e has no value; the order needs another document.
        return f"denegada pela SEFAZ: {invoice.rejection_code} - {invoice.rejection_reason}"
    return None


def _latest_invoice_id(uow: ProcessingUnitOfWork, order_number: int) -> int:
    with uow:
        invoices = uow.invoices.for_order(order_number)
        return invoices[-1].id if invoices else 0


def _newer_invoice_id(uow_factory: Callable[[], ProcessingUnitOfWork], order_number: int,
                      before: int | None) -> int | None:
    """The order's newest NF-e when it is newer than `before` (None: not even that could be read)."""
    if before is None:
        return None
    try:
        newest = _latest_invoice_id(uow_factory(), order_number)
    except LojasyncError:
        return None   # the database failing: the failure itself is what the item says
    return newest if newest > before else None


def _record_in_flight(pool: ThreadPoolExecutor, uow_factory: Callable[[], ProcessingUnitOfWork], sefaz: Sefaz,
                      sending: dict[Future, tuple[int, int, ReadyToSend]], actor: Who,
                      finished: Callable[[int, BatchItem], None], stopping: Callable[[int], None] | None,
                      report_bug: BugReport = log_bug) -> None:
    """A batch stopping: the answers of the NF-e still on their way are recorded, each on its own, on the pool's
    threads, which the pool's exit waits for whatever happens here: a second Ctrl+C while SEFAZ is awaited stops
    this thread's waiting, not the recordings. Each recorded one is still reported (best effort: the progress may be
    what failed); what cannot be recorded stays awaiting SEFAZ, for the worker's query by key."""
    recordings: dict[Future, tuple[int, int, ReadyToSend]] = {}
    for transmission, (position, number, ready) in sending.items():
        try:
            recordings[pool.submit(_record_late, uow_factory, sefaz, transmission, ready, number, actor)] = \
                (position, number, ready)
        except RuntimeError:   # the pool no longer takes work (the interpreter exiting): recorded here
            _record_late(uow_factory, sefaz, transmission, ready, number, actor)
    if recordings:
        # Said to the person by `stopping`, in their words; the log keeps the count.
        log.info("batch stopped: recording the answers of the NF-e already sent to SEFAZ",
                 extra={"invoices": len(recordings)})
        if stopping is not None:
            with contextlib.suppress(Exception):
                stopping(len(recordings))
    for recording in as_completed(recordings):
        position, number, ready = recordings[recording]
        invoice, failure = recording.result()
        with contextlib.suppress(Exception):
            # Not recorded (SEFAZ silent, the database failing): reported as any order whose NF-e awaits SEFAZ,
            # with what to run; the summary of a stopped batch named only those it recorded.
            finished(position, BatchItem(number, invoice, rejection_of(invoice)) if failure is None
                     else _failure(uow_factory, number, ready.invoice_id, failure, report_bug))


def _keep_on_the_way_out(pool: ThreadPoolExecutor, uow_factory: Callable[[], ProcessingUnitOfWork],
                         left: list[tuple[int, int, ReadyToSend]]) -> Future | None:
    """`keep_unsent` of the NF-e a stopped batch prepared and did not send, on the pool (best effort: else they
    stay awaiting SEFAZ, and the worker asks SEFAZ about them by key, then sends them)."""
    if not left:
        return None
    readies = [ready for _, _, ready in left]
    try:
        return pool.submit(keep_unsent, uow_factory(), readies)
    except RuntimeError:   # the pool no longer takes work (the interpreter exiting): done here
        done: Future = Future()
        try:
            done.set_result(keep_unsent(uow_factory(), readies))
        except Exception as exc:  # noqa: BLE001 - reported as not kept by `_report_kept`
            done.set_exception(exc)
        return done


def _report_kept(kept: Future, left: list[tuple[int, int, ReadyToSend]],
                 finished: Callable[[int, BatchItem], None]) -> None:
    try:
        views = kept.result()
    except Exception:   # not kept: they stay awaiting SEFAZ, for the worker
        log.warning("batch stopped: NF-e prepared and not sent left awaiting SEFAZ", exc_info=True)
        return
    for (position, number, _), invoice in zip(left, views, strict=True):
        with contextlib.suppress(Exception):
            finished(position, BatchItem(number, invoice, STOPPED_BEFORE_SENDING, not_sent=True))


def _record_late(uow_factory: Callable[[], ProcessingUnitOfWork], sefaz: Sefaz, transmission: Future,
                 ready: ReadyToSend, number: int, actor: Who) -> tuple[InvoiceView | None, Exception | None]:
    """The NF-e with its answer recorded, or why it could not be (it stays awaiting SEFAZ, for the worker)."""
    try:
        invoice, _ = record_answer(uow_factory(), sefaz, ready, transmission.result(), actor)
        return invoice, None
    except LojasyncError as exc:   # SEFAZ did not answer, or did not decide: the order's line says it
        log.info("batch stopped: an answer of SEFAZ not recorded", extra={
            "order_number": number, "invoice_id": ready.invoice_id, "error_code": exc.code})
        return None, exc
    except Exception as exc:   # noqa: BLE001 - a bug: kept by the caller's report (`report_bug`), named in its line
        return None, exc


def _invoice_made(uow: ProcessingUnitOfWork, invoice_id: int | None) -> InvoiceView | None:
    """The NF-e this attempt prepared, as it is now (it failed at SEFAZ after it was committed), or None."""
    if invoice_id is None:
        return None
    with uow:
        invoice = uow.invoices.get(invoice_id)
        if invoice is None:
            return None
        return invoice_view(invoice, uow.orders.get(invoice.order_id, lines=False))
