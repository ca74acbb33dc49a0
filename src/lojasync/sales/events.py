"""Domain events of an order. Each is written to the order's history (a handler of `OrderEvent`);
later modules hang their own handlers on them (stock issue on "NF-e autorizada", for instance)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

from lojasync.sales.customers import Customer
from lojasync.sales.history import Change, HistoryType, ProcessedBy, Who
from lojasync.sales.status import OrderStatus
from lojasync.shared.events import DomainEvent
from lojasync.shared.tax_id import TaxIdProblemCode

if TYPE_CHECKING:
    from lojasync.sales.orders import Order

_NOT_PARAMS = {"order", "actor", "sequence"}


@dataclass(frozen=True, kw_only=True)
class OrderEvent(DomainEvent):
    history_type: ClassVar[HistoryType]
    order: Order = field(repr=False, compare=False)
    actor: Who

    def params(self) -> dict[str, Any]:
        """The history parameters: references and codes, no personal data. Read when the entry is
        written (after the flush), so a customer created in the same transaction has its id."""
        params = {}
        for f in fields(self):
            if f.name in _NOT_PARAMS:
                continue
            value = getattr(self, f.name)
            if isinstance(value, Customer) or f.name.endswith("customer"):
                # A reference, never the person's data: `customer` -> `customer_id`.
                params[f"{f.name}_id"] = value.id if value is not None else None
            else:
                params[f.name] = _plain(value)
        return params


def _plain(value: Any) -> Any:
    if isinstance(value, Change):
        return value.to_params()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


@dataclass(frozen=True, kw_only=True)
class OrderImported(OrderEvent):
    history_type = HistoryType.CREATED
    origin_number: str | None
    status: OrderStatus


@dataclass(frozen=True, kw_only=True)
class OrderUpdated(OrderEvent):
    history_type = HistoryType.UPDATED
    changes: tuple[Change, ...]


@dataclass(frozen=True, kw_only=True)
class PaymentReturnedInStore(DomainEvent):
    """The store says the order's money was given back (refunded, in full or in part) or never taken (voided), in
    `words` ("reembolsado"). No history entry of its own: the update that brought it says it. The connector, which
    knows the store's vocabulary, decides it; fiscal tells a person of a document still to be sent or confirmed."""

    order: Order = field(repr=False, compare=False)
    words: str


@dataclass(frozen=True, kw_only=True)
class CustomerMissing(OrderEvent):
    history_type = HistoryType.CUSTOMER_MISSING
    problem: TaxIdProblemCode


@dataclass(frozen=True, kw_only=True)
class CustomerKept(OrderEvent):
    history_type = HistoryType.CUSTOMER_KEPT
    problem: TaxIdProblemCode
    customer: Customer


@dataclass(frozen=True, kw_only=True)
class LineWithoutProduct(OrderEvent):
    history_type = HistoryType.UNKNOWN_SKU
    position: int
    sku: str | None   # the line's name stays on the order: a store's free text may name a person


@dataclass(frozen=True, kw_only=True)
class StoreChangeFlagged(OrderEvent):
    """The store changed an order the back office already processed: recorded, not applied."""

    history_type = HistoryType.ATTENTION
    origin_number: str | None
    processed_by: ProcessedBy | None
    store_status: str | None
    payment_status: str | None
    would_be: OrderStatus | None   # what the order would be, when the store changed the sale (None: the same sale)
    total: Decimal
    # The fields changed in the store and held back ("lines" for the items): `Order.store_details`.
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class StoreStateNoted(OrderEvent):
    """The store's own states moved on an order already processed (nothing material changed)."""

    history_type = HistoryType.STORE_UPDATE
    changes: tuple[Change, ...]


@dataclass(frozen=True, kw_only=True)
class StoreChangeUndone(OrderEvent):
    """The store changed the order back into the sale its document describes (or reopened it): the reasons that
    asked a person about the change went by themselves, and the history says so (review: the flag vanished from the
    order's page with nothing saying why). `document`: what it describes ("NF-e autorizada", "Venda simples 3
    pendente"); `still_pending`: the order's other reasons, still to be looked at."""

    history_type = HistoryType.STORE_CHANGE_UNDONE
    document: str | None
    still_pending: int = 0


@dataclass(frozen=True, kw_only=True)
class ImportFailed(OrderEvent):
    history_type = HistoryType.FAILED
    error: str   # a short, data-free description ("dados inválidos no pedido da loja")


@dataclass(frozen=True, kw_only=True)
class ImportRecovered(OrderEvent):
    history_type = HistoryType.RECOVERED
    attempts: int


@dataclass(frozen=True, kw_only=True)
class CustomerRegistrationSet(OrderEvent):
    """A person set the customer's IE from this order. Kept: what the NF-e makes of it (indIEDest), not the
    number itself (a rural producer's IE names a person)."""

    history_type = HistoryType.CUSTOMER_REGISTRATION
    customer: Customer
    before: str
    after: str


@dataclass(frozen=True, kw_only=True)
class CustomerLinked(OrderEvent):
    """A person linked the customer by hand; `previous_customer` is the one it replaced, if any."""

    history_type = HistoryType.CUSTOMER_LINKED
    customer: Customer
    previous_customer: Customer | None = None

    def params(self) -> dict[str, Any]:
        params = super().params()
        if params.get("previous_customer_id") is None:  # a first link: nothing was replaced
            params.pop("previous_customer_id", None)
        return params


@dataclass(frozen=True, kw_only=True)
class TrackingRecorded(OrderEvent):
    """A person recorded the shipment's tracking code (or changed it, or its link): the connector hands it to
    the store the order came from. A carrier's code names a parcel, not a person: kept as it is."""

    history_type = HistoryType.TRACKING_RECORDED
    code: str
    url: str | None
    previous_code: str | None = None


@dataclass(frozen=True, kw_only=True)
class StoreWriteRefused(OrderEvent):
    """The store refused for good what the ERP wrote back to the order (its tracking code, its NF-e key): said on
    the order's page, where the tracking form promised that the store marks it shipped and tells the customer
    (review: only the store log and Integração said it)."""

    history_type = HistoryType.STORE_WRITE_REFUSED
    what: str            # "tracking" or "nfe_key" (`nuvemshop.model.store_updates.UpdateKind`)
    value: str | None    # the code, or the key (none: the key being taken away)
    error: str
    resolution: str


@dataclass(frozen=True, kw_only=True)
class AttentionCleared(OrderEvent):
    """A person looked at what flagged the order and marked it resolved (the flag's text is not kept here:
    it was shown when the flag was raised, and may have named the buyer)."""

    history_type = HistoryType.ATTENTION_CLEARED


@dataclass(frozen=True, kw_only=True)
class PersonalDataErased(OrderEvent):
    """LGPD erasure. `fiscal_retention` says which fiscal document made the law keep the recipient's data."""

    request: HistoryType   # LGPD_CUSTOMER_REDACT or LGPD_STORE_REDACT
    fiscal_retention: ProcessedBy | None = None

    @property
    def history_type(self) -> HistoryType:  # type: ignore[override]
        return self.request

    def params(self) -> dict[str, Any]:
        return {"fiscal_retention": _plain(self.fiscal_retention)}


@dataclass(frozen=True, kw_only=True)
class DataExported(OrderEvent):
    history_type = HistoryType.LGPD_DATA_REQUEST
    request_id: str
