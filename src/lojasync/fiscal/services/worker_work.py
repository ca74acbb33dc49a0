"""What of the fiscal module only a worker settles: NF-e awaiting SEFAZ (asked about by key), cancellations kept to be
sent, number voids awaiting SEFAZ. The workers' silence (`nuvemshop.services.maintenance.worker_silence`) is said
while any of these waits, with no store connected too (review: after `store disable`, a queued cancellation waited
for a stopped worker and nothing said so)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from lojasync.fiscal.ports import InvoiceRepository, NumberVoidRepository


class _FiscalQueues(Protocol):
    invoices: InvoiceRepository
    number_voids: NumberVoidRepository


def fiscal_work_waiting(uow: _FiscalQueues, before: datetime) -> bool:
    """Inside the caller's transaction: whether such work has waited since `before` with nothing done about it since
    (not sent, not asked about). At most three indexed queries of one row each, read only: /readyz and /metrics
    ask on every probe, and after a long SEFAZ outage thousands may wait (review)."""
    return bool(uow.invoices.awaiting_to_settle(before, limit=1)
                or uow.invoices.cancellations_requested(before, limit=1)
                or uow.number_voids.any_sent_before(before))


def left_to_worker(invoice, voids: Iterable = ()) -> bool:
    """Whether what the NF-e waits for is a worker's to do by itself: its query by key (awaiting SEFAZ), its kept
    cancellation's send, or its discarded number's void request sent again (`voids`: those covering it; one flagged
    for a person is not the worker's). What `invoices show` and the NF-e's page say no worker is running for."""
    return invoice.status == "awaiting_sefaz" or invoice.cancel_requested_at is not None or any(
        void.status == "requested" and not void.attention for void in voids)
