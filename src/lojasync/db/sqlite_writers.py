"""SQLite writers of one process queue on a lock of their own, per database file, rather than on SQLite's.

A writer's transaction begins with BEGIN IMMEDIATE, which takes the database's write lock or waits for it.
SQLite waits by sleeping in its busy handler, 1, 2, 5, 10... up to 100 ms between tries, and takes the lock
only when a try finds it free: a thread that meets another thread's short transaction sleeps far longer than
that transaction lasts. Measured in a batch of NF-e (generation on one thread, SEFAZ's answers recorded on
another): the recording thread waited 1.2 ms for the median BEGIN and up to 180 ms, for transactions of 3 ms.
Behind this lock it starts as soon as the other thread's transaction ends.

The lock is taken just before BEGIN IMMEDIATE (`enter_gate`, by the engine's "begin" listener) and given back
when the transaction ends: commit, rollback or close, whatever ends it. Writers of other processes (serve and
a worker on the same file) still meet on SQLite's own lock and its busy timeout. Readers take nothing: in WAL
mode they never wait for a writer.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from pathlib import Path

# How long a writer waits for another before "database is locked", here as in SQLite's busy timeout.
BUSY_TIMEOUT = 30.0

_gates: dict[str, threading.Lock] = {}
_gates_guard = threading.Lock()


def _gate_for(database: str) -> threading.Lock:
    with _gates_guard:
        return _gates.setdefault(database, threading.Lock())


def _forget_gates() -> None:
    # A child process starts with no transaction of its own: a lock some parent thread held at the fork
    # would never be given back there.
    global _gates_guard
    _gates.clear()
    _gates_guard = threading.Lock()


os.register_at_fork(after_in_child=_forget_gates)


class _Holding:
    """Whether a connection holds its gate; kept apart from the connection so that a connection dropped
    without being closed can still give the gate back (weakref.finalize must not refer to it)."""

    __slots__ = ("gate", "held")

    def __init__(self, gate: threading.Lock) -> None:
        self.gate = gate
        self.held = False

    def release(self) -> None:
        if self.held:
            self.held = False
            self.gate.release()


class GatedConnection(sqlite3.Connection):
    """sqlite3's connection (the `factory` of sqlite3.connect) whose write transactions hold the gate."""

    def __init__(self, database, *args, **kwargs) -> None:
        super().__init__(database, *args, **kwargs)
        name = os.fspath(database)
        # Each connection to ":memory:" (or to "") is a database of its own.
        key = str(Path(name).resolve()) if name not in ("", ":memory:") else f"memory:{id(self)}"
        self._holding = _Holding(_gate_for(key))
        weakref.finalize(self, self._holding.release)

    def enter_gate(self) -> None:
        """Wait for this process's other writers of the database; call right before BEGIN IMMEDIATE."""
        holding = self._holding
        if holding.held:
            return
        if not holding.gate.acquire(timeout=BUSY_TIMEOUT):
            # What SQLite itself says after its busy timeout: the unit of work turns it into WriteConflict.
            raise sqlite3.OperationalError("database is locked")
        holding.held = True

    def leave_gate(self) -> None:
        self._holding.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:   # a COMMIT that failed leaves the transaction (and the gate) to rollback
                self._holding.release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._holding.release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._holding.release()
