"""Customer (Cliente): one per CPF/CNPJ, kept up to date from the store.

The inscrição estadual (IE) is the operator's: the store has no such field, so an import never touches it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from lojasync.sales.erasure import ANONYMISED_NAME, assign
from lojasync.shared.address import Address
from lojasync.shared.tax_id import TaxId, TaxIdKind
from lojasync.shared.utc import aware

if TYPE_CHECKING:
    from lojasync.sales.orders import Order


@dataclass(frozen=True)
class CustomerData:
    """What an import knows about the buyer, before it becomes (or updates) a Customer."""

    tax_id: TaxId
    name: str
    email: str | None
    phone: str | None
    address: Address | None
    # False: the store named no buyer and `name` is the placeholder ("Cliente 529.982.247-25"), a name for a new
    # customer only (review: a later order without a name renamed a known buyer so). Out of the repr, which the
    # import's content digest is made of: the digests stored before it keep matching.
    name_given: bool = field(default=True, repr=False, compare=False)


class Customer:
    id: int | None = None  # class default: a customer not yet flushed has no id (mapped, the ORM sets it)
    tax_id: str
    kind: str
    name: str
    email: str | None
    phone: str | None
    address: Address | None
    # None: not an ICMS contributor; "ISENTO"; or the registration's digits (see shared.state_registration).
    state_registration: str | None
    # The store's moment of the data kept (its order's updated_at): older data does not overwrite it.
    store_data_at: datetime | None = None
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
        self.state_registration = None

    @classmethod
    def from_data(cls, data: CustomerData, as_of: datetime | None = None) -> Customer:
        customer = cls(data.tax_id.value, data.tax_id.kind.value, data.name, data.email, data.phone, data.address)
        customer.store_data_at = as_of
        return customer

    def update_from(self, data: CustomerData, as_of: datetime | None = None) -> list[str]:
        """Bring name, e-mail, phone and address up to date; blanks in the store never erase data. `as_of`: when
        the store's data was current (its order's updated_at): data older than what is kept changes nothing (review:
        an older order read later, a retry, a late notification, a reconciliation's overlap, put back the
        buyer's former address and phone)."""
        if as_of is not None and self.store_data_at is not None and as_of < aware(self.store_data_at):
            return []
        if as_of is not None:
            self.store_data_at = as_of
        changed = []
        for attr in ("name", "email", "phone", "address"):
            new = getattr(data, attr) if attr != "name" or data.name_given else None
            old = getattr(self, attr)
            if new and new != old:
                setattr(self, attr, new)
                # An address kept by an earlier version as "São Paulo" and now sent as "SP" is no change.
                if not (attr == "address" and old is not None and old.with_uf() == new.with_uf()):
                    changed.append(attr)
        return changed

    def set_state_registration(self, value: str | None) -> bool:
        """Keep the IE (already checked against the address's UF); return whether it changed."""
        return assign(self, {"state_registration": value})

    def erase_personal_data(self, keep_fiscal: bool) -> bool:
        """Anonymise (LGPD); with a processed order keep name, CPF/CNPJ and address, which the fiscal
        document names. Return whether anything changed.

        The IE goes in every case: an NF-e already authorised keeps it in its own XML, and an erased customer
        is never invoiced again as a contributor on the strength of a record they asked to have removed.
        """
        changes: dict[str, object] = {"email": None, "phone": None, "state_registration": None}
        if keep_fiscal:
            if self.address is not None and self.address.phone:
                changes["address"] = replace(self.address, phone=None)
        else:
            changes.update(name=ANONYMISED_NAME, address=None)
            if not self.tax_id.startswith("LGPD"):
                # tax_id is NOT NULL and unique: a placeholder that cannot be a CPF/CNPJ.
                changes["tax_id"] = f"LGPD{self.id:010d}"
        return assign(self, changes)

    def keep_only_contact_of(self, order: Order | None, as_of: datetime | None = None) -> bool:
        """Kept for orders still standing while an erased store's go (LGPD: a store asked, the person bought in
        another store too): name, e-mail, phone and address become what `order`, the newest standing one linked by
        its own document, keeps of them (its own copy of what the import takes: `contact_*` and the billing address),
        a field it has not going blank, the name the import's placeholder; none of what only the erased orders gave
        stays (review: an e-mail only store A's order had survived A's request, for B's data export to hand over).
        None: the standing orders were all linked by hand (their contact someone else's), and what the record holds
        came from the erased store: it goes, but a company's razão social and address, which the NF-e of those orders
        name and which are no one's personal data (review: a company became "Cliente <CNPJ>" with no address).
        The CPF/CNPJ, which links the standing orders, and the IE, the operator's, stay. `as_of`: that order's moment
        in its store, the data's age from now on. Return whether anything changed."""
        if self.is_anonymised():
            return False
        if order is not None:
            changes = {"name": order.contact_name, "email": order.contact_email, "phone": order.contact_phone,
                       "address": order.billing_address}
        elif self.kind == TaxIdKind.CNPJ.value:
            changes = {"name": self.name, "email": None, "phone": None,
                       "address": replace(self.address, phone=None) if self.address is not None else None}
        else:
            changes = {"name": None, "email": None, "phone": None, "address": None}
        changes["name"] = changes["name"] or f"Cliente {TaxId(self.tax_id, TaxIdKind(self.kind)).formatted()}"
        changed = assign(self, changes)
        self.store_data_at = as_of
        return changed

    def is_anonymised(self) -> bool:
        return self.tax_id.startswith("LGPD")
