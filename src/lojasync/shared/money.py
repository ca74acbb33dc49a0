"""Money: Decimal amounts in reais, parsed strictly and split without losing a cent."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_currency

from lojasync.shared.errors import LojasyncError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The largest amount taken in (15 digits of reais): the database keeps money as 64-bit cents (up to about R$ 92
# quadrillion), and a few such amounts added (an order's subtotal, freight, total) must still fit. No sale comes
# near it; past it, the figure is a broken payload (review: SQLite's driver raised OverflowError at the flush, which
# stopped the whole reconciliation page by page, for good, with nothing recorded).
MAX_MONEY = Decimal("999999999999999.99")
REAIS = "BRL"   # ISO 4217: the one currency lojasync's documents, stock values and receivables are in


def foreign_currency(code: str | None) -> str | None:
    """The currency a store said an order is in, when it is not reais (None: reais, or nothing said: a
    Brazilian store's orders are in reais)."""
    return code if code is not None and code != REAIS else None


class MoneyError(LojasyncError, ValueError):
    """An amount that is not money. A ValueError too: payload validators report it field by field."""

    code = "money.invalid"


def to_money(value: object) -> Decimal:
    """Parse a store amount ("5190.00", 12, Decimal) into a Decimal with two places.

    Floats are refused: the JSON layer decodes numbers to Decimal, so a float here is a bug.
    """
    if value is None or value == "":
        return ZERO
    if isinstance(value, (bool, float)):
        raise MoneyError(f"valor monetário deve ser texto decimal, não {type(value).__name__}: {value!r}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise MoneyError(f"valor monetário inválido: {value!r}") from exc
    if not amount.is_finite():
        raise MoneyError(f"valor monetário inválido: {value!r}")
    if abs(amount) > MAX_MONEY:   # before quantize: "1e30" has too many digits for the decimal context
        raise MoneyError(f"valor monetário fora do limite (até {brl(MAX_MONEY)}): {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def brl(value: Any) -> str:
    """`R$ 1.117,14`, as a Brazilian reads money (texts the domain stores, the CLI, the pages). Babel
    separates the symbol with a no-break space; a plain one is what people type and search for."""
    return format_currency(Decimal(str(value)), "BRL", locale="pt_BR").replace("\xa0", " ")


def in_currency(value: Any, currency: str | None) -> str:
    """An amount of an order the store priced in `currency`, with that currency's sign (`US$ 100,00`, `ARS 100,00`):
    not mistaken for reais. In reais (or nothing said), `brl`."""
    foreign = foreign_currency(currency)
    if foreign is None:
        return brl(value)
    return format_currency(Decimal(str(value)), foreign, locale="pt_BR").replace("\xa0", " ")


def split_by_weights(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `total` in proportion to `weights` so that the parts always add up to the whole.

    Largest remainder rule: every part is floored to the cent, then the missing cents go to the parts
    that lost most in the flooring (ties to the first).
    """
    if not weights:
        return []
    cents = int((to_money(total) / CENT).to_integral_value())
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        weights = [Decimal(1)] * len(weights)
        weight_sum = Decimal(len(weights))
    exact = [Decimal(cents) * w / weight_sum for w in weights]
    floors = [int(e.to_integral_value(rounding="ROUND_FLOOR")) for e in exact]
    missing = cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return [Decimal(c) * CENT for c in floors]
