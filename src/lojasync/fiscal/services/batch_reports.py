"""A batch of NF-e run from the back office keeps its summary, which then has an address of its own.

Rendered by the form's POST alone, the summary could not be reloaded (the browser offers to send the batch
again, each order then refused as already having its NF-e), bookmarked, or reached again through the
browser's history. Kept instead: what each order got (its NF-e, or why it has none); the page redirects to it.

Shown later, each NF-e is read as it is now: one that was awaiting SEFAZ, or left pending because SEFAZ was
down, may have been authorised since (the worker, a person). Its row then says so rather than repeat the run's
"SEFAZ ainda não decidiu"; what the run said stays for the NF-e that have not changed since, and for the
orders it could not even generate (no NF-e to read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lojasync.fiscal.errors import BatchNotFound
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.services.batch import BatchItem, BatchReport, rejection_of
from lojasync.fiscal.services.views import invoice_view

# Long enough to come back to a Black Friday's batches after the weekend; the NF-e themselves stay forever.
KEPT_FOR = timedelta(days=30)


@dataclass(frozen=True)
class KeptBatch:
    id: int
    run_at: datetime
    run_by: str | None
    back: str                # the list the form was on, with its filters
    report: BatchReport      # each NF-e as it is now
    changed_since: int       # how many of its NF-e changed since the run (authorised later, rejected...)


def keep_batch(uow: ProcessingUnitOfWork, report: BatchReport, run_by: str | None, back: str,
               now: datetime | None = None) -> int:
    """Keep the summary of a batch just run (and forget those older than KEPT_FOR); returns its id."""
    moment = now or datetime.now(timezone.utc)
    items = [{"order": item.order_number, "invoice": item.invoice.id if item.invoice else None,
              "status": item.invoice.status if item.invoice else None, "error": item.error,
              "not_sent": item.not_sent} for item in report.items]
    with uow:
        uow.invoice_batches.forget_before(moment - KEPT_FOR)
        batch_id = uow.invoice_batches.add(run_by, back, items, moment)
        uow.commit()
        return batch_id


def kept_batch(uow: ProcessingUnitOfWork, batch_id: int) -> KeptBatch:
    """A batch's summary, its NF-e as they are now; BatchNotFound when there is none (or it was forgotten)."""
    with uow:
        row = uow.invoice_batches.get(batch_id)
        if row is None:
            raise BatchNotFound(batch_id=batch_id, days=KEPT_FOR.days)
        items, changed = [], 0
        for kept in row["items"]:
            invoice = uow.invoices.get(kept["invoice"]) if kept["invoice"] is not None else None
            if invoice is None:    # the run could not generate it: its reason stays what the run said
                items.append(BatchItem(kept["order"], None, kept["error"]))
                continue
            view = invoice_view(invoice, uow.orders.get(invoice.order_id, lines=False))
            if view.status == kept["status"]:
                items.append(BatchItem(kept["order"], view, kept["error"], not_sent=kept["not_sent"]))
            else:
                changed += 1
                items.append(BatchItem(kept["order"], view, rejection_of(view)))
        return KeptBatch(row["id"], row["created_at"], row["run_by"], row["back"], BatchReport(items), changed)
