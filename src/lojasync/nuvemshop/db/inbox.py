"""The webhook inbox: where received notifications are written before the answer goes back.

`BatchingInbox` is the web process's: request threads hand their row to one writer thread, which
inserts whatever has piled up in one transaction (group commit) and only then releases the requests.
A storm of webhooks costs a few transactions a second instead of one each, and every 200 answered
is durable. `DirectInbox` writes one row per call (tests, CLI, one-off tools).

Rows are cleaned before they are written (PostgreSQL refuses NUL in text), and a batch that fails is
written again row by row, so one bad notification fails alone instead of taking its neighbours along.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import SQLAlchemyError

from lojasync.nuvemshop.db.tables import stores, webhook_events
from lojasync.nuvemshop.errors import DATABASE_UNAVAILABLE, WebhookRejected
from lojasync.shared.text import clean_text, clean_tree

log = logging.getLogger("lojasync.inbox")

_STORE_TTL = 30.0
_UNKNOWN_TTL = 5.0   # an unknown store's webhooks are retried by the platform: do not hit the DB each time


class _StoreLookup:
    """Store ids by Nuvemshop id, cached briefly: every webhook needs one, stores rarely change."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cache: dict[str, tuple[int | None, float]] = {}

    def store_for_webhook(self, external_id: str) -> int | None:
        cached = self._cache.get(external_id)
        now = time.monotonic()
        if cached is not None and now - cached[1] < (_STORE_TTL if cached[0] is not None else _UNKNOWN_TTL):
            return cached[0]
        try:
            with self.engine.connect() as conn:
                store_id = conn.scalar(select(stores.c.id).where(stores.c.external_id == external_id))
        except SQLAlchemyError as exc:
            # The database gone: 503, which the platform resends (it was a 500, logged as a bug).
            raise WebhookRejected(503, "Banco de dados indisponível: notificação não registrada; a Nuvemshop a "
                                       "reenviará.", reason=DATABASE_UNAVAILABLE) from exc
        if len(self._cache) > 10_000:  # forged store ids must not grow this forever
            self._cache.clear()
        self._cache[external_id] = (store_id, now)
        return store_id


def clean_row(row: dict) -> dict:
    """The row with NUL removed from its text and lone surrogates replaced, the JSON body included."""
    cleaned = {key: clean_text(value) if isinstance(value, str) else value for key, value in row.items()}
    cleaned["body"] = clean_tree(row["body"])[0]
    return cleaned


class DirectInbox(_StoreLookup):
    def record(self, row: dict) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(webhook_events), [clean_row(row)])


class BatchingInbox(_StoreLookup):
    def __init__(self, engine: Engine, max_batch: int = 500, timeout: float = 30.0, capacity: int = 20_000) -> None:
        super().__init__(engine)
        self.max_batch = max_batch
        self.timeout = timeout
        # Bounded: when the database stalls, new requests get 503 (the platform resends) instead of
        # piling up in memory.
        self._queue: queue.Queue[tuple[dict, Future]] = queue.Queue(maxsize=capacity)
        self._writer = threading.Thread(target=self._write_forever, name="lojasync-inbox", daemon=True)
        self._writer.start()

    def record(self, row: dict) -> None:
        self.submit(row).result(timeout=self.timeout)  # re-raises the writer's error: the request answers 5xx

    def submit(self, row: dict) -> Future:
        """Queue a row; the future resolves once it is committed (an async caller awaits it)."""
        done: Future = Future()
        self._queue.put_nowait((clean_row(row), done))  # queue.Full when saturated: the caller answers 503
        return done

    @property
    def writing(self) -> bool:
        """Whether the writer thread is alive (`/readyz`): without it no webhook is recorded."""
        return self._writer.is_alive()

    def _write_forever(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            # A request that stopped waiting (its 30 s ran out while the database was locked: it answered 503) has
            # cancelled its future: settling it raised InvalidStateError, which killed this thread, and no webhook
            # was recorded again until a restart (review). Its row is written all the same (the platform resends
            # it; a duplicate is recognised), and only the futures still waited for are settled; once marked
            # running here, a future can no longer be cancelled.
            batch = [(row, done if done.set_running_or_notify_cancel() else None) for row, done in batch]
            try:
                self._write(batch)
            except Exception:   # never let the writer die: every later webhook would wait 30 s for nothing
                log.exception("webhook inbox writer failed")
                for _, done in batch:
                    if done is not None and not done.done():
                        done.set_exception(RuntimeError("webhook inbox writer failed"))

    def _write(self, batch: list[tuple[dict, Future | None]]) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(webhook_events), [row for row, _ in batch])
        except Exception as exc:  # noqa: BLE001 - retried row by row below; nothing is acknowledged yet
            log.error("webhook inbox write failed", extra={"rows": len(batch), "error_class": type(exc).__name__})
            self._write_one_by_one(batch, exc)
            return
        for _, done in batch:
            _settle(done)

    def _write_one_by_one(self, batch: list[tuple[dict, Future | None]], error: Exception) -> None:
        """Each row in a savepoint of one transaction: a row the database refuses fails alone and the
        others commit. When the database itself is the trouble (down, connection lost), the transaction
        fails as a whole and every request learns it: nothing is acknowledged that was not committed."""
        if len(batch) == 1:
            _settle(batch[0][1], error)
            return
        refused: list[tuple[Future, Exception]] = []
        try:
            with self.engine.begin() as conn:
                for row, done in batch:
                    try:
                        with conn.begin_nested():
                            conn.execute(insert(webhook_events), [row])
                    except Exception as exc:  # noqa: BLE001 - this row's own problem; a dead connection
                        refused.append((done, exc))  # fails the savepoint's rollback and the whole batch
        except Exception as exc:  # noqa: BLE001 - every waiting request learns it; nothing is acknowledged
            log.error("webhook inbox write failed again", extra={"rows": len(batch),
                                                                 "error_class": type(exc).__name__})
            for _, done in batch:
                _settle(done, exc)
            return
        log.error("webhook inbox rows refused", extra={"rows": len(refused), "committed": len(batch) - len(refused),
                                                       "error_class": type(refused[0][1]).__name__ if refused else ""})
        failed = {id(done): exc for done, exc in refused}
        for _, done in batch:
            _settle(done, failed.get(id(done)))


def _settle(done: Future | None, error: Exception | None = None) -> None:
    """Tell the request waiting for its row (None: it stopped waiting)."""
    if done is None:
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)
