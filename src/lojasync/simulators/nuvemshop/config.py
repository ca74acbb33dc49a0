"""Simulator settings: the default store, its generated data, the rate limit, the app and webhook delivery."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

DEFAULT_STORE_ID = "1234567"
DEFAULT_ACCESS_TOKEN = "a3c0f1e2d4b5968778695a4b3c2d1e0f9a8b7c6d"
DEFAULT_APP_ID = "4321"
DEFAULT_CLIENT_SECRET = "5d3b6f0e8c1a4e2f9b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a"
API_VERSIONS = ("v1", "2025-03")


@dataclass(frozen=True)
class SimulatorConfig:
    """`now` anchors the generated history (None: the simulator clock at start).

    App: `client_id` None means the same as `app_id`; `redirect_url` and `lgpd_urls` can also be
    set at runtime. Webhooks: `webhook_time_scale` compresses the retry schedule (0.001 turns the
    5-minute retry into 0.3 s); `webhook_timeout` is the per-request timeout in real seconds.
    """

    store_id: str = DEFAULT_STORE_ID
    access_token: str = DEFAULT_ACCESS_TOKEN
    orders: int = 300
    seed: int = 42
    days: float = 30.0
    now: datetime | None = None
    bucket_size: int = 40
    leak_per_second: float = 2.0
    user_agent_required: bool = True
    app_id: str = DEFAULT_APP_ID
    client_id: str | None = None
    client_secret: str = DEFAULT_CLIENT_SECRET
    redirect_url: str | None = None
    lgpd_urls: Mapping[str, str] | None = None
    deliver_webhooks: bool = True
    webhook_time_scale: float = 1.0
    webhook_timeout: float = 40.0
    webhook_workers: int = 8
    webhook_max_attempts: int = 18

    def __post_init__(self) -> None:
        if self.client_id is None:
            object.__setattr__(self, "client_id", self.app_id)
        if self.webhook_time_scale < 0 or self.webhook_timeout <= 0 or self.webhook_workers < 1:
            raise ValueError("webhook_time_scale >= 0, webhook_timeout > 0 and webhook_workers >= 1 required")
        if self.webhook_max_attempts < 1:
            raise ValueError("webhook_max_attempts must be at least 1")
