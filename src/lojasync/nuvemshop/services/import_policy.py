"""What an import needs to know besides the payload: the status table and the unknown-SKU rule."""

from __future__ import annotations

from dataclasses import dataclass, field

from lojasync.sales.status import StatusRules, default_status_rules
from lojasync.stock.products import UnknownSkuPolicy


@dataclass(frozen=True)
class ImportPolicy:
    rules: StatusRules = field(default_factory=default_status_rules)
    unknown_sku: UnknownSkuPolicy = UnknownSkuPolicy.CREATE

    def fingerprint(self) -> str:
        """Part of each order's payload hash: changing the rules makes the next sync re-map orders."""
        return f"{self.rules.fingerprint()}|sku={self.unknown_sku.value}"
