"""Opening the simulated SEFAZ's state file (SQLite, WAL), importing the JSON file of earlier versions, and
moving the data folder's file from its earlier name.

Earlier versions kept the state as one JSON document at the same path (the data folder's
`sefaz-simulador.json`). Such a file is migrated in place, once: its records go into a new SQLite file that
then replaces it, and the JSON document is kept beside it as `<name>.json-backup`. In place rather than under
a new name so that the path a merchant configured (`--state-file`) keeps meaning "the simulator's state",
and no second file can be forgotten behind. The migration runs under the `.lock` file the JSON version
locked on every request, so neither another new process nor a still-running old one works on the file
meanwhile.

The data folder's file is lojasync's own: it kept the `.json` name while holding SQLite, and is
`sefaz-simulador.sqlite3` now. `adopt_state_file` moves the earlier one there, once (migrating a JSON document
first, as above), when no process still has it open.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from lojasync.simulators.sefaz.records import StoredEvent, StoredNFe
from lojasync.simulators.sefaz.state_tables import SCHEMA, insert_nfe

_SQLITE_HEADER = b"SQLite format 3\x00"
# Another process's request holds the file for a few milliseconds; waiting longer means something is stuck.
_BUSY_TIMEOUT_SECONDS = 30.0


def open_state_file(path: Path) -> sqlite3.Connection:
    with _locked(path):
        return _open(path)


def adopt_state_file(path: Path, earlier: Path) -> Path:
    """The state file to open at `path`, after moving there, once, the state kept at `earlier` (its name in
    earlier versions: a JSON document, or SQLite under that name). While another connection still has `earlier`
    open (a process of the earlier version, running on), it stays where it is and is the one returned: moving
    it under that process would split the state in two (it would start an empty one at the old name). It
    moves at a later start, when no one has it open."""
    if path.exists() or not earlier.exists():   # the usual start: not even the earlier one's lock file is made
        return path
    with _locked(earlier):   # what the earlier versions take to open (and migrate) it
        if path.exists() or not earlier.exists():   # another process moved it meanwhile
            return path
        db = _open(earlier)   # a JSON document becomes SQLite first, its backup kept beside it
        try:
            db.execute("PRAGMA busy_timeout = 0")
            # Out of WAL (its -wal file folded into the file, which then moves alone) only when no other
            # connection has it open: SQLite refuses ("database is locked") otherwise.
            moved = db.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
        except sqlite3.OperationalError:
            moved = False
        finally:
            db.close()
        if not moved:
            return earlier
        os.replace(earlier, path)
        return path


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _open(path: Path) -> sqlite3.Connection:
    if _holds_json(path):
        _migrate_json(path)
    db = _connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.executescript(f"BEGIN IMMEDIATE; {SCHEMA} COMMIT;")
    return db


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level None: the state begins and commits its own transactions (BEGIN IMMEDIATE).
    db = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False)
    # A power cut may lose the last commits but never corrupts the file; the JSON version did not fsync
    # either, and this is a homologation stand-in.
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def _holds_json(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    with open(path, "rb") as file:
        return file.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER


def _migrate_json(path: Path) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        records = [_record(item) for item in data.get("nfe", [])]
        numbers = [tuple(entry) for entry in data.get("numbers", [])]
        sequence = int(data.get("sequence", 0))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"O arquivo de estado do simulador da SEFAZ {path} não é SQLite nem o JSON de uma "
                         f"versão anterior ({exc}); mova-o para outro lugar para começar um estado novo.") from exc
    temporary = path.with_name(path.name + ".migrating")
    temporary.unlink(missing_ok=True)
    db = sqlite3.connect(temporary, isolation_level=None)
    try:
        db.executescript(f"BEGIN; {SCHEMA}")
        for record in records:
            insert_nfe(db, record)
        db.executemany("INSERT OR REPLACE INTO nfe_numbers (issuer, model, series, number, key) "
                       "VALUES (?, ?, ?, ?, ?)", numbers)
        db.execute("UPDATE counters SET value = MAX(value, ?) WHERE name = 'sequence'", (sequence,))
        db.execute("COMMIT")
    finally:
        db.close()
    shutil.copy2(path, path.with_name(path.name + ".json-backup"))
    for leftover in ("-wal", "-shm"):   # never this file's (it was JSON): they must not be applied to it
        path.with_name(path.name + leftover).unlink(missing_ok=True)
    os.replace(temporary, path)


def _record(item: dict) -> StoredNFe:
    """One NF-e as the JSON version wrote it (dataclass fields; datetimes ISO, XML as text)."""
    events = [StoredEvent(**{**e, "registered_at": datetime.fromisoformat(e["registered_at"]),
                             "proc_xml": e["proc_xml"].encode("utf-8")}) for e in item.pop("events", [])]
    recipient = item.pop("recipient", None)
    return StoredNFe(**{**item, "received_at": datetime.fromisoformat(item["received_at"]),
                        "prot_xml": item["prot_xml"].encode("utf-8"),
                        "recipient": tuple(recipient) if recipient else None, "events": events})
