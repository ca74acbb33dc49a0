"""Declarative mapper: a Nuvemshop order payload becomes the ERP's OrderData."""

from __future__ import annotations

import re
from decimal import Decimal

from lojasync.nuvemshop.payloads import StoreAddress, StoreLine, StoreOrder
from lojasync.nuvemshop.promotions import line_promotions
from lojasync.sales.customers import CustomerData
from lojasync.sales.marketplaces import MERCADO_LIVRE
from lojasync.sales.order_data import MAX_INSTALLMENTS, LineData, OrderData
from lojasync.sales.orders import ORIGIN_ONLINE_STORE
from lojasync.sales.shipping import Shipping
from lojasync.sales.status import StatusRules
from lojasync.shared.address import Address, state_code
from lojasync.shared.tax_id import TaxId, TaxIdProblem, parse_tax_id


def map_order(order: StoreOrder, rules: StatusRules) -> OrderData:
    tax_id, document = resolve_tax_id(order)
    billing = _billing_address(order)
    customer = None
    problem = None
    if isinstance(tax_id, TaxId):
        customer = _customer_data(order, tax_id, billing)
    else:
        problem = tax_id
    installments = (order.payment_details or {}).get("installments")
    promotions = line_promotions(order)
    return OrderData(
        origin=ORIGIN_ONLINE_STORE,
        origin_number=_clip(order.number or order.id, 40),
        status=rules.map(order.status, order.payment_status),
        customer=customer,
        customer_problem=problem,
        contact_name=_clip(_first(order.customer and order.customer.name, order.contact_name, order.billing_name), 200),
        contact_email=_clip(_first(order.customer and order.customer.email, order.contact_email), 200),
        contact_phone=_clip(_first(order.customer and order.customer.phone, order.contact_phone, order.billing_phone),
                            40),
        contact_document=_clip(document, 40),
        subtotal=order.subtotal,
        discount=order.discount,
        freight=order.freight,
        total=order.order_total,
        payment_method=_clip((order.payment_details or {}).get("method") or None, 40),
        payment_gateway=_clip(order.gateway_name or order.gateway, 80),
        installments=_installments(installments),
        billing_address=billing,
        shipping_address=_address(order.shipping_address),
        placed_at=order.created_at,
        note=order.note,
        lines=[_line(line, promotions) for line in order.products],
        paid_at=order.paid_at,
        shipping=_shipping(order),
        marketplace=MARKETPLACE_STOREFRONTS.get((order.storefront or "").strip().lower()),
        currency=_clip((order.currency or "").strip().upper() or None, 10),
    )


# The store's `storefront` of the orders sold on a marketplace it is connected to (the others: its own shop,
# app, API or form).
MARKETPLACE_STOREFRONTS = {"meli": MERCADO_LIVRE}


# The store's word for an order the buyer collects at one of its branches (the other is "ship").
PICKUP = "pickup"


def _shipping(order: StoreOrder) -> Shipping | None:
    pickup = (order.shipping_pickup_type or "").lower() == PICKUP
    carrier = _clip(order.shipping.lower() if order.shipping else None, 40)
    option = _clip(order.shipping_option, 120)
    if not (pickup or carrier or option):
        return None
    return Shipping(carrier=carrier, option=option, pickup=pickup,
                    branch=_clip(order.shipping_store_branch_name, 120) if pickup else None)


def resolve_tax_id(order: StoreOrder) -> tuple[TaxId | TaxIdProblem, str | None]:
    """The customer's `identification` first, then the order's `contact_identification`.

    Returns the result and the store's text it came from. When both are present and both fail, the
    first one's problem is the one shown.
    """
    candidates = [order.customer.identification if order.customer else None, order.contact_identification]
    first: tuple[TaxIdProblem, str] | None = None
    for raw in candidates:
        result = parse_tax_id(raw)
        if isinstance(result, TaxId):
            return result, raw
        if raw and first is None:
            first = (result, raw)
    return first or (parse_tax_id(None), None)


def _customer_data(order: StoreOrder, tax_id: TaxId, billing: Address | None) -> CustomerData:
    store_customer = order.customer
    name = _clip(_first(store_customer and store_customer.name, order.contact_name, order.billing_name), 200)
    return CustomerData(
        tax_id=tax_id,
        name=name or f"Cliente {tax_id.formatted()}", name_given=bool(name),
        email=_clip(_first(store_customer and store_customer.email, order.contact_email), 200),
        phone=_clip(_first(store_customer and store_customer.phone, order.contact_phone, order.billing_phone), 40),
        address=_address(store_customer.default_address if store_customer else None) or billing,
    )


def _line(line: StoreLine, promotions: dict[str, Decimal] | None) -> LineData:
    """`promotions`: each line's promotion by its id (`nuvemshop.promotions`), None when the order has none usable."""
    name = line.name or f"Produto {line.product_id or '?'} (variação {line.variant_id or '?'})"
    return LineData(
        sku=_clip(line.sku, 100),
        name=_clip(name, 300),
        quantity=line.quantity,
        unit_price=line.price,
        store_product_id=line.product_id,
        store_variant_id=line.variant_id,
        promotion=promotions[line.id] if promotions is not None else None,
    )


def _billing_address(order: StoreOrder) -> Address | None:
    address = Address(
        name=order.billing_name, street=order.billing_address, number=order.billing_number,
        complement=order.billing_floor, district=order.billing_locality, zipcode=order.billing_zipcode,
        city=order.billing_city, state=state_code(order.billing_province, order.billing_country),
        country=order.billing_country,
        phone=order.billing_phone,
    )
    return None if address.is_empty() else address


def _address(store: StoreAddress | None) -> Address | None:
    if store is None:
        return None
    address = Address(
        name=store.name, street=store.address, number=store.number, complement=store.floor,
        district=store.locality, zipcode=store.zipcode, city=store.city,
        state=state_code(store.province, store.country), country=store.country, phone=store.phone,
    )
    return None if address.is_empty() else address


def _clip(value: str | None, length: int) -> str | None:
    """Fit the ERP column: a store text longer than any sane value must not refuse the whole order."""
    if value is None:
        return None
    value = str(value)
    return value if len(value) <= length else value[: length - 1] + "…"


def _first(*values: str | None) -> str | None:
    return next((v for v in values if v), None)


_INSTALLMENTS_TEXT = re.compile(r"\s*[0-9]{1,6}(?:\.0+)?\s*")


def _installments(value: object) -> int | None:
    """The store's installment count: a whole number, written 3, "3" or 3.0, from 1 to MAX_INSTALLMENTS; anything
    else None. A huge one failed the whole import with a database overflow, retried for ever (review: the order never
    reached Pedidos), and 3.0 was read as none, a 3x card sale recorded as one receivable. The limit is the
    receivables' own (review: 49 to 999 were kept, the order said "em 60x" and its receivables made one)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return None
    if isinstance(value, float):
        value = Decimal(str(value))
    if isinstance(value, str):
        if not _INSTALLMENTS_TEXT.fullmatch(value):   # digits (ASCII), a ".0" at most: not "1e2", "+3" or "３"
            return None
        value = Decimal(value.strip())
    number = Decimal(value)
    if not number.is_finite() or number != number.to_integral_value() or not 1 <= number <= MAX_INSTALLMENTS:
        return None
    return int(number)
