"""The store's promotion on each line of an order (Nuvemshop's `promotional_discount`).

The platform counts its promotions (Promoções: "% off a partir de N unidades", "leve X pague Y") in the order's
`discount`, beside the coupon and the gateway's discount, and leaves each line at its price before them; the object
says which lines they came off: `contents`, one entry per promoted line, its `id` the line's (`products[].id`) and its
`total_discount_amount` what came off that line. Its amounts are JSON numbers (129.9), the top total a string.

Read defensively: the NF-e takes these amounts as the lines' own discounts (`fiscal.nfe_money.line_discounts`), so
data that does not add up is not used at all, and the order's discount is shared by the lines' values as it was
before lojasync read them. Nothing here refuses an order: its discount and total hold the promotion either way.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from lojasync.nuvemshop.payloads import StoreOrder
from lojasync.shared.money import CENT, MAX_MONEY, ZERO


def line_promotions(order: StoreOrder) -> dict[str, Decimal] | None:
    """Each line's promotion by the line's id (0 for a line of the order no promotion reached), to the cent; None
    when the order has none, or none that can be the lines' own part of its discount."""
    promotion = order.promotional_discount
    contents = promotion.get("contents") if promotion is not None else None
    if not isinstance(contents, list) or not contents:
        return None   # no promotion (the platform sends "0.00" and no contents), or a shape nobody foresaw
    total = _amount(promotion.get("total_discount_amount"))
    lines = order.products
    ids = [line.id for line in lines]
    if total is None or None in ids or len(set(ids)) != len(ids):
        return None   # no total to check the entries against, or lines the entries could not name one by one
    by_line: dict[str, Decimal] = dict.fromkeys(ids, ZERO)
    for entry in contents:
        line_id = _line_id(entry.get("id")) if isinstance(entry, dict) else None
        amount = _amount(entry.get("total_discount_amount")) if isinstance(entry, dict) else None
        if line_id not in by_line or amount is None or amount < 0:
            return None   # an entry for a line not in the order (edited since?), or no amount: which line had what?
        by_line[line_id] += amount
    rounded = {line_id: amount.quantize(CENT, rounding=ROUND_HALF_UP) for line_id, amount in by_line.items()}
    if sum(rounded.values(), ZERO) != total.quantize(CENT, rounding=ROUND_HALF_UP):
        return None   # the entries are not the whole promotion: the rest would be nobody's
    if any(rounded[line.id] > line.price * line.quantity for line in lines):
        return None   # more off a line than it is worth: not that line's promotion as the NF-e can say it
    if total > order.discount:
        return None   # a promotion the discount does not hold: not the platform's way of counting it
    return rounded


def _line_id(value: Any) -> str | None:
    """A line id as `payloads` keeps one (993842616, "993842616" and 993842616.0 alike)."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text or None


def _amount(value: Any) -> Decimal | None:
    """An amount as the platform writes it here (129.9, "989.60"), or None when it is no amount."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return None
    try:
        amount = Decimal(str(value).strip())   # a float's str is its shortest form: 129.9, not 129.900000000000006
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and abs(amount) <= MAX_MONEY else None
