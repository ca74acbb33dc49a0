"""Customer (Cliente): one per CPF/CNPJ, kept up to date from the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lojasync.shared.address import Address
from lojasync.shared.tax_id import TaxId


@dataclass(frozen=True)
class CustomerData:
    """What an import knows about the buyer, before it becomes (or updates) a Customer."""

    tax_id: TaxId
    name: str
    email: str | None
    phone: str | None
    address: Address | None


class Customer:
    id: int | None
    tax_id: str
    kind: str
    name: str
    email: str | None
    phone: str | None
    address: Address | None
    created_at: datetime | None
    updated_at: datetime | None

    def __init__(self, tax_id: str, kind: str, name: str, email: str | None = None,
                 phone: str | None = None, address: Address | None = None) -> None:
        self.tax_id = tax_id
        self.kind = kind
        self.name = name
        self.email = email
        self.phone = phone
        self.address = address

    @classmethod
    def from_data(cls, data: CustomerData) -> "Customer":
        return cls(data.tax_id.value, data.tax_id.kind.value, data.name, data.email, data.phone, data.address)

    def update_from(self, data: CustomerData) -> list[str]:
        """Bring name, e-mail, phone and address up to date; blanks in the store never erase data."""
        changed = []
        for attr in ("name", "email", "phone", "address"):
            new = getattr(data, attr)
            if new and new != getattr(self, attr):
                setattr(self, attr, new)
                changed.append(attr)
        return changed
