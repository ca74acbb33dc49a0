"""How an order reaches its buyer, as the store says it (value object): a carrier's service, or a pickup at the
store. The NF-e takes its transport group from it (`fiscal.services.invoice_draft`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Shipping:
    carrier: str | None = None   # the store's code of the carrier ("correios", "jadlog"), lower case
    option: str | None = None    # the option as the buyer chose it ("Correios - PAC")
    pickup: bool = False         # the buyer collects the goods at the store: nothing is transported
    branch: str | None = None    # which of the store's branches, for a pickup

    @property
    def how(self) -> str:
        """"Correios - PAC" (the carrier's code when the store named no option), "Retirada na loja (Loja Centro)"."""
        if self.pickup:
            return f"Retirada na loja ({self.branch})" if self.branch else "Retirada na loja"
        return self.option or self.carrier or "forma não informada"

    @property
    def words(self) -> str:
        """"Envio: Correios - PAC", "Retirada na loja (Loja Centro)"."""
        return self.how if self.pickup else f"Envio: {self.how}"

    def to_dict(self) -> dict[str, Any]:
        return {"carrier": self.carrier, "option": self.option, "pickup": self.pickup, "branch": self.branch}

    @classmethod
    def from_dict(cls, data: dict | None) -> Shipping | None:
        if not data:
            return None
        return cls(carrier=data.get("carrier"), option=data.get("option"), pickup=bool(data.get("pickup")),
                   branch=data.get("branch"))
