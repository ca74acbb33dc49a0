"""Order (Pedido) in Pedidos/Orçamentos, with its lines, and the data an import brings for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from lojasync.shared.address import Address
from lojasync.stock.products import Product
from lojasync.sales.customers import Customer, CustomerData
from lojasync.sales.status import OrderStatus

ORIGIN_ONLINE_STORE = "nuvemshop"
ORIGIN_LABELS = {ORIGIN_ONLINE_STORE: "Loja virtual"}


class CustomerLink:
    STORE = "store"
    MANUAL = "manual"


@dataclass(frozen=True)
class LineData:
    sku: str | None
    name: str
    quantity: int
    unit_price: Decimal
    store_product_id: str | None = None
    store_variant_id: str | None = None

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
    customer_problem: str | None
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


class OrderLine:
    id: int | None
    position: int
    product_id: int | None
    product: Product | None = None  # class default: unmapped use (unit tests) reads it too
    sku: str | None
    name: str
    quantity: int
    unit_price: Decimal
    total: Decimal

    def __init__(self, position: int, sku: str | None, name: str, quantity: int, unit_price: Decimal,
                 product: Product | None = None) -> None:
        self.position = position
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.unit_price = unit_price
        self.total = unit_price * quantity
        if product is not None:  # the ORM's relationship events make even a None assignment costly
            self.product = product


_FIELD_LABELS = {
    "subtotal": "subtotal", "discount": "desconto", "freight": "frete", "total": "total",
    "payment_method": "forma de pagamento", "installments": "parcelas",
    "billing_address": "endereço de cobrança", "shipping_address": "endereço de entrega",
    "contact_email": "e-mail de contato", "contact_phone": "telefone de contato", "note": "observação",
}

_COPIED_FIELDS = (
    "origin", "origin_number", "contact_name", "contact_email", "contact_phone", "contact_document",
    "subtotal", "discount", "freight", "total", "payment_method", "payment_gateway", "installments",
    "billing_address", "shipping_address", "placed_at", "note",
)


class Order:
    id: int | None
    # Class defaults instead of assignments in __init__: the ORM turns every assignment into events,
    # and an import creates thousands of orders a second. Mapped, the ORM supplies the same defaults.
    status: OrderStatus
    origin: str | None
    origin_number: str | None
    customer_id: int | None
    customer: Customer | None = None
    customer_link: str | None = None
    customer_problem: str | None = None
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
    needs_attention: bool
    attention_reason: str | None = None
    processed_reason: str | None = None
    lines: list[OrderLine]
    created_at: datetime | None
    updated_at: datetime | None

    def __init__(self, status: OrderStatus = OrderStatus.OPEN) -> None:
        self.status = status
        self.needs_attention = False
        self.lines = []

    @property
    def number(self) -> int | None:
        return self.id

    @property
    def origin_label(self) -> str | None:
        return ORIGIN_LABELS.get(self.origin or "", self.origin)

    def is_processed(self) -> bool:
        """An approved NF-e or a confirmed venda simples exists: fiscal facts an import must not undo."""
        return self.processed_reason is not None

    def apply(self, data: OrderData, customer: Customer | None, products: list[Product | None]) -> list[str]:
        """Take the store's values; return what changed, in words for the sync log."""
        existing = getattr(self, "id", None) is not None
        changes: list[str] = []
        if self.status != data.status:
            if existing:
                changes.append(f"situação {self.status.label} → {data.status.label}")
            self.status = data.status
        for name in _COPIED_FIELDS:
            new = getattr(data, name)
            if getattr(self, name, None) != new:
                if existing and name in _FIELD_LABELS:
                    changes.append(f"{_FIELD_LABELS[name]} alterado")
                setattr(self, name, new)
        changes += self._link_customer(data, customer)
        changes += self._replace_lines(data.lines, products)
        return changes

    def link_customer_manually(self, customer: Customer) -> None:
        self.customer = customer
        self.customer_link = CustomerLink.MANUAL
        self.customer_problem = None

    def flag_for_attention(self, reason: str) -> None:
        self.needs_attention = True
        self.attention_reason = reason

    def _link_customer(self, data: OrderData, customer: Customer | None) -> list[str]:
        if customer is not None:
            changed = self.customer is not customer
            self.customer = customer
            self.customer_link = CustomerLink.STORE
            self.customer_problem = None
            return [f"cliente vinculado: {customer.name}"] if changed else []
        if self.customer is not None:
            # Once linked (by a valid document or by a person), only another valid document relinks:
            # a payload without one (scope lost, customer deleted, redaction) must not undo the link.
            return []
        changed = self.customer is not None or self.customer_problem != data.customer_problem
        self.customer = None
        self.customer_link = None
        self.customer_problem = data.customer_problem
        return [f"sem cliente: {data.customer_problem}"] if changed else []

    def _replace_lines(self, lines: list[LineData], products: list[Product | None]) -> list[str]:
        if len(products) != len(lines):
            raise ValueError("one product (or None) per line is required")
        before = [(ln.sku, ln.name, ln.quantity, ln.unit_price) for ln in self.lines]
        after = [(ln.sku, ln.name, ln.quantity, ln.unit_price) for ln in lines]
        if before == after and all(a.product is b for a, b in zip(self.lines, products)):
            return []
        kept = self.lines[: len(lines)]
        for position, (data, product) in enumerate(zip(lines, products), start=1):
            if position <= len(kept):
                line = kept[position - 1]
                line.sku, line.name, line.quantity, line.unit_price = data.sku, data.name, data.quantity, data.unit_price
                line.total = data.total
                line.product = product
            else:
                kept.append(OrderLine(position, data.sku, data.name, data.quantity, data.unit_price, product))
        self.lines[:] = kept
        return ["itens atualizados"] if before else []
