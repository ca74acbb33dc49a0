"""One drain retry per store at a time.

A drain that fails (the store's API down, 429s, a bug) is retried later, waiting longer each time. Every other
trigger meanwhile (each webhook, each housekeeping round) started a drain of its own, which failed and began a
retry chain of its own: an hour of outage left 60 chains hammering a failing API and filling the worker threads
(review). A failed drain now schedules its retry only when the store has none pending, and the other triggers
skip a store while its retry waits: that retry drains whatever arrived meanwhile (a drain takes every pending
event). The marker is a row of `periodic_runs` named after the store, holding the retry's time; a retry lost
with its worker (a killed process, a flushed queue) only delays the store until the next housekeeping round after
that time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from lojasync.nuvemshop.ports import ConnectorUnitOfWork

_PREFIX = "drain-retry:"


def _name(store_id: int) -> str:
    return f"{_PREFIX}{store_id}"


def claim_drain_retry(uow: ConnectorUnitOfWork, store_id: int, now: datetime, delay: timedelta) -> bool:
    """Whether this failed drain schedules the store's retry, `delay` from `now`: False when one is pending."""
    with uow:
        mine = uow.periodic_runs.claim_round(_name(store_id), now + delay, now)
        uow.commit()
        return mine


def drain_retry_pending(uow: ConnectorUnitOfWork, store_id: int, now: datetime) -> bool:
    """Whether a retry of this store's drain is scheduled after `now` (a trigger then leaves it to that retry)."""
    with uow:
        due = uow.periodic_runs.last_run(_name(store_id))
        return due is not None and due > now
