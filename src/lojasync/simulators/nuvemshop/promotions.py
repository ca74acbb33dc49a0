"""Store promotions (Promoções: "% off a partir de N unidades") and the `promotional_discount` object they leave.

Real orders always carry `promotional_discount`: empty (id null, "0.00", no contents) when no promotion applied, else
one `contents` entry per promoted line and one `promotions_applied` entry per promoted category. The platform counts
the promotion in `discount` and `total`; the lines keep their price before it. The amounts inside `contents` and
`promotions_applied` are JSON numbers (129.9, 2450), only the top `total_discount_amount` is a string. The empty
object's `order_id` is a string, as in the platform's listing example; a real promoted order's was a number.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
SCRIPT = "NAtX%off"
# A small share of orders meets a running promotion; drawn apart from the store's stream (see `draw`).
SHARE = 0.1
RATES = ("0.10", "0.15", "0.20")


@dataclass(slots=True)
class Promotion:
    """One promotion met by an order: `rate` off every unit of the lines in `lines` (line id -> category)."""

    id: int
    rate: Decimal
    lines: dict[int, tuple[int, str]] = field(default_factory=dict)


def draw(rng: random.Random, lines: list[dict], categories: dict[int, str], ids: dict[str, int]) -> Promotion | None:
    """Maybe a promotion on one of the order's categories. `rng` is the order's own stream, so whether an order gets
    a promotion moves nothing else the seed decides. `categories`: product id -> category name."""
    if rng.random() >= SHARE:
        return None
    present = sorted({categories[line["product_id"]] for line in lines if line["product_id"] in categories})
    if not present:
        return None
    chosen = rng.choice(present)
    promotion = Promotion(rng.randint(20_000_000, 30_000_000), Decimal(rng.choice(RATES)))
    for line in lines:
        if categories.get(line["product_id"]) == chosen:
            promotion.lines[line["id"]] = (ids[chosen], chosen)
    return promotion


def _number(value: Decimal) -> int | float:
    """As the platform writes them: 2450, 129.9."""
    return int(value) if value == value.to_integral_value() else float(value)


def promotional_discount(order: dict, promotion: Promotion | None, created_at: str | None) -> tuple[Decimal, dict]:
    """The promotion's total and the `promotional_discount` object for `order`'s lines as they are now."""
    empty = {"id": None, "store_id": order.get("store_id"), "order_id": str(order.get("id")),
             "created_at": created_at, "total_discount_amount": "0.00", "contents": [], "promotions_applied": []}
    if promotion is None:
        return Decimal(0), empty
    contents, applied = [], {}
    total = Decimal(0)
    for line in order["products"]:
        scope = promotion.lines.get(line["id"])
        if scope is None:
            continue
        price, quantity = Decimal(line["price"]), int(line["quantity"])
        unit = (price * promotion.rate).quantize(CENT, rounding=ROUND_HALF_UP)
        line_total = unit * quantity
        total += line_total
        contents.append({
            "id": line["id"], "discount_script_type": SCRIPT, "scope_type": "categories",
            "scope_value_id": scope[0], "scope_value_name": scope[1], "quantity": quantity,
            "original_price": _number(price), "final_price": _number(price - unit),
            "discount_amount": _number(unit), "total_discount_amount": _number(line_total),
        })
        entry = applied.setdefault(scope[0], {
            "scope_value_id": scope[0], "discount_script_type": SCRIPT, "total_discount_amount": Decimal(0),
            "scope_value_name": scope[1],
            "selected_threshold": {"quantity": 1, "discount_decimal_percentage": float(promotion.rate)}})
        entry["total_discount_amount"] += line_total
    if not contents:
        return Decimal(0), empty
    for entry in applied.values():
        entry["total_discount_amount"] = _number(entry["total_discount_amount"])
    return total, {
        "id": promotion.id, "store_id": order.get("store_id"), "order_id": order.get("id"), "created_at": created_at,
        "total_discount_amount": str(total.quantize(CENT)), "contents": contents,
        "promotions_applied": list(applied.values()),
    }
