"""Order history: what happened to one order, as typed entries (type, parameters, actor, time).

Text is built when the history is shown, in Portuguese, from the parameters (`history_text`); parameters
hold no personal data beyond references (a customer id, not a name), so erasing a person's data (LGPD)
never rewrites history. The types cover the whole life of an order, NF-e and receivables included,
whichever module records them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Actor(StrEnum):
    """Who caused the entry."""

    STORE = "store"        # the online store itself (its LGPD requests, for instance)
    WEBHOOK = "webhook"    # a store notification, read by the worker
    SYNC = "sync"          # the periodic or manual synchronisation
    OPERATOR = "operator"  # a person in the back office
    SYSTEM = "system"      # lojasync on its own (SEFAZ answers, retries)

    @property
    def label(self) -> str:
        return _ACTOR_LABELS[self]


_ACTOR_LABELS = {Actor.STORE: "loja", Actor.WEBHOOK: "webhook", Actor.SYNC: "sincronização",
                 Actor.OPERATOR: "operador", Actor.SYSTEM: "sistema"}

# Longest name kept with an entry (the column's size); e-mails are at most 254 characters.
PERSON_NAME_MAX = 254


@dataclass(frozen=True)
class Person:
    """A person in the back office, by name: the history says who did it, not only that "an operator" did.

    Entrypoints build it from what identifies the caller: the logged-in user's e-mail on the pages, the API
    token's name (or the session's e-mail) on the API, the system login of whoever typed a CLI command. Stored
    as the category `operator` plus the name, so everything that reads only the category keeps working.
    """

    name: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", " ".join(self.name.split())[:PERSON_NAME_MAX] or "?")

    @classmethod
    def user(cls, email: str) -> Person:
        return cls(email)

    @classmethod
    def api_token(cls, token_name: str) -> Person:
        return cls(f"token de API {token_name}")

    @classmethod
    def terminal(cls, login: str | None) -> Person:
        return cls(f"terminal ({login})" if login else "terminal")

    @property
    def value(self) -> str:
        return Actor.OPERATOR.value

    @property
    def label(self) -> str:
        return f"{Actor.OPERATOR.label} {self.name}"


# Who caused an entry: a category, or a named person (always an operator).
Who = Actor | Person


def actor_name(who: Who) -> str | None:
    """The name stored beside the category (None for the store, the worker, lojasync itself)."""
    return who.name if isinstance(who, Person) else None


def actor_label(actor: str, name: str | None) -> str:
    """The entry's author in words, from what was stored: "operador ana@loja.com.br", "webhook"."""
    try:
        category = Actor(actor).label
    except ValueError:
        category = actor
    return f"{category} {name}" if name else category


class Level(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class HistoryType(StrEnum):
    # import from the store
    CREATED = "created"
    UPDATED = "updated"
    CUSTOMER_MISSING = "customer_missing"
    CUSTOMER_KEPT = "customer_kept"
    UNKNOWN_SKU = "unknown_sku"
    FAILED = "failed"
    RECOVERED = "recovered"
    ATTENTION = "attention"
    STORE_UPDATE = "store_update"
    STORE_CHANGE_UNDONE = "store_change_undone"   # the store changed the order back: its flag went by itself
    # back office
    CUSTOMER_LINKED = "customer_linked"
    CUSTOMER_REGISTRATION = "customer_registration"
    ATTENTION_CLEARED = "attention_cleared"
    TRACKING_RECORDED = "tracking_recorded"
    STORE_WRITE_REFUSED = "store_write_refused"   # the store refused what the ERP wrote back to this order
    # LGPD
    LGPD_CUSTOMER_REDACT = "lgpd_customer_redact"
    LGPD_STORE_REDACT = "lgpd_store_redact"
    LGPD_DATA_REQUEST = "lgpd_data_request"
    # processing (fiscal, stock, finance)
    INVOICE_GENERATED = "invoice_generated"
    INVOICE_REBUILT = "invoice_rebuilt"
    INVOICE_RESIGNED = "invoice_resigned"
    INVOICE_AUTHORISED = "invoice_authorised"
    INVOICE_REJECTED = "invoice_rejected"
    INVOICE_DENIED = "invoice_denied"
    INVOICE_CANCELLED = "invoice_cancelled"
    INVOICE_CANCELLED_ELSEWHERE = "invoice_cancelled_elsewhere"
    INVOICE_FOUND_CANCELLED = "invoice_found_cancelled"
    INVOICE_DISCARDED = "invoice_discarded"
    INVOICE_NUMBER_VOIDED = "invoice_number_voided"
    # Written until 2026-12-06, when a request SEFAZ never got was cleared; now the worker sends it: kept for those.
    INVOICE_CANCEL_NOT_REGISTERED = "invoice_cancel_not_registered"
    INVOICE_CANCEL_REFUSED = "invoice_cancel_refused"
    INVOICE_CANCEL_QUEUED = "invoice_cancel_queued"
    INVOICE_CANCEL_WITHDRAWN = "invoice_cancel_withdrawn"
    INVOICE_UNANSWERED = "invoice_unanswered"
    INVOICE_SEFAZ_DOWN = "invoice_sefaz_down"
    SALE_GENERATED = "sale_generated"
    SALE_CONFIRMED = "sale_confirmed"
    SALE_CANCELLED = "sale_cancelled"
    STOCK_ISSUED = "stock_issued"
    STOCK_RETURNED = "stock_returned"
    STOCK_NEGATIVE = "stock_negative"
    RECEIVABLES_CREATED = "receivables_created"
    RECEIVABLES_CANCELLED = "receivables_cancelled"
    RECEIVABLE_RECEIVED = "receivable_received"
    RECEIVABLE_CHECKED = "receivable_checked"
    RECEIVABLE_WRITTEN_OFF = "receivable_written_off"
    RECEIVABLE_RECEIPT_UNDONE = "receivable_receipt_undone"
    REFUND_CHECK_SETTLED = "refund_check_settled"
    # rows written before history had types (migrated from the old sync log)
    LEGACY = "legacy"


class ProcessedBy(StrEnum):
    """The fiscal fact that makes an order processed: imports must never undo it."""

    NFE = "nfe"
    SIMPLE_SALE = "simple_sale"

    @property
    def label(self) -> str:
        return "NF-e autorizada" if self is ProcessedBy.NFE else "venda simples confirmada"


# -- what changed in an update -----------------------------------------------------------------------------

class ChangeKind(StrEnum):
    STATUS = "status"
    FIELD = "field"
    CUSTOMER_LINKED = "customer_linked"
    CUSTOMER_MISSING = "customer_missing"
    LINES = "lines"
    STORE_STATE = "store_state"


@dataclass(frozen=True)
class Change:
    """One change an update brought. `customer` is the object itself: a customer created in the same
    transaction has no id until the flush, and the id is read only when the entry is written."""

    kind: ChangeKind
    name: str | None = None      # the field, or the store state
    before: str | None = None
    after: str | None = None
    customer: Any = field(default=None, compare=False, repr=False)

    def to_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"kind": self.kind.value}
        for key in ("name", "before", "after"):
            if getattr(self, key) is not None:
                params[key] = getattr(self, key)
        if self.customer is not None:
            params["customer_id"] = self.customer.id
        return params


class HistoryEntry:
    """One stored entry of an order's history."""

    id: int | None
    order_id: int
    type: str
    actor: str
    actor_name: str | None
    params: dict
    created_at: datetime | None

    def __init__(self, order_id: int, entry_type: str, actor: str, params: dict,
                 created_at: datetime | None = None, actor_name: str | None = None) -> None:
        self.order_id = order_id
        self.type = entry_type
        self.actor = actor
        self.actor_name = actor_name
        self.params = params
        if created_at is not None:
            self.created_at = created_at
