"""What the simulated SEFAZ remembers, behind one lock: NF-e by key and by number, events, receipts.

Protocol numbers follow SEFAZ's shape (15 digits: 1, cUF, year, a 10-digit sequence). The sequence starts
from the seconds elapsed in the year times 100, so a simulator restarted without its state file does not
hand out numbers it already gave (unless it authorised more than 100 documents a second).
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from lojasync.simulators.sefaz.records import Receipt, StoredEvent, StoredNFe


def _sequence_start(moment: datetime) -> int:
    year_start = moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return int((moment - year_start).total_seconds()) * 100


class SefazState:
    def __init__(self, state_file: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.state_file = Path(state_file) if state_file else None
        self.nfe: dict[str, StoredNFe] = {}
        # (issuer CNPJ/CPF, model, series, number) -> key: SEFAZ's duplicate check (204 / 539)
        self.numbers: dict[tuple[str, str, str, str], str] = {}
        self.event_ids: dict[str, str] = {}   # event Id -> key
        self.receipts: dict[str, Receipt] = {}
        self._sequence = _sequence_start(datetime.now(timezone.utc))
        if self.state_file and self.state_file.exists():
            self._load()

    # numbers
    def next_protocol(self, uf: str, moment: datetime) -> str:
        with self.lock:
            self._sequence += 1
            return f"1{uf}{moment:%y}{self._sequence % 10**10:010d}"

    def next_receipt(self, uf: str) -> str:
        with self.lock:
            self._sequence += 1
            return f"{uf}1{self._sequence % 10**12:012d}"

    # records
    def add_nfe(self, record: StoredNFe, issuer: str, model: str, series: str, number: str) -> None:
        with self.lock:
            self.nfe[record.key] = record
            self.numbers[(issuer, model, series, number)] = record.key

    def add_event(self, record: StoredNFe, event: StoredEvent, status: str | None = None) -> None:
        with self.lock:
            record.events.append(event)
            self.event_ids[event.event_id] = record.key
            if status is not None:
                record.status = status

    def clear(self) -> None:
        with self.lock:
            self.nfe.clear()
            self.numbers.clear()
            self.event_ids.clear()
            self.receipts.clear()
            self.save()

    # the optional JSON file
    @contextmanager
    def shared(self) -> Iterator[None]:
        """One request at a time across processes: with a state file, several processes may run a simulator
        on the same file (lojasync embeds one in each command), so each request reads the file under an
        exclusive lock first and its changes are saved before the lock is released."""
        if self.state_file is None:
            yield
            return
        lock_path = self.state_file.with_name(self.state_file.name + ".lock")
        with self.lock, open(lock_path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                self.nfe.clear()
                self.numbers.clear()
                self.event_ids.clear()
                if self.state_file.exists():
                    self._load()
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def save(self) -> None:
        if self.state_file is None:
            return
        with self.lock:
            data = {
                "sequence": self._sequence,
                "nfe": [_dump_nfe(r) for r in self.nfe.values()],
                "numbers": [[*number, key] for number, key in self.numbers.items()],
            }
        temporary = self.state_file.with_name(self.state_file.name + ".tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.state_file)

    def _load(self) -> None:
        data = json.loads(self.state_file.read_text(encoding="utf-8"))
        self._sequence = max(self._sequence, int(data.get("sequence", 0)))
        for item in data.get("nfe", []):
            record = _load_nfe(item)
            self.nfe[record.key] = record
            for event in record.events:
                self.event_ids[event.event_id] = record.key
        for *number, key in data.get("numbers", []):
            self.numbers[tuple(number)] = key


def _dump_nfe(record: StoredNFe) -> dict:
    item = asdict(record)
    item["received_at"] = record.received_at.isoformat()
    item["prot_xml"] = record.prot_xml.decode("utf-8")
    for event, source in zip(item["events"], record.events, strict=True):
        event["registered_at"] = source.registered_at.isoformat()
        event["proc_xml"] = source.proc_xml.decode("utf-8")
    return item


def _load_nfe(item: dict) -> StoredNFe:
    events = [StoredEvent(**{**e, "registered_at": datetime.fromisoformat(e["registered_at"]),
                             "proc_xml": e["proc_xml"].encode("utf-8")}) for e in item.pop("events", [])]
    recipient = item.pop("recipient", None)
    return StoredNFe(**{**item, "received_at": datetime.fromisoformat(item["received_at"]),
                        "prot_xml": item["prot_xml"].encode("utf-8"),
                        "recipient": tuple(recipient) if recipient else None, "events": events})
