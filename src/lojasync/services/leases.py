"""Per-store leases: one worker at a time reads a store's orders (and spends its API budget)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from lojasync.services.unit_of_work import UnitOfWork

LEASE_SECONDS = 120


def holder_name() -> str:
    """Unique per thread of a process of a machine."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


class Lease:
    def __init__(self, uow_factory, store_id: int, holder: str, seconds: int) -> None:
        self.uow_factory, self.store_id, self.holder, self.seconds = uow_factory, store_id, holder, seconds

    def renew(self) -> bool:
        return _acquire(self.uow_factory(), self.store_id, self.holder, self.seconds)


@contextmanager
def store_lease(uow_factory, store_id: int, holder: str | None = None, seconds: int = LEASE_SECONDS,
                wait_seconds: float = 0.0) -> Iterator[Lease | None]:
    """Yield a Lease, or None when another worker holds the store (after waiting up to wait_seconds)."""
    holder = holder or holder_name()
    deadline = time.monotonic() + wait_seconds
    while not _acquire(uow_factory(), store_id, holder, seconds):
        if time.monotonic() >= deadline:
            yield None
            return
        time.sleep(0.2)
    try:
        yield Lease(uow_factory, store_id, holder, seconds)
    finally:
        with uow_factory() as uow:
            uow.leases.release(store_id, holder)
            uow.commit()


def _acquire(uow: UnitOfWork, store_id: int, holder: str, seconds: int) -> bool:
    now = datetime.now(timezone.utc)
    with uow:
        taken = uow.leases.acquire(store_id, holder, now, now + timedelta(seconds=seconds))
        uow.commit()
        return taken
