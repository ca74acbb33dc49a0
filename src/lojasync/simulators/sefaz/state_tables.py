"""The simulated SEFAZ's tables (SQLite) and the conversions between their rows and the records."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from lojasync.simulators.sefaz.records import StoredEvent, StoredNFe

SCHEMA = """
CREATE TABLE IF NOT EXISTS nfe (
    key TEXT PRIMARY KEY, status TEXT NOT NULL, protocol TEXT NOT NULL, digest TEXT NOT NULL,
    received_at TEXT NOT NULL, prot_xml BLOB NOT NULL, recipient_kind TEXT, recipient_number TEXT);
-- (issuer CNPJ/CPF, model, series, number) -> key: SEFAZ's duplicate check (204 / 539)
CREATE TABLE IF NOT EXISTS nfe_numbers (
    issuer TEXT NOT NULL, model TEXT NOT NULL, series TEXT NOT NULL, number TEXT NOT NULL,
    key TEXT NOT NULL, PRIMARY KEY (issuer, model, series, number));
-- event_id is unique (a second event with the same Id is refused 573), so it is the event-id index too
CREATE TABLE IF NOT EXISTS nfe_events (
    position INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, key TEXT NOT NULL, event_type TEXT NOT NULL,
    sequence TEXT NOT NULL, protocol TEXT NOT NULL, registered_at TEXT NOT NULL, proc_xml BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS nfe_events_by_key ON nfe_events (key, position);
-- ranges of numbers voided (inutilizados): none of them can be authorised (206) or voided again (256, 563)
CREATE TABLE IF NOT EXISTS voided_ranges (
    issuer TEXT NOT NULL, model TEXT NOT NULL, series TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,
    protocol TEXT NOT NULL, received_at TEXT NOT NULL, PRIMARY KEY (issuer, model, series, first, last));
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters (name, value) VALUES ('sequence', 0);
"""


def insert_nfe(db: sqlite3.Connection, record: StoredNFe) -> None:
    kind, number = record.recipient or (None, None)
    db.execute("INSERT OR REPLACE INTO nfe (key, status, protocol, digest, received_at, prot_xml, recipient_kind, "
               "recipient_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               (record.key, record.status, record.protocol, record.digest, record.received_at.isoformat(),
                record.prot_xml, kind, number))
    for event in record.events:
        insert_event(db, record.key, event)


def insert_event(db: sqlite3.Connection, key: str, event: StoredEvent) -> None:
    db.execute("INSERT INTO nfe_events (event_id, key, event_type, sequence, protocol, registered_at, proc_xml) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)",
               (event.event_id, key, event.event_type, event.sequence, event.protocol,
                event.registered_at.isoformat(), event.proc_xml))


def nfe_from_rows(row: tuple, events: list[tuple]) -> StoredNFe:
    key, status, protocol, digest, received_at, prot_xml, recipient_kind, recipient_number = row
    return StoredNFe(
        key, status, protocol, digest, datetime.fromisoformat(received_at), bytes(prot_xml),
        (recipient_kind, recipient_number) if recipient_kind else None,
        [StoredEvent(event_id, event_type, sequence, event_protocol, datetime.fromisoformat(registered_at),
                     bytes(proc_xml))
         for event_id, event_type, sequence, event_protocol, registered_at, proc_xml in events])
