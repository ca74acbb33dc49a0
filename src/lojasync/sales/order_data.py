"""What an import brings for an order: the ERP values of a store order, before they become an `Order`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from lojasync.sales.customers import CustomerData
from lojasync.sales.shipping import Shipping
from lojasync.sales.status import OrderStatus
from lojasync.shared.address import Address
from lojasync.shared.tax_id import TaxIdProblem, TaxIdProblemCode

# The most installments a sale is taken in: more than any card or boleto plan has. One above it is a broken value,
# kept as none by the import (the receivables then make one, and the order names no count it does not honour).
MAX_INSTALLMENTS = 48


@dataclass(frozen=True)
class LineData:
    sku: str | None
    name: str
    quantity: int
    unit_price: Decimal
    store_product_id: str | None = None
    store_variant_id: str | None = None
    # The store's promotion on this line, within the order's discount (`OrderLine.promotion`); None: none said per
    # line. Out of the repr, which the import's content digest is made of: the digests stored before it stay valid
    # (a promotion never changes alone: the order's discount and total change with it).
    promotion: Decimal | None = field(default=None, repr=False)

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class OrderData:
    """The ERP values of a store order, produced by the mapper; nothing here is persisted yet."""

    origin: str
    origin_number: str
    status: OrderStatus
    customer: CustomerData | None
    customer_problem: TaxIdProblem | None
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    contact_document: str | None
    subtotal: Decimal
    discount: Decimal
    freight: Decimal
    total: Decimal
    payment_method: str | None
    payment_gateway: str | None
    installments: int | None
    billing_address: Address | None
    shipping_address: Address | None
    placed_at: datetime | None
    note: str | None
    lines: list[LineData] = field(default_factory=list)
    # When the store received the payment (None while unpaid): receivables fall due counting from it.
    # Out of the repr, which the import's content digest is made of: the digests stored before it existed
    # stay valid (else every order would look changed after an upgrade, and every processed one be flagged).
    # It never changes alone: the payment status, which the digest has, changes with it.
    paid_at: datetime | None = field(default=None, repr=False)
    # How it ships (carrier, option, pickup). Out of the repr for the same reason: the import's digest adds it
    # only when the store sent it (`import_prepare`), so an order without it keeps the digest it had.
    shipping: Shipping | None = field(default=None, repr=False)
    # The marketplace it was sold on (`sales.marketplaces`; None: the merchant's own store). Out of the repr as
    # the shipping is: the digest adds it only when there is one.
    marketplace: str | None = field(default=None, repr=False)
    # The currency the store priced it in, as the store says it ("BRL"; None: not said). Documents are issued in
    # reais only (`fiscal.documents`). Out of the repr as the marketplace is: the digest adds one other than reais.
    currency: str | None = field(default=None, repr=False)

    def without_personal_data(self, erased: TaxIdProblemCode = TaxIdProblemCode.ERASED) -> OrderData:
        """The same sale with no one's data in it: the customer asked for erasure (LGPD), or the store did
        (`erased`: who asked, as the order's customer problem says it)."""
        return replace(self, customer=None, customer_problem=TaxIdProblem(erased),
                       **dict.fromkeys(PERSONAL_FIELDS))


# The fields that are someone's data: blank once the customer asked for erasure (LGPD), never taken again.
PERSONAL_FIELDS = ("contact_name", "contact_email", "contact_phone", "contact_document", "billing_address",
                   "shipping_address", "note")
