"""What an import needs to know besides the payload: the status table, the unknown-SKU rule and the first day
of the orders brought in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lojasync.sales.status import StatusRules, default_status_rules
from lojasync.stock.products import UnknownSkuPolicy


@dataclass(frozen=True)
class ImportPolicy:
    rules: StatusRules = field(default_factory=default_status_rules)
    unknown_sku: UnknownSkuPolicy = UnknownSkuPolicy.CREATE
    # An order the store created before this moment is not brought in (one already in the ERP is still updated: what
    # the ERP holds is kept in step with the store). None: every order. Not in the fingerprint: it maps nothing.
    orders_from: datetime | None = None

    def fingerprint(self) -> str:
        """Part of each order's payload hash: changing the rules makes the next sync re-map orders."""
        return f"{self.rules.fingerprint()}|sku={self.unknown_sku.value}"

    def before_start(self, created_at: datetime | None) -> bool:
        """Whether an order created at `created_at` is older than the orders brought in (a moment the store did not
        give: brought in, nothing is lost by default)."""
        return self.orders_from is not None and created_at is not None and created_at < self.orders_from
