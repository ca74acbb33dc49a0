"""The delivery switches of the simulated platform (duplicate, delay, reorder, drop, hold) and their checks."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

REORDER_MODES = ("shuffle", "reverse")


def _number(name: str, value, *, integer_means_count: bool = False):
    if isinstance(value, Decimal):
        value = float(value)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{name} must be a non-negative number")
    if integer_means_count and isinstance(value, float) and value > 1:
        raise ValueError(f"{name}: a float is a probability (0..1), an integer a count")
    return value


@dataclass
class Behaviour:
    """Delivery switches; every random choice comes from one `random.Random(seed)`."""

    duplicate_probability: float = 0.0  # chance of one extra copy of a delivery
    duplicate_count: int = 1  # copies of every delivery (1 = normal)
    delay: float = 0.0  # real seconds added before the first attempt
    reorder: int = 0  # >= 2: buffer deliveries in groups of this size and release them reordered
    reorder_mode: str = "shuffle"  # or "reverse"
    reorder_window: float = 0.5  # an incomplete group is released after this many seconds
    drop_probability: float = 0.0  # chance a delivery is dropped (never sent, no retries)
    drop_next: int = 0  # the next N deliveries are dropped
    hold: bool = False  # keep everything queued (nothing is sent) until released
    seed: int = 0

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("duplicate_probability", "duplicate_count", "delay", "reorder",
                                                 "reorder_mode", "reorder_window", "drop_probability",
                                                 "drop_next", "hold", "seed")}


def changed_behaviour(current: Behaviour, changes: dict) -> Behaviour:
    """A copy of `current` with the switches changed; ValueError names the first bad one."""
    b = replace(current)
    for key, value in changes.items():
        if key == "duplicate":
            value = _number(key, value, integer_means_count=True)
            if isinstance(value, float):
                b.duplicate_probability, b.duplicate_count = value, 1
            else:
                b.duplicate_probability, b.duplicate_count = 0.0, max(1, value)
        elif key == "drop":
            value = _number(key, value, integer_means_count=True)
            if isinstance(value, float):
                b.drop_probability, b.drop_next = value, 0
            else:
                b.drop_probability, b.drop_next = 0.0, value
        elif key in ("delay", "reorder_window"):
            setattr(b, key, float(_number(key, value)))
        elif key == "reorder":
            value = _number(key, value)
            if not float(value).is_integer():
                raise ValueError("reorder must be a whole group size")
            b.reorder = int(value)
        elif key == "reorder_mode":
            if value not in REORDER_MODES:
                raise ValueError(f"reorder_mode must be one of {', '.join(REORDER_MODES)}")
            b.reorder_mode = value
        elif key == "hold":
            if not isinstance(value, bool):
                raise ValueError("hold must be true or false")
            b.hold = value
        elif key == "seed":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError("seed must be an integer")
            b.seed = value
        else:
            raise ValueError(f"unknown webhook behaviour {key!r}")
    return b
