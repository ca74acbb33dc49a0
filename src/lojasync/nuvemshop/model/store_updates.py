"""Store updates: what the ERP owes the store (the connector's outbox).

After stock moves, the store must show the ERP's stock for the products the ERP manages; after an NF-e is
authorised, the store order must carry its access key; once the back office records a shipment's tracking code,
the store order must be marked shipped with it. Each is a row written in the same transaction as
the change that causes it, and pushed later by the worker, inside the store's rate limit: a crash between
the two loses nothing, a rolled-back approval leaves nothing to push.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from lojasync.shared.utc import aware


class UpdateKind(StrEnum):
    STOCK = "stock"        # ref: the variant's id; the value is read when pushed (the balance then)
    NFE_KEY = "nfe_key"    # ref: the order's id; value: the access key, or none to take it away
    TRACKING = "tracking"  # ref: the order's id; value: the code (code and link are read from the order when pushed)


class UpdateStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"      # the store refused it for good: kept, with the reason, until a person acts


# An update the store has been answering with an error for this long is late: the Integração page says so. The
# retries go on (every 10 minutes by then): a store down for a while comes back by itself.
LATE_AFTER = timedelta(hours=1)


# Metafield of the store order that holds the NF-e's access key (the platform has no invoice field).
NFE_NAMESPACE, NFE_KEY = "nfe", "key"


@dataclass(frozen=True)
class StoreUpdate:
    id: int
    store_id: int
    kind: str
    ref: str
    parent_ref: str | None
    product_id: int | None
    value: str | None
    remote_id: str | None
    sent_value: str | None
    status: str
    revision: int
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    resolution: str | None
    pushed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    # Since when the store has been answering it with an error (kept across new values); None: not failing.
    failing_since: datetime | None = None

    def late(self, now: datetime) -> bool:
        """Still waiting, and the store has been failing it for longer than LATE_AFTER: a person should look."""
        return self.status == UpdateStatus.PENDING.value and self.failing_since is not None and \
            now - aware(self.failing_since) >= LATE_AFTER


@dataclass(frozen=True)
class StockTarget:
    """A store variant bound to a product whose stock the ERP manages."""

    store_id: int
    variant_ref: str
    product_ref: str | None
    product_id: int
