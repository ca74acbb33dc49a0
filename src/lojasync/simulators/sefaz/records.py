"""What the simulated SEFAZ keeps: NF-e it authorised (or denied), their events, and batch receipts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

AUTHORISED = "100"
CANCELLED = "101"
# How long the simulator takes, at most, to process an asynchronous batch (its `processing_polls` may end it sooner).
BATCH_PROCESSED_AFTER = timedelta(seconds=30)


@dataclass
class StoredEvent:
    event_id: str            # ID + tpEvento + chNFe + nSeqEvento
    event_type: str
    sequence: str
    protocol: str
    registered_at: datetime
    proc_xml: bytes          # procEventoNFe


@dataclass
class StoredNFe:
    key: str
    status: str              # 100 authorised, 101 cancelled, or the denial code (110, 301, 302, 303)
    protocol: str
    digest: str              # digVal: the NF-e's DigestValue
    received_at: datetime
    prot_xml: bytes          # protNFe as answered
    recipient: tuple[str, str] | None = None  # ("CNPJ" | "CPF", number), for the events' answers
    events: list[StoredEvent] = field(default_factory=list)

    @property
    def authorised(self) -> bool:
        return self.status == AUTHORISED

    @property
    def cancelled(self) -> bool:
        return self.status == CANCELLED


@dataclass
class Receipt:
    """An asynchronous batch: its answers are ready at reception; `polls_left` answers 105 first. Until they are
    spent, its NF-e are not in SEFAZ's base: a query by key of one answers 217, as SEFAZ's does while it processes
    the batch. SEFAZ processes a batch whether or not anyone asks for its receipt: past `BATCH_PROCESSED_AFTER`
    it is done (review: a receipt lost with a killed process was never asked for, and its NF-e answered 217 to
    every query for a day, "aguardando SEFAZ" in lojasync, authorised here)."""

    number: str
    uf: str
    received_at: datetime
    protocols: list[bytes]
    polls_left: int = 0
    keys: tuple[str, ...] = ()

    def in_processing(self, now: datetime) -> bool:
        return self.polls_left > 0 and now - self.received_at < BATCH_PROCESSED_AFTER
