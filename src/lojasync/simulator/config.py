"""Simulator settings: the default store, its generated data and the rate limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DEFAULT_STORE_ID = "1234567"
DEFAULT_ACCESS_TOKEN = "a3c0f1e2d4b5968778695a4b3c2d1e0f9a8b7c6d"
API_VERSIONS = ("v1", "2025-03")


@dataclass(frozen=True)
class SimulatorConfig:
    """`now` anchors the generated history (None: the simulator clock at start)."""

    store_id: str = DEFAULT_STORE_ID
    access_token: str = DEFAULT_ACCESS_TOKEN
    orders: int = 300
    seed: int = 42
    days: float = 30.0
    now: datetime | None = None
    bucket_size: int = 40
    leak_per_second: float = 2.0
    user_agent_required: bool = True
