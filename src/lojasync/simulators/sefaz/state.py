"""What the simulated SEFAZ remembers: NF-e by key and by number, their events, the ranges of numbers voided,
the protocol sequence.

It lives in SQLite (standard library): in memory without a state file, else in that file, which several
processes may share (lojasync embeds a simulator in each command, all on the data folder's file). Each SOAP
request is one `BEGIN IMMEDIATE` transaction (`shared()`), so requests of all processes run one at a time and
read and write only the rows they touch: the cost of a request does not grow with the NF-e ever authorised
(the earlier JSON file was read and rewritten whole on every request).

Protocol numbers follow SEFAZ's shape (15 digits: 1, cUF, year, a 10-digit sequence). The sequence starts
from the seconds elapsed in the year times 100, so a simulator restarted without its state file does not
hand out numbers it already gave (unless it authorised more than 100 documents a second). With a state file
the sequence is a row taken in the request's transaction: unique across the processes sharing the file.

Receipts (asynchronous batches, answered 103) stay in this process's memory: the sender polls the simulator
it sent the batch to. The newest `RECEIPTS_KEPT` of the last `RECEIPT_LIFETIME` are kept (a long-running
simulator grew with every batch); one forgotten answers 106, which the sender settles by a query by key.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from lojasync.simulators.sefaz.records import CANCELLED, Receipt, StoredEvent, StoredNFe
from lojasync.simulators.sefaz.state_file import open_state_file
from lojasync.simulators.sefaz.state_tables import SCHEMA, insert_event, insert_nfe, nfe_from_rows

RECEIPTS_KEPT = 10_000
RECEIPT_LIFETIME = timedelta(days=1)


def _sequence_start(moment: datetime) -> int:
    year_start = moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return int((moment - year_start).total_seconds()) * 100


class SefazState:
    def __init__(self, state_file: Path | None = None) -> None:
        # One connection per simulator, used by one thread at a time (the lock); other processes are kept
        # out by the transaction. In memory, the lock alone makes a request atomic.
        self.lock = threading.RLock()
        self.state_file = Path(state_file) if state_file else None
        self.db = open_state_file(self.state_file) if self.state_file else _in_memory()
        self._inode = self.state_file.stat().st_ino if self.state_file else None
        self.receipts: dict[str, Receipt] = {}
        self._batch_of: dict[str, str] = {}   # an NF-e's key -> the receipt of the last batch that brought it
        self._sequence_floor = _sequence_start(datetime.now(timezone.utc))
        self._depth = 0   # shared() is re-entrant: only the outermost one begins and commits

    @contextmanager
    def shared(self) -> Iterator[None]:
        """One request at a time, across threads and processes; its changes are committed at the end (all
        or nothing: an error rolls them back). Nested calls join the enclosing transaction."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._reopen_if_replaced()
            self.db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            else:
                self.db.execute("COMMIT")
            finally:
                self._depth = 0

    def _reopen_if_replaced(self) -> None:
        # Deleting the state file starts afresh, as with the JSON file read on every request (tests reset
        # the data folder's simulator that way): a connection kept on the deleted file would not see it.
        if self.state_file is None:
            return
        try:
            inode = self.state_file.stat().st_ino
        except FileNotFoundError:
            inode = None
        if inode != self._inode:
            self.db.close()
            self.db = open_state_file(self.state_file)
            self._inode = self.state_file.stat().st_ino

    # numbers
    def next_protocol(self, uf: str, moment: datetime) -> str:
        return f"1{uf}{moment:%y}{self._next_sequence() % 10**10:010d}"

    def next_receipt(self, uf: str) -> str:
        return f"{uf}1{self._next_sequence() % 10**12:012d}"

    def _next_sequence(self) -> int:
        with self.shared():
            (value,) = self.db.execute(
                "UPDATE counters SET value = MAX(value, ?) + 1 WHERE name = 'sequence' RETURNING value",
                (self._sequence_floor,)).fetchone()
        return value

    # NF-e and events
    def get_nfe(self, key: str) -> StoredNFe | None:
        """The record with its events (None when SEFAZ does not know the key)."""
        with self.shared():
            row = self.db.execute(
                "SELECT key, status, protocol, digest, received_at, prot_xml, recipient_kind, recipient_number "
                "FROM nfe WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            events = self.db.execute(
                "SELECT event_id, event_type, sequence, protocol, registered_at, proc_xml FROM nfe_events "
                "WHERE key = ? ORDER BY position", (key,)).fetchall()
        return nfe_from_rows(row, events)

    def key_for_number(self, issuer: str, model: str, series: str, number: str) -> str | None:
        with self.shared():
            row = self.db.execute("SELECT key FROM nfe_numbers WHERE issuer = ? AND model = ? AND series = ? "
                                  "AND number = ?", (issuer, model, series, number)).fetchone()
        return row[0] if row else None

    def key_for_event(self, event_id: str) -> str | None:
        with self.shared():
            row = self.db.execute("SELECT key FROM nfe_events WHERE event_id = ?", (event_id,)).fetchone()
        return row[0] if row else None

    def add_nfe(self, record: StoredNFe, issuer: str, model: str, series: str, number: str) -> None:
        with self.shared():
            insert_nfe(self.db, record)
            self.db.execute("INSERT OR REPLACE INTO nfe_numbers (issuer, model, series, number, key) "
                            "VALUES (?, ?, ?, ?, ?)", (issuer, model, series, number, record.key))

    def add_event(self, key: str, event: StoredEvent, status: str | None = None) -> None:
        with self.shared():
            insert_event(self.db, key, event)
            if status is not None:
                self.db.execute("UPDATE nfe SET status = ? WHERE key = ?", (status, key))

    # voided numbers (inutilização)
    def voided_overlapping(self, issuer: str, model: str, series: str, first: int, last: int
                           ) -> list[tuple[int, int]]:
        """The voided ranges that share a number with first..last (series as in the key: 3 digits)."""
        with self.shared():
            return [(a, b) for a, b in self.db.execute(
                "SELECT first, last FROM voided_ranges WHERE issuer = ? AND model = ? AND series = ? AND first <= ? "
                "AND last >= ? ORDER BY first", (issuer, model, series, last, first))]

    def used_number_in(self, issuer: str, model: str, series: str, first: int, last: int) -> str | None:
        """The key of an NF-e (authorised, denied or cancelled) whose number is within first..last."""
        with self.shared():
            row = self.db.execute(
                "SELECT key FROM nfe_numbers WHERE issuer = ? AND model = ? AND series = ? "
                "AND CAST(number AS INTEGER) BETWEEN ? AND ? LIMIT 1", (issuer, model, series, first, last)).fetchone()
        return row[0] if row else None

    def add_voided(self, issuer: str, model: str, series: str, first: int, last: int, protocol: str,
                   received_at: datetime) -> None:
        with self.shared():
            self.db.execute("INSERT INTO voided_ranges (issuer, model, series, first, last, protocol, received_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (issuer, model, series, first, last, protocol, received_at.isoformat()))

    def counts(self) -> tuple[int, int]:
        """(NF-e known, of which cancelled): for the admin stats only (it counts every record)."""
        with self.shared():
            known, cancelled = self.db.execute(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE status = ?) FROM nfe", (CANCELLED,)).fetchone()
        return known, cancelled

    # receipts (this process only)
    def add_receipt(self, receipt: Receipt) -> None:
        with self.lock:
            self._forget_receipts(receipt.received_at)
            self.receipts[receipt.number] = receipt
            self._batch_of.update(dict.fromkeys(receipt.keys, receipt.number))

    def _forget_receipts(self, now: datetime) -> None:
        """The oldest receipts past the count or the age kept, and their keys' pointers (receipts are in the order
        they were given)."""
        while self.receipts:
            oldest = next(iter(self.receipts.values()))
            if len(self.receipts) < RECEIPTS_KEPT and now - oldest.received_at < RECEIPT_LIFETIME:
                return
            del self.receipts[oldest.number]
            for key in oldest.keys:
                if self._batch_of.get(key) == oldest.number:
                    del self._batch_of[key]

    def in_processing(self, key: str, now: datetime) -> bool:
        """Whether the NF-e came in a batch still in processing (not yet in the base: a query by key says 217)."""
        with self.lock:
            receipt = self.receipts.get(self._batch_of.get(key, ""))
            return receipt is not None and receipt.in_processing(now)

    def clear(self) -> None:
        with self.shared():
            for table in ("nfe", "nfe_numbers", "nfe_events", "voided_ranges"):
                self.db.execute(f"DELETE FROM {table}")
            self.receipts.clear()
            self._batch_of.clear()


def _in_memory() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    db.executescript(SCHEMA)
    return db
