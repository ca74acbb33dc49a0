"""Per-store leases: one worker at a time reads a store's orders (and spends its API budget)."""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.shared.numbers import ascii_digits

LEASE_SECONDS = 120


@functools.cache
def _machine() -> str:
    """Containers may share a hostname while their PIDs live in separate namespaces: the boot id and
    the PID namespace make "this machine" exact, so a live lease elsewhere is never taken for dead."""
    parts = [socket.gethostname()]
    with contextlib.suppress(OSError), open("/proc/sys/kernel/random/boot_id") as boot_id:
        parts.append(boot_id.read().strip()[:8])
    with contextlib.suppress(OSError):
        parts.append(str(os.stat("/proc/self/ns/pid").st_ino))
    return "/".join(parts)[:70].replace(":", "_")


def holder_name() -> str:
    """Unique per thread of a process of a machine."""
    return f"{_machine()}:{os.getpid()}:{threading.get_ident()}"[:100]


# A sync's lease says so in its holder's name: the drain of notifications and the push of updates take the same
# lease, and the Integração page took any of them, after an interrupted sync, for that sync running again (review).
_SYNCING = ":sync"


def sync_holder_name() -> str:
    """`holder_name` of a sync (`syncing` tells it from the others)."""
    return _as_sync(holder_name())


def _as_sync(holder: str) -> str:
    return holder if syncing(holder) else f"{holder[:100 - len(_SYNCING)]}{_SYNCING}"


def syncing(holder: str | None) -> bool:
    """Whether this lease's holder is a sync (not a drain, a push, a store's removal)."""
    return holder is not None and holder.endswith(_SYNCING)


class Lease:
    """Held between transactions: renewing it opens a transaction of its own on the same unit of work."""

    def __init__(self, uow: ConnectorUnitOfWork, store_id: int, holder: str, seconds: int) -> None:
        self.uow, self.store_id, self.holder, self.seconds = uow, store_id, holder, seconds

    def renew(self) -> bool:
        """Extend the lease while this worker still holds it. Once another worker took it (this one's expired
        during a long call), even if that one released it since, False: the holder stops, and what it read
        before may be older than what the other wrote (taking the lease again would carry on with it)."""
        with self.uow as uow:
            kept = uow.leases.extend(self.store_id, self.holder,
                                     datetime.now(timezone.utc) + timedelta(seconds=self.seconds))
            uow.commit()
            return kept

    @contextmanager
    def as_sync(self) -> Iterator[None]:
        """The lease named as a sync's while a sync runs under it (the drain's reconciliation: `sync_store.
        reconcile_while_holding`), and as before after it (review: the Integração page, which says a sync runs only
        while a sync's lease holds the store, called that reconciliation interrupted while it ran). Renamed only while
        this worker still holds it; renaming it back failing leaves it named as the sync's, which `renew` and the
        release use (`self.holder`)."""
        mine, as_sync = self.holder, _as_sync(self.holder)
        if as_sync != mine and self._renamed(mine, as_sync):
            self.holder = as_sync
        try:
            yield
        finally:
            if self.holder != mine:
                with contextlib.suppress(Exception):   # the run's own outcome, or error, is what the caller hears
                    if self._renamed(self.holder, mine):
                        self.holder = mine

    def _renamed(self, holder: str, new_name: str) -> bool:
        with self.uow as uow:
            renamed = uow.leases.steal(self.store_id, holder, new_name,
                                       datetime.now(timezone.utc) + timedelta(seconds=self.seconds))
            uow.commit()
            return renamed


@contextmanager
def store_lease(uow: ConnectorUnitOfWork, store_id: int, holder: str | None = None, seconds: int = LEASE_SECONDS,
                wait_seconds: float = 0.0) -> Iterator[Lease | None]:
    """Yield a Lease, or None when another worker holds the store (after waiting up to wait_seconds)."""
    holder = holder or holder_name()
    deadline = time.monotonic() + wait_seconds
    while not _acquire(uow, store_id, holder, seconds):
        if time.monotonic() >= deadline:
            yield None
            return
        time.sleep(0.2)
    lease = Lease(uow, store_id, holder, seconds)
    try:
        yield lease
    finally:
        with uow:
            uow.leases.release(store_id, lease.holder)   # named as a sync's meanwhile, maybe (`Lease.as_sync`)
            uow.commit()


def _acquire(uow: ConnectorUnitOfWork, store_id: int, holder: str, seconds: int) -> bool:
    now = datetime.now(timezone.utc)
    expires = now + timedelta(seconds=seconds)
    with uow:
        taken = uow.leases.acquire(store_id, holder, now, expires)
        if not taken:
            current = uow.leases.holder(store_id)
            # A worker of this machine that died (SIGKILL, OOM) need not be waited for.
            if current and _dead_local_holder(current):
                taken = uow.leases.steal(store_id, current, holder, expires)
        uow.commit()
        return taken


def _dead_local_holder(holder: str) -> bool:
    host, _, rest = holder.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != _machine() or not ascii_digits(pid_text, 10):
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] == "Z"
    except OSError:
        return False
