"""The SEFAZ gateway's shape: what the NF-e use cases will ask of SEFAZ, and what comes back.

The real SOAP client (`fiscal.sefaz.SefazSoapClient`: NFeAutorizacao4, NFeRetAutorizacao4,
NFeConsultaProtocolo4, NFeRecepcaoEvento4, NFeInutilizacao4, NFeStatusServico4) has this shape, and talks to
SEFAZ or to the local simulator with only its URL changed, as the Nuvemshop client and its simulator share
`StoreClient`.
Answers are typed by SEFAZ's status code (cStat): the use cases decide by the code, never by the words.
No answer at all (network, timeout) is not a `SefazAnswer` but a retryable error (`SefazUnreachable`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Environment(StrEnum):
    PRODUCTION = "1"      # tpAmb 1
    HOMOLOGATION = "2"    # tpAmb 2: no fiscal value (the default until the merchant says otherwise)


# cStat values the use cases act on (the full table is SEFAZ's; these are the ones with a decision).
AUTHORISED = "100"
CANCELLATION_APPROVED = "101"
# A query's cStat for an NF-e SEFAZ holds cancelled: 101, or 151/155 for a cancellation registered past its deadline.
CANCELLED_AT_SEFAZ = frozenset({CANCELLATION_APPROVED, "151", "155"})
NUMBERS_VOIDED = "102"            # inutilização de número homologada
EVENT_REGISTERED = "135"
BATCH_RECEIVED = "103"
BATCH_PROCESSED = "104"
BATCH_IN_PROCESSING = "105"
SERVICE_IN_OPERATION = "107"
EVENT_BATCH_PROCESSED = "128"
NFE_UNKNOWN = "217"               # a query by key: SEFAZ never authorised it, sending it is safe
DUPLICATE_NFE = "204"
DUPLICATE_WITH_DIFFERENT_KEY = "539"
NUMBER_ALREADY_VOIDED = "206"     # the NF-e's number was voided (inutilizado) at SEFAZ: it can never be used
# Rejections that spend the NF-e's number for good at SEFAZ: sent again it gets the same, and discarded its number is
# no gap to void.
NUMBER_SPENT_AT_SEFAZ = frozenset({DUPLICATE_WITH_DIFFERENT_KEY, NUMBER_ALREADY_VOIDED})
ALREADY_CANCELLED = "218"
RANGE_ALREADY_VOIDED = "563"      # this very range was voided before (a repeat of a request answered before)
SERVICE_PARALYSED = ("108", "109")


@dataclass(frozen=True)
class SefazAnswer:
    """One SEFAZ answer: its status code and words, and what identifies what it answered."""

    status: str                      # cStat
    reason: str                      # xMotivo, shown to the operator in full
    received_at: datetime | None = None
    protocol: str | None = None      # nProt, when authorised or the event registered
    access_key: str | None = None    # chNFe
    receipt: str | None = None       # nRec, for an asynchronous batch still in processing
    xml: bytes | None = None         # the protocol (protNFe / retEvento) to store with the document
    digest: str | None = None        # digVal: the DigestValue of the NF-e SEFAZ authorised
    events: tuple[bytes, ...] = ()   # procEventoNFe of the NF-e's events (a query of a cancelled NF-e)
    average_seconds: int | None = None   # tMed: the authoriser's average time to process a batch (with a receipt)

    @property
    def authorised(self) -> bool:
        return self.status == AUTHORISED

    @property
    def cancelled(self) -> bool:
        """A query's answer for an NF-e whose cancellation SEFAZ registered."""
        return self.status in CANCELLED_AT_SEFAZ

    @property
    def in_processing(self) -> bool:
        return self.status in (BATCH_RECEIVED, BATCH_IN_PROCESSING)

    @property
    def unavailable(self) -> bool:
        """SEFAZ cannot answer now: keep the document "aguardando SEFAZ" and ask again later."""
        return self.status in SERVICE_PARALYSED


class SefazGateway(Protocol):
    environment: Environment

    def authorise(self, signed_nfe: bytes) -> SefazAnswer:
        """Send one signed NF-e (synchronous batch); the answer may still be "in processing" (105)."""

    def query_receipt(self, receipt: str) -> SefazAnswer:
        """Ask again for a batch still in processing."""

    def query_nfe(self, access_key: str) -> SefazAnswer:
        """The NF-e's situation at SEFAZ (after a timeout, before sending again: never authorise twice):
        100 with its protNFe, 101 cancelled (with the events), 217 unknown (sending it is safe)."""

    def cancel(self, signed_event: bytes) -> SefazAnswer:
        """Register a signed cancellation event (110111: an envEvento, or one evento); 135 means cancelled."""

    def void_numbers(self, signed_request: bytes) -> SefazAnswer:
        """Void a range of numbers never authorised (a signed inutNFe); 102 means voided, with its protocol and
        the retInutNFe as `xml`."""

    def service_status(self) -> SefazAnswer:
        """Whether the UF's authoriser is up (107) or paralysed (108/109)."""
