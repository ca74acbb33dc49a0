"""A batch of NF-e run from the back office: started by the form, run after its answer, followed at an address
of its own.

Run inside the form's request, a batch of 200 orders at a slow SEFAZ (a second or more each) outlasted a reverse
proxy's timeout, and its summary, rendered by that POST alone, was lost; nor could it be reloaded (the browser
offered to send the batch again) or reached again through the browser's history. Now the form starts the batch
(`start_batch`), the web process runs it (`run_batch`) while the page follows it, and each order's result is
kept as it comes in: its NF-e, or why it has none.

Shown later, each NF-e is read as it is now: one that was awaiting SEFAZ, or left pending because SEFAZ was
down, may have been authorised since (the worker, a person). Its row then says so rather than repeat the run's
"SEFAZ ainda não decidiu"; what the run said stays for the NF-e that have not changed since, and for the
orders it could not even generate (no NF-e to read).

A run whose process stopped (restarted, killed) never finishes its batch: after STALLED without news the page
says the batch stopped, and which orders it did not reach. A run gives news every HEARTBEAT even while one NF-e
waits for a slow SEFAZ (up to a minute), so that STALLED can be short: a restarted server's batch said
"em andamento" for ten minutes. Their NF-e, if one was on its way, settle as any
other left awaiting SEFAZ (the worker asks SEFAZ by key).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lojasync.fiscal.errors import BatchNotFound
from lojasync.fiscal.invoices import Invoice
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.services.batch import STALLED, BatchItem, BatchReport, Refusal, invoice_orders, rejection_of
from lojasync.fiscal.services.company import SecretBox, ensure_ready_to_issue
from lojasync.fiscal.services.invoices import Sefaz
from lojasync.fiscal.services.views import InvoiceView, ListedOrder, invoice_view
from lojasync.sales.history import Who
from lojasync.shared.errors import LojasyncError
from lojasync.shared.utc import aware

log = logging.getLogger("lojasync.fiscal")

# Long enough to come back to a Black Friday's batches after the weekend; the NF-e themselves stay forever.
KEPT_FOR = timedelta(days=30)
# A running batch says it is alive this often, whatever its NF-e are doing (one may wait a minute for SEFAZ:
# invoices.TRANSMISSION_TIME)...
HEARTBEAT = timedelta(seconds=20)
# ...so one with no news for STALLED (batch.py: two minutes) is no longer running (its process stopped). Several
# beats: a database busy for a moment (a beat is then skipped) does not make a running batch look stopped.
# How many batches the list of recent ones shows (each one's page stays reachable by its address).
RECENT = 50


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class KeptBatch:
    id: int
    run_at: datetime
    run_by: str | None
    back: str                # the list the form was on, with its filters
    orders: list[int]        # the orders asked for, in order
    report: BatchReport      # those done so far, each NF-e as it is now
    changed_since: int       # how many of its NF-e changed since the run (authorised later, rejected...)
    running: bool
    stopped: bool            # its run ended before the last order (process stopped, unexpected error)
    problem: str | None      # why, when the run itself said it
    approve: bool = True     # False: it only generates the NF-e (the API's "approve": false)

    @property
    def generated(self) -> list[BatchItem]:
        """Only generating: the orders that got their NF-e (as it is now: transmitted since, perhaps)."""
        return [item for item in self.report.items if item.invoice is not None]

    @property
    def not_generated(self) -> list[BatchItem]:
        """Only generating: the orders refused for a reason of their own (not for having a document already)."""
        return [item for item in self.report.failed if item.invoice is None]

    @property
    def left(self) -> list[int]:
        """The orders the run has not reached (yet, or at all when it stopped)."""
        done = {item.order_number for item in self.report.items}
        return [number for number in self.orders if number not in done]


def start_batch(uow_factory: Callable[[], ProcessingUnitOfWork], order_numbers: list[int], run_by: str | None,
                back: str, now: datetime | None = None, approve: bool = True, simulated: bool = False,
                box: SecretBox | None = None) -> int:
    """Keep a new batch of these orders, to be run by `run_batch` (`approve` False: it only generates; its page and
    its resume say so), and forget those older than KEPT_FOR.
    A company that cannot issue refuses a batch of several orders at once, before it starts (as
    `invoice_orders` would)."""
    if len(order_numbers) > 1:
        # `simulated`: the SEFAZ the run will reach is the simulator (a company in production cannot issue there);
        # `box`: the key the run will open the certificate with.
        ensure_ready_to_issue(uow_factory(), simulated=simulated, box=box)
    moment = now or _now()
    with uow_factory() as uow:
        uow.invoice_batches.forget_before(moment - KEPT_FOR)
        batch_id = uow.invoice_batches.add(run_by, back, list(order_numbers), moment, approve)
        uow.commit()
        return batch_id


def run_batch(uow_factory: Callable[[], ProcessingUnitOfWork], box: SecretBox, sefaz: Sefaz, batch_id: int,
              order_numbers: list[int], actor: Who, parallel: int = 1, now: Callable[[], datetime] = _now,
              approve: bool = True) -> BatchReport:
    """Run a started batch (`invoice_orders`; `approve` False: only generate), keeping each order's result as it
    comes, then mark it finished."""
    def kept(item: BatchItem) -> None:
        try:
            with uow_factory() as uow:
                row = uow.invoice_batches.get(batch_id, for_update=True)
                uow.invoice_batches.update(batch_id, now(), items=[*row["items"], _stored(item)])
                uow.commit()
        except Exception as exc:
            log.warning("batch summary not kept", exc_info=exc, extra={"batch_id": batch_id})

    try:
        with _beating(uow_factory, batch_id, now):
            report = invoice_orders(uow_factory, box, sefaz, order_numbers, approve=approve, actor=actor,
                                    progress=kept, parallel=parallel)
    except LojasyncError as exc:   # the company could no longer issue (its certificate removed meanwhile...)
        _finish(uow_factory, batch_id, now(), f"{exc.message} {exc.resolution}".strip()[:1000])
        raise
    except Exception as exc:
        log.error("batch stopped", exc_info=exc, extra={"batch_id": batch_id})
        _finish(uow_factory, batch_id, now(), f"O lote parou por um erro inesperado ({type(exc).__name__}); o "
                                              "detalhe está no log do lojasync.")
        raise
    _finish(uow_factory, batch_id, now())
    return report


@contextlib.contextmanager
def _beating(uow_factory: Callable[[], ProcessingUnitOfWork], batch_id: int,
             now: Callable[[], datetime]) -> Iterator[None]:
    """While the block runs, the batch's news (`updated_at`) is renewed every HEARTBEAT, from a thread of its own."""
    stop, every = threading.Event(), HEARTBEAT.total_seconds()

    def beat() -> None:
        while not stop.wait(every):
            try:
                with uow_factory() as uow:
                    uow.invoice_batches.update(batch_id, now())
                    uow.commit()
            except Exception as exc:   # the next beat tries again; the batch itself goes on
                log.warning("batch heartbeat not kept", exc_info=exc, extra={"batch_id": batch_id})

    thread = threading.Thread(target=beat, name=f"lojasync-lote-{batch_id}-pulso", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        # A beat still writing only renews `updated_at`: landing after the batch is finished changes nothing.
        thread.join(timeout=5)


def _finish(uow_factory: Callable[[], ProcessingUnitOfWork], batch_id: int, moment: datetime,
            problem: str | None = None) -> None:
    with uow_factory() as uow:
        uow.invoice_batches.update(batch_id, moment, finished_at=moment, problem=problem)
        uow.commit()


def _stored(item: BatchItem) -> dict:
    refusal = item.refusal
    return {"order": item.order_number, "invoice": item.invoice.id if item.invoice else None,
            "status": item.invoice.status if item.invoice else None, "error": item.error, "not_sent": item.not_sent,
            "refusal": [refusal.code, refusal.message, refusal.resolution] if refusal else None,
            "document": list(refusal.document) if refusal and refusal.document else None,
            "problems": list(refusal.problems) if refusal and refusal.problems else None,
            "settled": refusal.settled if refusal else None,
            "left_to_worker": refusal.left_to_worker if refusal else None}


def _refusal(stored: dict) -> Refusal | None:
    kept = stored.get("refusal")
    document = stored.get("document")   # batches kept before it was stored have none
    return Refusal(*kept, document=(document[0], int(document[1])) if document else None,
                   problems=tuple(stored.get("problems") or ()),
                   settled=stored.get("settled") is not False,   # kept before it: as they were
                   left_to_worker=bool(stored.get("left_to_worker"))) if kept else None


@dataclass(frozen=True)
class BatchLine:
    """A batch in the list of recent ones, as its run left it (each NF-e as it is now: on the batch's page)."""

    id: int
    run_at: datetime
    run_by: str | None
    orders: int              # asked for
    done: int                # reached by the run
    authorised: int          # authorised by the run
    running: bool
    stopped: bool
    approve: bool = True     # False: only generated (`authorised` is then none by design)


def recent_batches(uow: ProcessingUnitOfWork, limit: int = RECENT, now: datetime | None = None) -> list[BatchLine]:
    """The newest batches (of the last KEPT_FOR): where the operator finds one again, its page closed."""
    moment = now or _now()
    lines = []
    with uow:
        for row in uow.invoice_batches.recent(limit):
            running, stopped = _state(row, moment)
            # As its page counts them: with the NF-e a stopped run numbered before keeping their lines.
            made = _made_before_stopping(uow, row) if stopped else []
            lines.append(BatchLine(row["id"], row["created_at"], row["run_by"], len(row["orders"]),
                                   len(row["items"]) + len(made),
                                   sum(1 for item in row["items"] if item["status"] == "authorised")
                                   + sum(1 for item in made if item.invoice.status == "authorised"),
                                   running, stopped, row["approve"]))
    return lines


def _state(row: dict, now: datetime) -> tuple[bool, bool]:
    """(running, stopped): running until finished, unless it has had no news for STALLED (its process stopped)."""
    finished = row["finished_at"] is not None
    stalled = not finished and now - row["updated_at"] > STALLED
    return not finished and not stalled, stalled or row["problem"] is not None


def _since(invoice: InvoiceView) -> str | None:
    """What became of an NF-e of the batch that is no longer as the run left it (the page shows it as it is now)."""
    if invoice.status == "cancelled":
        if invoice.cancelled_elsewhere:
            return "cancelada na SEFAZ fora do lojasync (nada se moveu)"
        return ("autorizada pelo lote e cancelada depois na SEFAZ, fora do lojasync" if invoice.found_cancelled
                else "autorizada pelo lote e cancelada depois")
    if invoice.status == "discarded":
        return "descartada depois do lote"
    return None


def _made_before_stopping(uow: ProcessingUnitOfWork, row: dict) -> list[BatchItem]:
    """The NF-e a stopped run numbered (and perhaps sent) for orders it never got to keep a line for: its process
    stopped between the two. Shown as they are now, as the run's own (review: the page listed their orders as never
    processed, and offered a batch of them, after the worker had had them authorised)."""
    reached = {stored["order"] for stored in row["items"]}
    unreached = [number for number in row["orders"] if number not in reached]
    # While it ran: from its start to its last news (its end, when it said why it stopped; else its last beat, the
    # process dying within a HEARTBEAT of it). A batch that resumed its orders starts STALLED after that, and an NF-e
    # made by hand later is not its own either (review: both were claimed).
    started = aware(row["created_at"]).replace(microsecond=0)   # the NF-e's dhEmi is to the second
    ended = aware(row["finished_at"]) if row["finished_at"] is not None else aware(row["updated_at"]) + HEARTBEAT
    ran = {number: document for number, document in uow.documents.active_for_orders(unreached).items()
           if isinstance(document, Invoice) and document.issued_at is not None
           and started <= aware(document.issued_at) <= ended}
    # Their orders' store numbers read at once, as a list of documents reads them (`ListedOrder`).
    origins = uow.orders.origin_numbers(document.order_id for document in ran.values())
    made = []
    for number, document in ran.items():
        view = invoice_view(document, ListedOrder(origins.get(document.order_id)))
        made.append(BatchItem(number, view, rejection_of(view) or _STOPPED_WITH.get(view.status)))
    return made


# What an NF-e numbered by a run that stopped before keeping its line is, when not authorised.
_STOPPED_WITH = {
    "awaiting_sefaz": ("enviada pelo lote antes de ele parar: aguardando a SEFAZ, consultada pela chave sozinha "
                       "(o worker faz isso), sem ser enviada de novo"),
    "pending": ("gerada pelo lote antes de ele parar, não transmitida: transmita-a (botão Transmitir da página da "
                "NF-e, ou lojasync invoices approve ID)"),
}


def kept_batch(uow: ProcessingUnitOfWork, batch_id: int, now: datetime | None = None) -> KeptBatch:
    """A batch as it stands, its NF-e as they are now; BatchNotFound when there is none (or it was forgotten)."""
    with uow:
        row = uow.invoice_batches.get(batch_id)
        if row is None:
            raise BatchNotFound(batch_id=batch_id, days=KEPT_FOR.days)
        items, changed = [], 0
        running, stopped = _state(row, now or _now())
        if stopped:
            items += _made_before_stopping(uow, row)
        for stored in row["items"]:
            invoice = uow.invoices.get(stored["invoice"]) if stored["invoice"] is not None else None
            if invoice is None:    # the run could not generate it: its reason stays what the run said
                items.append(BatchItem(stored["order"], None, stored["error"], refusal=_refusal(stored)))
                continue
            view = invoice_view(invoice, uow.orders.get(invoice.order_id, lines=False))
            if view.status == stored["status"]:
                items.append(BatchItem(stored["order"], view, stored["error"], not_sent=stored["not_sent"],
                                       refusal=_refusal(stored)))
            else:
                changed += 1
                items.append(BatchItem(stored["order"], view, rejection_of(view) or _since(view)))
    # Kept as they came back from SEFAZ (several at once); shown in the order asked, the NF-e numbers' order.
    asked = {number: position for position, number in enumerate(row["orders"])}
    items.sort(key=lambda item: asked.get(item.order_number, len(asked)))
    return KeptBatch(row["id"], row["created_at"], row["run_by"], row["back"], row["orders"], BatchReport(items),
                     changed, running=running, stopped=stopped, problem=row["problem"], approve=row["approve"])
