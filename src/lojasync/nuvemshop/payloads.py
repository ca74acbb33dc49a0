"""Nuvemshop order payloads, parsed defensively.

The platform sends ids and quantities as strings or numbers, money as decimal strings (legacy `price`
where `total` is missing), dates with `+0000` or `-03:00`, `completed_at` as an object, both spellings of
`shipping_status`, and `[]` where an object is absent. Unknown enum values are kept as data. Text
loses NUL characters and lone surrogates here, at the boundary, so no database ever sees them.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo, model_validator

from lojasync.shared.errors import Action, LojasyncError
from lojasync.shared.money import MAX_MONEY, brl, to_money
from lojasync.shared.tax_id import normalize_tax_id
from lojasync.shared.text import clean_text, clean_tree, without_controls

log = logging.getLogger("lojasync.payloads")

def _note_cleaned(info: ValidationInfo | None) -> None:
    # parse_order passes a context: the fields cleaned are logged once per order, without their text.
    if info is not None and isinstance(info.context, dict) and "cleaned" in info.context:
        info.context["cleaned"].add(info.field_name or "?")


def _text(value: Any, info: ValidationInfo | None) -> str | None:
    text = _as_kept(value, info)
    if text is None:
        return None
    shown = without_controls(text)
    if shown is not text:
        _note_cleaned(info)
    return shown.strip() or None


def _as_kept(value: Any, info: ValidationInfo | None) -> str | None:
    """The text as the databases can keep it (NUL and lone surrogates out), not stripped."""
    if value is None or isinstance(value, (list, dict)):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    raw = str(value)
    text = clean_text(raw)
    if text is not raw:
        _note_cleaned(info)
    return text


def _code(value: Any, info: ValidationInfo | None) -> str | None:
    # A SKU is matched, not read: kept as the store writes it, direction controls included (review: dropped, a SKU
    # imported before no longer matched its own product when the order came again, and a second product was made).
    text = _as_kept(value, info)
    return (text.strip() or None) if text is not None else None


def _id(value: Any, info: ValidationInfo | None) -> str | None:
    text = _text(value, info)
    if text is not None and text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text


_MAX_QUANTITY = 2_147_483_647  # the order_lines.quantity column is a 32-bit INTEGER


def _document(value: Any, info: ValidationInfo) -> str | None:
    # A CPF sent as a JSON number lost its leading zeros: put them back before it becomes text.
    if isinstance(value, int) and not isinstance(value, bool):
        return normalize_tax_id(value)
    return _text(value, info)


def _quantity(value: Any) -> int:
    if isinstance(value, float):
        raise ValueError("quantidade não pode ser float")
    problem = f"quantidade deve ser um inteiro positivo, veio {value!r}"
    if isinstance(value, bool) or value is None:
        raise ValueError(problem)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(problem) from None
    if not amount.is_finite() or amount != amount.to_integral_value() or amount <= 0 or "e" in str(value).lower():
        # "1e3" is no quantity a store writes: read as 1000, it issued a thousand units (review).
        raise ValueError(problem)
    if amount > _MAX_QUANTITY:  # checked before int(): "1e400000" would build a huge integer
        raise ValueError(f"quantidade acima do limite ({_MAX_QUANTITY}), veio {value!r}")
    return int(amount)


def parse_store_datetime(value: Any) -> datetime | None:
    """Both ISO forms and the `{date, timezone_type, timezone}` object; naive values are UTC."""
    if value is None or value == "" or isinstance(value, list):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, dict):
        if not value:
            return None
        if not value.get("date"):
            raise ValueError(f"data sem o campo 'date': {value!r}")
        moment = _iso_datetime(str(value["date"]))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_php_zone(str(value.get("timezone") or "UTC")))
    else:
        moment = _iso_datetime(str(value).strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError as exc:  # e.g. year 1 with a positive offset
        raise ValueError(f"data fora do intervalo: {value!r}") from exc


# PHP's DateTime as JSON names its zone three ways (`timezone_type`): 1 an offset ("-03:00"), 2 an abbreviation
# ("BRT"), 3 an identifier ("America/Sao_Paulo"). Only 3 was read: a payment date of the other two was dropped, and
# the receivables counted from the approval (dates review). Abbreviations are read as the platform's countries use
# them (AMT is Amazon time here, not Armenia's); one they share with others (CST) is refused, not guessed.
_ABBREVIATIONS = {"UTC": 0, "GMT": 0, "Z": 0, "BRT": -3, "BRST": -2, "AMT": -4, "AMST": -3, "ACT": -5, "FNT": -2,
                  "ART": -3}
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")


def _php_zone(name: str) -> tzinfo:
    hours = _ABBREVIATIONS.get(name.upper())
    if hours is not None:
        return timezone(timedelta(hours=hours))
    offset = _OFFSET.fullmatch(name.strip())
    if offset is not None and int(offset[2]) < 24 and int(offset[3]) < 60:
        sign = -1 if offset[1] == "-" else 1
        return timezone(sign * timedelta(hours=int(offset[2]), minutes=int(offset[3])))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"fuso horário desconhecido: {name!r}") from exc


def _iso_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"data em formato desconhecido: {text[:40]!r}") from None


def _object_or_none(value: Any) -> Any:
    # PHP-style APIs send [] for an absent object.
    return None if value == [] or value == "" else value


def _free_object(value: Any, info: ValidationInfo) -> Any:
    """An object kept as the store sent it (payment details), its text cleaned like the fields'."""
    value, changed = clean_tree(_object_or_none(value))
    if changed:
        _note_cleaned(info)
    return value


Text = Annotated[str | None, BeforeValidator(_text)]
Code = Annotated[str | None, BeforeValidator(_code)]
Document = Annotated[str | None, BeforeValidator(_document)]
Id = Annotated[str | None, BeforeValidator(_id)]
Money = Annotated[Decimal, BeforeValidator(to_money)]
OptionalMoney = Annotated[Decimal | None, BeforeValidator(lambda v: None if v in (None, "") else to_money(v))]
Quantity = Annotated[int, BeforeValidator(_quantity)]
StoreDate = Annotated[datetime | None, BeforeValidator(parse_store_datetime)]


def _date_or_none(value: Any) -> datetime | None:
    """A date the ERP can do without: unreadable, it is none (review: a `cancelled_at` of "0000-00-00 00:00:00", PHP's
    empty date, failed the whole order, which the merchant cannot fix in the store). An unreadable `paid_at` is as
    if the store said none: the receivables count from the document's approval."""
    try:
        return parse_store_datetime(value)
    except ValueError:
        return None


OptionalStoreDate = Annotated[datetime | None, BeforeValidator(_date_or_none)]


def _object_if_one(value: Any, info: ValidationInfo) -> dict | None:
    """An object the ERP can do without, kept as sent when it is one and as none otherwise: a store promotion's
    (`nuvemshop.promotions`) broken shape never refuses the order, whose discount already holds it."""
    value = _free_object(value, info)
    return value if isinstance(value, dict) else None

_SHIPPING_SPELLINGS = {"unshipped": "unfulfilled", "shipped": "fulfilled"}


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class StoreAddress(_Lenient):
    name: Text = None
    address: Text = None
    number: Text = None
    floor: Text = None
    locality: Text = None
    zipcode: Text = None
    city: Text = None
    province: Text = None
    country: Text = None
    phone: Text = None


class StoreCustomer(_Lenient):
    id: Id = None
    name: Text = None
    email: Text = None
    identification: Document = None
    phone: Text = None
    default_address: Annotated[StoreAddress | None, BeforeValidator(_object_or_none)] = None


class StoreLine(_Lenient):
    id: Id = None
    product_id: Id = None
    variant_id: Id = None
    name: Text = None
    sku: Code = None
    price: Money
    quantity: Quantity

    @model_validator(mode="after")
    def _total_fits(self) -> StoreLine:
        # Each within its limit, their product may not be (2 billion units at R$ 100 million): the line's total is
        # money kept as the order's other amounts are.
        if abs(self.price * self.quantity) > MAX_MONEY:
            raise ValueError(f"item {self.sku or self.name or self.id or ''}: quantidade {self.quantity} × preço "
                             f"{brl(self.price)} passa do limite de um valor ({brl(MAX_MONEY)})")
        return self


class StoreOrder(_Lenient):
    id: Id
    number: Id = None
    status: Text = None
    payment_status: Text = None
    shipping_status: Text = None
    cancel_reason: Text = None
    created_at: StoreDate = None
    updated_at: StoreDate = None
    paid_at: OptionalStoreDate = None
    cancelled_at: OptionalStoreDate = None
    completed_at: OptionalStoreDate = None

    subtotal: Money = Decimal("0.00")
    discount: Money = Decimal("0.00")
    discount_coupon: Money = Decimal("0.00")
    discount_gateway: Money = Decimal("0.00")
    # The store's promotions, already counted in `discount`, line by line (read by `nuvemshop.promotions`).
    promotional_discount: Annotated[dict | None, BeforeValidator(_object_if_one)] = None
    # None when the payload leaves it out (the platform's own "open order" example): see `freight`.
    shipping_cost_customer: OptionalMoney = None
    total: OptionalMoney = None
    price: OptionalMoney = None
    currency: Text = None

    gateway: Text = None
    gateway_name: Text = None
    payment_details: Annotated[dict | None, BeforeValidator(_free_object)] = None

    contact_name: Text = None
    contact_email: Text = None
    contact_phone: Text = None
    contact_identification: Document = None
    customer: Annotated[StoreCustomer | None, BeforeValidator(_object_or_none)] = None

    billing_name: Text = None
    billing_address: Text = None
    billing_number: Text = None
    billing_floor: Text = None
    billing_locality: Text = None
    billing_zipcode: Text = None
    billing_city: Text = None
    billing_province: Text = None
    billing_country: Text = None
    billing_phone: Text = None
    shipping_address: Annotated[StoreAddress | None, BeforeValidator(_object_or_none)] = None
    shipping: Text = None                    # the carrier's code: "correios", "jadlog", "ups"...
    shipping_option: Text = None             # the option the buyer chose: "Correios - PAC"
    shipping_pickup_type: Text = None        # "ship" or "pickup" (collected at one of the store's branches)
    shipping_store_branch_name: Text = None

    products: list[StoreLine] = []
    note: Text = None
    storefront: Text = None

    @property
    def order_total(self) -> Decimal:
        """`total`, or the legacy `price` of older payloads."""
        if self.total is not None:
            return self.total
        if self.price is not None:
            return self.price
        return self.subtotal - self.discount + self.freight

    @property
    def freight(self) -> Decimal:
        """What the buyer paid for shipping: `shipping_cost_customer`, or, when the payload leaves it out, what its
        total holds beyond the products less the discount (review: the platform's "open order" example has a
        total of 58,00 over products of 38,00 and no freight field; taken as zero, the order did not add up and its
        NF-e was refused later, pointing at nothing the operator could see)."""
        if self.shipping_cost_customer is not None:
            return self.shipping_cost_customer
        given = self.total if self.total is not None else self.price
        rest = given - self.subtotal + self.discount if given is not None else Decimal("0.00")
        return rest if rest > 0 else Decimal("0.00")

    @property
    def shipping_status_normalized(self) -> str | None:
        return _SHIPPING_SPELLINGS.get(self.shipping_status or "", self.shipping_status)


class PayloadError(LojasyncError, ValueError):
    """A store payload the importer cannot read; the message says which field and why."""

    code = "nuvemshop.payload_invalid"
    resolution_template = ("Confira o pedido na loja (campos apontados no erro). A próxima sincronização tenta de "
                           "novo; para tentar agora, sincronize a loja.")
    action = Action.SYNC

    def __init__(self, external_id: str | None, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.external_id = external_id
        # The paths of the fields at fault, without their values (the history keeps these, not the text).
        self.fields = fields


def parse_order(payload: Any) -> StoreOrder:
    """Validate one order payload or raise PayloadError with a Portuguese explanation."""
    external_id = _id(payload.get("id"), None) if isinstance(payload, dict) else None
    if not isinstance(payload, dict):
        raise PayloadError(None, f"Pedido da loja não é um objeto JSON: {clean_text(str(payload)[:80])}")
    cleaned: set[str] = set()
    try:
        order = StoreOrder.model_validate(payload, context={"cleaned": cleaned})
    except ValidationError as exc:
        errors = exc.errors()[:5]
        paths = tuple(".".join(str(p) for p in err["loc"]) for err in errors)
        problems = "; ".join(f"{path}: {_message(err)}" for path, err in zip(paths, errors, strict=True))
        raise PayloadError(external_id, f"Pedido {external_id or '?'} da loja com dados inválidos: {problems}",
                           paths) from exc
    if not order.id:
        raise PayloadError(None, "Pedido da loja sem o campo 'id'.")
    if cleaned:
        # Which fields, never their text: it may be a customer's name or address.
        log.warning("store order text cleaned (NUL, lone surrogate, terminal or direction control)",
                    extra={"external_id": order.id, "fields": sorted(cleaned)})
    return order


_MESSAGES = {
    "missing": "campo obrigatório ausente",
    "list_type": "deveria ser uma lista",
    "dict_type": "deveria ser um objeto",
    "model_type": "deveria ser um objeto",
    "string_type": "deveria ser texto",
    "int_type": "deveria ser um número inteiro",
}


def _message(error: dict) -> str:
    """Pydantic's message in Portuguese; our own validators already speak it."""
    if error["type"] == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    # A kind of error not translated above still reaches a merchant: say it in Portuguese, keep the kind.
    return _MESSAGES.get(error["type"], f"valor inválido ({error['type']})")
