"""Domain events of processing an order. Each is an order event, so the order's history records it; the
approval and cancellation events also have the effects' handlers (stock, receivables) hung on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from lojasync.sales.events import OrderEvent
from lojasync.sales.history import HistoryType


@dataclass(frozen=True, kw_only=True)
class DocumentEvent(OrderEvent):
    """An event about an NF-e or a sale; `document` is the aggregate itself (for handlers, not history)."""

    document: Any = field(repr=False, compare=False)
    # When the transaction recording it runs (its service's clock), which may be days after the document's own
    # time: an NF-e's authorisation learned by asking SEFAZ by key after its answer was lost. For handlers.
    recorded_at: datetime | None = field(default=None, repr=False, compare=False)

    def params(self) -> dict[str, Any]:
        params = super().params()
        params.pop("document", None)
        params.pop("recorded_at", None)
        return params


@dataclass(frozen=True, kw_only=True)
class DocumentApproved(DocumentEvent):
    """NF-e authorised or sale confirmed: stock goes down and receivables are created, once."""


@dataclass(frozen=True, kw_only=True)
class DocumentCancelled(DocumentEvent):
    """NF-e or sale cancelled after approval: stock comes back and open receivables are cancelled."""


@dataclass(frozen=True, kw_only=True)
class SaleGenerated(DocumentEvent):
    history_type = HistoryType.SALE_GENERATED
    sale_number: int


@dataclass(frozen=True, kw_only=True)
class SaleConfirmed(DocumentApproved):
    history_type = HistoryType.SALE_CONFIRMED
    sale_number: int


@dataclass(frozen=True, kw_only=True)
class SaleCancelled(DocumentCancelled):
    history_type = HistoryType.SALE_CANCELLED
    sale_number: int


@dataclass(frozen=True, kw_only=True)
class SaleDiscarded(DocumentEvent):
    """A sale cancelled before it was confirmed: the history says so; nothing had moved."""

    history_type = HistoryType.SALE_CANCELLED
    sale_number: int


@dataclass(frozen=True, kw_only=True)
class InvoiceGenerated(DocumentEvent):
    history_type = HistoryType.INVOICE_GENERATED
    number: int
    series: int


@dataclass(frozen=True, kw_only=True)
class InvoiceRebuilt(DocumentEvent):
    """Built anew from the order before it went (same number, a new key): `because` says why, in words."""

    history_type = HistoryType.INVOICE_REBUILT
    number: int
    series: int
    access_key: str
    because: str


@dataclass(frozen=True, kw_only=True)
class InvoiceResigned(DocumentEvent):
    """Awaiting SEFAZ, which said (asked by key) it never got it: signed again with the certificate installed since,
    before it is sent again (same number, same key)."""

    history_type = HistoryType.INVOICE_RESIGNED
    number: int
    series: int
    access_key: str


@dataclass(frozen=True, kw_only=True)
class InvoiceAuthorised(DocumentApproved):
    history_type = HistoryType.INVOICE_AUTHORISED
    number: int
    series: int
    protocol: str
    access_key: str
    simulated: bool = False     # by the SEFAZ simulator: the history says so, as the NF-e's page does


@dataclass(frozen=True, kw_only=True)
class InvoiceRejected(DocumentEvent):
    history_type = HistoryType.INVOICE_REJECTED
    number: int
    series: int
    code: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class InvoiceDenied(DocumentEvent):
    """Uso denegado: SEFAZ registered the NF-e and refused its use (review: recorded as a rejection, "NF-e
    rejeitada", which is corrected and sent again; a denied one is final)."""

    history_type = HistoryType.INVOICE_DENIED
    number: int
    series: int
    code: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class InvoiceDiscarded(DocumentEvent):
    history_type = HistoryType.INVOICE_DISCARDED
    number: int
    series: int
    reason: str | None = None
    taken_at_sefaz: bool = False   # rejected 539 or 206: SEFAZ holds the number (another key, voided), nothing to void
    spent_by: str | None = None    # which of the two ("539", "206"; before 2026-12-05 only 539 was, unsaid)


@dataclass(frozen=True, kw_only=True)
class InvoiceNumberVoided(DocumentEvent):
    """The number of a discarded NF-e voided at SEFAZ (inutilização): the gap it left is closed."""

    history_type = HistoryType.INVOICE_NUMBER_VOIDED
    number: int
    series: int
    protocol: str | None = None
    simulated: bool = False


@dataclass(frozen=True, kw_only=True)
class InvoiceCancelled(DocumentCancelled):
    history_type = HistoryType.INVOICE_CANCELLED
    number: int
    series: int
    protocol: str | None
    justification: str


@dataclass(frozen=True, kw_only=True)
class InvoiceCancelledElsewhere(DocumentEvent):
    """SEFAZ holds cancelled an NF-e that was awaiting its answer here: authorised and cancelled elsewhere (another
    program with the certificate, the portal). Not a `DocumentCancelled`: nothing had moved, nothing comes back."""

    history_type = HistoryType.INVOICE_CANCELLED_ELSEWHERE
    number: int
    series: int
    code: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class InvoiceFoundCancelled(DocumentEvent):
    """SEFAZ, asked by key after the cancellation deadlines, holds cancelled an NF-e authorised here: cancelled
    elsewhere. Recorded beside its `InvoiceCancelled`, whose handlers return the stock and cancel the receivables:
    this one tells the history who cancelled it."""

    history_type = HistoryType.INVOICE_FOUND_CANCELLED
    number: int
    series: int
    code: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class InvoiceCancellationRefused(DocumentEvent):
    """A cancellation requested here that SEFAZ did not register: refused with a code, out of service, or never
    reached. The NF-e stands authorised; the request left no other trace (review: who asked, when and why it
    failed were nowhere once the request was cleared)."""

    history_type = HistoryType.INVOICE_CANCEL_REFUSED
    number: int
    series: int
    justification: str
    problem: str   # the refusal as the person who asked read it


@dataclass(frozen=True, kw_only=True)
class InvoiceCancellationQueued(DocumentEvent):
    """A cancellation requested here that SEFAZ could not take now (never reached, or out of service): kept on the
    NF-e, and sent by the worker when SEFAZ answers. Nothing moved yet."""

    history_type = HistoryType.INVOICE_CANCEL_QUEUED
    number: int
    series: int
    justification: str
    problem: str   # why it did not go now, as the person who asked read it


@dataclass(frozen=True, kw_only=True)
class InvoiceCancellationWithdrawn(DocumentEvent):
    """A cancellation kept for the worker (SEFAZ never got it), withdrawn by a person before it went: the NF-e stays
    authorised, nothing moved, and nothing will be sent."""

    history_type = HistoryType.INVOICE_CANCEL_WITHDRAWN
    number: int
    series: int
    justification: str   # the request's, as it would have gone


@dataclass(frozen=True, kw_only=True)
class InvoiceSefazDown(DocumentEvent):
    """SEFAZ answered a person's send (or the worker's first) "out of service" (108/109): it took nothing, and the
    NF-e awaits SEFAZ, sent again by the worker (review: the history still read "gerada (ainda não transmitida)")."""

    history_type = HistoryType.INVOICE_SEFAZ_DOWN
    number: int
    series: int
    code: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class InvoiceUnanswered(DocumentEvent):
    """Sent, and no answer came (a timeout, a dropped connection): SEFAZ may hold it; it is asked by key later."""

    history_type = HistoryType.INVOICE_UNANSWERED
    number: int
    series: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class StockIssued(OrderEvent):
    history_type = HistoryType.STOCK_ISSUED
    units: int
    products: int
    document: str      # "NF-e nº 12 série 1", "venda simples 3"


@dataclass(frozen=True, kw_only=True)
class StockWentNegative(OrderEvent):
    """The issue took counted products below zero: more left than the ERP had (a count to check, goods
    shipped from elsewhere). The document stands, SEFAZ authorised it; a person is told which products."""

    history_type = HistoryType.STOCK_NEGATIVE
    products: tuple[dict, ...]   # {"sku": SKU or id:N, "balance": the stock after the issue}
    document: str


@dataclass(frozen=True, kw_only=True)
class StockReturned(OrderEvent):
    history_type = HistoryType.STOCK_RETURNED
    units: int
    products: int
    document: str


@dataclass(frozen=True, kw_only=True)
class ReceivablesCreated(OrderEvent):
    history_type = HistoryType.RECEIVABLES_CREATED
    count: int
    total: Decimal
    document: str


@dataclass(frozen=True, kw_only=True)
class ReceivablesCancelled(OrderEvent):
    history_type = HistoryType.RECEIVABLES_CANCELLED
    count: int
    flagged: int
    document: str
    standing: str | None = None   # the other document that goes on with the sale: the flagged ones were paid for it
