"""A postal address as the ERP keeps it on customers and orders (value object)."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Address:
    name: str | None = None
    street: str | None = None
    number: str | None = None
    complement: str | None = None
    district: str | None = None
    zipcode: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    phone: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        # Not dataclasses.asdict: it deep-copies and was a tenth of the import time.
        return {name: getattr(self, name) for name in _FIELDS}

    @classmethod
    def from_dict(cls, data: dict | None) -> Address | None:
        if not data:
            return None
        return cls(**{k: v for k, v in data.items() if k in _FIELDS})

    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in _FIELDS)


_FIELDS = tuple(f.name for f in fields(Address))
