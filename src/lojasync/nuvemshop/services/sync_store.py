"""Use case `sync_store`: pull every order changed since the cursor and import it.

Nuvemshop sorts results by `created_at` and has no sort option, so the pull asks for
`updated_at_min = cursor - overlap` and lets the importer skip what it already has. A run remembers the
next page in the same transaction as each page's import; an interrupted run resumes there, and the
cursor moves (to the run's start) only when the whole run is committed.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from lojasync.nuvemshop.client.errors import NotFoundError, NuvemshopError, PaymentRequiredError
from lojasync.nuvemshop.errors import SyncBusy
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.model.store_log import StoreLogType
from lojasync.nuvemshop.order_listing import changed_since, listed_on, pages_apart, pages_shifted_back, payments
from lojasync.nuvemshop.ports import ClientFactory, ConnectorUnitOfWork
from lojasync.nuvemshop.services.import_orders import import_order, import_orders
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.leases import Lease, store_lease, sync_holder_name
from lojasync.nuvemshop.services.outcomes import ImportReport
from lojasync.nuvemshop.services.push_updates import push_while_holding
from lojasync.nuvemshop.services.stores import find_store, inactive_error
from lojasync.nuvemshop.services.sync_runs import record_failed, record_finished
from lojasync.sales.history import Actor
from lojasync.shared.utc import aware

Progress = Callable[[int, int | None], None]   # (orders processed so far, total announced by the store)
FAILURE_RETRIES_PER_RUN = 20


@dataclass
class SyncReport:
    external_store_id: str
    since: datetime | None
    resumed: bool
    # It reads every order: asked for, or the store's first run (no cursor yet), stopped and resumed or not; said and
    # recorded as a full one, so that a Sincronização completa asked for before it is answered by it.
    full: bool = False
    pages: int = 0
    fetched: int = 0
    api_calls: int = 0
    seconds: float = 0.0
    imports: ImportReport = field(default_factory=ImportReport)
    retry_stopped: str | None = None   # why the retries of earlier failures stopped early


def sync_store(uow: ConnectorUnitOfWork, client_factory: ClientFactory, policy: ImportPolicy, *,
               external_store_id: str | None = None, full: bool = False, overlap_seconds: int = 600,
               page_size: int = 200, progress: Progress | None = None, now: Callable[[], datetime] | None = None,
               lease_wait_seconds: float = 60.0) -> SyncReport:
    """Run (or resume) one sync of a store; return what it fetched and how each order ended.

    The store's lease makes it the only reader of that store meanwhile: two syncs at once would
    fight over the cursor and the resume point.
    """
    with uow:
        store_id = find_store(uow, external_store_id).id
    with store_lease(uow, store_id, sync_holder_name(), wait_seconds=lease_wait_seconds) as lease:
        if lease is None:
            raise SyncBusy()
        return _run(uow, client_factory, policy, store_id, full, overlap_seconds, page_size, progress,
                    now or (lambda: datetime.now(timezone.utc)), lease)


def reconcile_while_holding(uow: ConnectorUnitOfWork, client_factory: ClientFactory, policy: ImportPolicy,
                            store_id: int, lease: Lease, reconcile_every: timedelta, *, overlap_seconds: int = 600,
                            page_size: int = 200, now: Callable[[], datetime] | None = None) -> SyncReport | None:
    """The store's periodic reconciliation, run by a worker that holds the store's lease for another job (the drain of
    its webhooks) when it is due; None when it is not (or the store may not sync now). A drain loops for as long as
    webhooks keep coming, and the housekeeping's sync, finding the store busy, gave up every round: on Black Friday an
    order whose webhook was lost before the storm waited for the storm to end (review: 7 min 52 s, reconciling every
    3 minutes)."""
    clock = now or (lambda: datetime.now(timezone.utc))
    with uow:
        store = uow.stores.get(store_id)
        if store is None or not store.active or store.paused or store.needs_attention():
            return None
        if store.last_sync_at is not None and aware(store.last_sync_at) >= clock() - reconcile_every:
            return None
    with lease.as_sync():   # a sync running, as the Integração page tells (the drain's lease is not a sync's)
        return _run(uow, client_factory, policy, store_id, False, overlap_seconds, page_size, None, clock, lease)


def _run(uow, client_factory, policy, store_id, full, overlap_seconds, page_size, progress, now,
         lease) -> SyncReport:
    begun = now()
    report = SyncReport(external_store_id="", since=None, resumed=False, full=full)   # filled in as the run goes
    try:
        _read_store(uow, client_factory, policy, store_id, full, overlap_seconds, page_size, progress, now, lease,
                    report, begun)
    except Exception as exc:
        # Said on the store for the Integração page (`sync_runs`), then raised as before; the database failing here
        # too (often the same outage) leaves only the run's own error.
        with contextlib.suppress(Exception):
            record_failed(uow, store_id, report.full, report.fetched, report.imports.counts(), begun, now(), exc,
                          report.resumed)
        raise
    return report


def _read_store(uow, client_factory, policy, store_id, full, overlap_seconds, page_size, progress, now, lease,
                report, begun) -> None:
    started = time.perf_counter()
    snapshot, first_page = _begin_run(uow, store_id, full, overlap_seconds, begun, report)
    since, resumed = report.since, report.resumed
    params: dict[str, object] = {"per_page": page_size}
    if since is not None:
        params["updated_at_min"] = since.isoformat(timespec="seconds")
    client = client_factory(snapshot)
    pushed_calls = 0   # the requests of the pushes between pages: the same store's rate limit, counted too
    try:
        total = None
        def imported(page, checkpoint=None) -> None:
            nonlocal pushed_calls
            report.imports.extend(import_orders(uow, snapshot.id, page.orders, policy, Actor.SYNC,
                                                in_transaction=checkpoint))
            report.pages += 1
            report.fetched += len(page.orders)
            pushed_calls += push_while_holding(uow, client_factory, store_id, lease, now).calls   # as the drain does
            if not lease.renew():
                # Our lease expired and another process took the store: stop; the checkpoint of
                # every committed page is saved, so the next run resumes after it.
                raise SyncBusy("Outro processo assumiu esta loja durante a sincronização.",
                               resolution="Sincronize de novo: ela retoma de onde parou.")
            if progress:   # the listings apart come past the main one's total: never "1.250 de 1.000"
                progress(report.fetched, max(total, report.fetched) if total is not None else None)

        pages_seen: dict[str, tuple[int, str | None]] = {}   # order id -> the page it was read on, its payment then
        for page in _prefetched(client.iter_order_pages(params, start_page=first_page)):
            total = page.total_count if page.total_count is not None else total
            listed_on(pages_seen, page)
            imported(page, _checkpoint(snapshot.id, (page.page or first_page) + 1))
        # The orders the listing leaves out unless asked by payment status (voided, refunded: most store
        # cancellations): a few pages, read whole again should the run be resumed.
        apart: dict[str, str | None] = {}   # order id -> its payment status, listed apart
        for page in pages_apart(client, params):
            apart.update(payments(page))
            if resumed and snapshot.run_started_at is not None:
                # The pages an earlier attempt of this run read are not in `pages_seen`: an order that has left the
                # listing since the run began may have been read on them, and is taken as read on the first (review:
                # a resumed run re-read nothing, and the order that slid was lost all the same).
                for order_id in changed_since(page, aware(snapshot.run_started_at)):
                    pages_seen.setdefault(order_id, (1, None))
            imported(page)
        for page in pages_shifted_back(client, params, pages_seen, apart):
            imported(page)
        _retry_failures(uow, client, snapshot.id, policy, report)
        _finish_run(uow, snapshot.id, now(), report, begun)
    finally:
        report.api_calls = client.api_calls + pushed_calls
        report.seconds = time.perf_counter() - started
        client.close()


def _begin_run(uow: ConnectorUnitOfWork, store_id: int, full: bool, overlap_seconds: int, started: datetime,
               report: SyncReport) -> tuple[Store, int]:
    """Begin the run, or take up the one stopped; the store as it was, and the page to read first. Said on `report`
    before anything can stop it: a first run that stops is recorded as the full one it is too."""
    with uow:
        store = uow.stores.get(store_id)
        resumed = store.run_started_at is not None and not full
        if resumed:
            since, first_page = store.run_since, store.run_next_page or 1
        else:
            since, first_page = None, 1
            if not full and store.sync_cursor is not None:
                since = store.sync_cursor - timedelta(seconds=overlap_seconds)
        # No `since`: the run reads every order, whether asked to or as the store's first (resumed or not: the
        # Integração page says the run under way is a full one by the same rule, `running_full`).
        report.external_store_id, report.since, report.resumed, report.full = (store.external_id, since, resumed,
                                                                               since is None)
        if not store.active:
            raise inactive_error(uow, store)
        if not resumed:
            store.run_started_at, store.run_since, store.run_next_page = started, since, 1
        uow.commit()
        return store, first_page


def _checkpoint(store_id: int, next_page: int) -> Callable[[ConnectorUnitOfWork], None]:
    def save(uow: ConnectorUnitOfWork) -> None:
        uow.stores.get(store_id).run_next_page = next_page
    return save


def _finish_run(uow: ConnectorUnitOfWork, store_id: int, finished: datetime, report: SyncReport, begun: datetime
                ) -> None:
    with uow:
        store = uow.stores.get(store_id)
        record_finished(store, report.full, report.fetched, report.imports.counts(), begun, finished,
                        report.resumed)
        # The run's start, not its end: orders changed while it ran are read again next time.
        store.sync_cursor = store.run_started_at or store.sync_cursor
        store.run_started_at = store.run_since = store.run_next_page = None
        store.last_sync_at = finished
        store.clear_attention()  # whatever stopped it before is over
        if store.paused:
            # The store answered every page: a suspension that paused it is over (review: after `resume`, a sync by
            # hand read the store, and `store push` still refused it as suspended until the worker's recheck).
            store.paused = False
            uow.store_log.record(store.id, StoreLogType.APP_RESUMED, Actor.SYSTEM.value, {"by": "sync"})
        uow.commit()


def _retry_failures(uow: ConnectorUnitOfWork, client, store_id: int, policy: ImportPolicy, report: SyncReport
                    ) -> None:
    """Orders that failed before and were not fixed by this run are fetched again, one by one."""
    tried = {r.external_id for r in report.imports.results}
    with uow:
        failures = sorted((f for f in uow.failures.list(store_id) if f.retryable and f.external_id not in tried),
                          key=lambda f: f.last_failed_at)  # oldest attempt first: nobody starves
        pending = [f.external_id for f in failures]
    for external_id in pending[:FAILURE_RETRIES_PER_RUN]:
        try:
            payload = client.get_order(external_id)
        except NotFoundError:
            _give_up(uow, store_id, external_id)
            continue
        except PaymentRequiredError:
            # Suspended meanwhile: the run stops as its listing would have (and the store is paused), never ending
            # as a read of the whole store that lifts the pause (review).
            raise
        except NuvemshopError as exc:
            report.retry_stopped = exc.message
            break
        report.imports.results.append(import_order(uow, store_id, payload, policy, Actor.SYNC))


def _give_up(uow: ConnectorUnitOfWork, store_id: int, external_id: str) -> None:
    with uow:
        failure = uow.failures.by_external_ids(store_id, [external_id]).get(external_id)
        if failure is not None:
            failure.retryable = False
            failure.resolution = ("O pedido não existe mais na loja (404): não será tentado de novo. "
                                  "Se voltar a existir, a próxima notificação da loja o importa.")
            uow.commit()


def _prefetched(pages: Iterator, depth: int = 2) -> Iterator:
    """Fetch the next pages in a thread while the current one is imported (rate-limit waits overlap work)."""
    box: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                if stop.is_set():
                    return
                box.put(page)
            box.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            box.put(exc)

    worker = threading.Thread(target=produce, name="lojasync-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = box.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                box.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)
