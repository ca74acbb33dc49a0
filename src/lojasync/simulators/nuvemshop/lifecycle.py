"""How a generated order got to its current state: payment, packing, shipping, closing, cancelling."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

# Fate -> weight: where the order is heading; the clock may stop it earlier.
FATES = {
    "complete": 38, "shipping": 14, "packing": 8, "paid_new": 8, "pending": 9, "authorized": 3,
    "abandoned": 4, "cancel_unpaid": 9, "cancel_refund": 4, "refund_closed": 1.5, "partial": 1.5,
}
REASON_WEIGHTS = {"customer": 40, "inventory": 20, "fraud": 15, "other": 25}


@dataclass
class Lifecycle:
    status: str = "open"
    payment_status: str = "pending"
    shipping_status: str = "unpacked"  # canonical legacy spelling; the generator may rename it
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    closed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    updated: datetime | None = None


def _later(rng: random.Random, start: datetime, low_seconds: int, high_seconds: int) -> datetime:
    return start + timedelta(seconds=rng.randint(low_seconds, high_seconds))


def _pay_delay(rng: random.Random, start: datetime, method: str) -> datetime:
    if method == "credit_card":
        return _later(rng, start, 5, 180)
    if method == "pix":
        return _later(rng, start, 30, 2400)
    return _later(rng, start, 6 * 3600, 3 * 86400)


def _cancel_reason(rng: random.Random) -> str:
    return rng.choices(list(REASON_WEIGHTS), weights=list(REASON_WEIGHTS.values()))[0]


def simulate(rng: random.Random, created: datetime, now: datetime, method: str) -> Lifecycle:
    """Replay the order's history up to `now`; events due after `now` have not happened yet."""
    fate = rng.choices(list(FATES), weights=list(FATES.values()))[0]
    state = Lifecycle(updated=min(now, _later(rng, created, 1, 90)))
    if fate == "pending":
        return state
    if fate in ("authorized", "partial"):
        at = _later(rng, created, 10, 600)
        if at <= now:
            state.payment_status = "authorized" if fate == "authorized" else "partially_paid"
            state.updated = at
        return state
    if fate == "abandoned":
        at = _later(rng, created, 86400, 3 * 86400)
        if at <= now:
            state.payment_status, state.updated = "abandoned", at
        return state
    if fate == "cancel_unpaid":
        at = _later(rng, created, 3600, 4 * 86400)
        if at <= now:
            state.status, state.cancelled_at, state.updated = "cancelled", at, at
            state.payment_status = "voided" if rng.random() < 0.7 else "pending"
            state.cancel_reason = _cancel_reason(rng)
        return state
    paid = _pay_delay(rng, created, method)
    if paid > now:
        if method == "credit_card":
            state.payment_status = "authorized"
        return state
    state.payment_status, state.paid_at, state.updated = "paid", paid, paid
    if fate == "paid_new":
        return state
    if fate == "cancel_refund":
        at = _later(rng, paid, 7200, 5 * 86400)
        if at <= now:
            state.status, state.payment_status = "cancelled", "refunded"
            state.cancelled_at, state.updated, state.cancel_reason = at, at, _cancel_reason(rng)
        return state
    packed = _later(rng, paid, 7200, 30 * 3600)
    if packed > now:
        return state
    state.shipping_status, state.updated = "unshipped", packed
    if fate == "packing":
        return state
    shipped = _later(rng, packed, 7200, 2 * 86400)
    if shipped > now:
        return state
    state.shipping_status, state.shipped_at, state.updated = "shipped", shipped, shipped
    if fate == "shipping":
        return state
    closed = _later(rng, shipped, 3 * 86400, 12 * 86400)
    if closed > now:
        return state
    state.status, state.closed_at, state.updated = "closed", closed, closed
    if fate == "refund_closed":
        at = _later(rng, closed, 86400, 10 * 86400)
        if at <= now:
            state.payment_status, state.updated = "refunded", at
    return state
