"""A request to void ("inutilizar") a range of NF-e numbers at SEFAZ, and what SEFAZ answered.

Requested (committed before the request is sent, so that nothing is lost should the answer be), then voided
(102, with its protocol; or 563: SEFAZ had voided this very range already, a repeat of a request whose answer
was lost) or rejected (SEFAZ's code and reason kept in full; asking again for the same range sends it anew).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class VoidStatus(StrEnum):
    REQUESTED = "requested"
    VOIDED = "voided"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    VoidStatus.REQUESTED: "Aguardando SEFAZ",
    VoidStatus.VOIDED: "Inutilizada",
    VoidStatus.REJECTED: "Rejeitada",
}


@dataclass(frozen=True)
class NumberVoid:
    id: int
    environment: str          # tpAmb of the request: "1" produção, "2" homologação
    series: int
    first: int
    last: int
    reason: str               # xJust, as sent
    status: VoidStatus
    requested_at: datetime
    requested_by: str | None = None
    protocol: str | None = None
    voided_at: datetime | None = None
    rejection_code: str | None = None     # SEFAZ's cStat when rejected (or 563 when voided before)
    rejection_reason: str | None = None
    request_xml: str | None = None        # the signed inutNFe
    proc_xml: str | None = None           # procInutNFe: the request and SEFAZ's answer
    simulated: bool = False
    resends: int = 0                      # by the worker, of a request left awaiting SEFAZ
    attention: str | None = None          # why a person must look at it (None: nothing to do)
    sent_at: datetime | None = None       # last sent: a person's request (requested_at) or the worker's resend

    @property
    def numbers(self) -> str:
        return numbers_text(self.first, self.last)

    @property
    def of_numbers(self) -> str:
        return of_numbers(self.first, self.last)


def numbers_text(first: int, last: int) -> str:
    """"12" or "12 a 15", as the pages and the CLI say a range of numbers."""
    return str(first) if first == last else f"{first} a {last}"


def of_numbers(first: int, last: int) -> str:
    """"do número 12" or "dos números 12 a 15", for a sentence about a request (one number is said as one)."""
    return f"do número {first}" if first == last else f"dos números {first} a {last}"
