"""The search columns of orders and customers, written with every change by the ORM: the name folded (lower
case, no accents) and the document without punctuation. A search then compares plain text with LIKE on
SQLite and PostgreSQL alike, instead of folding 100,000 names per query (or needing `unaccent`)."""

from __future__ import annotations

from sqlalchemy import event

from lojasync.sales.customers import Customer
from lojasync.sales.orders import Order
from lojasync.shared.search_text import fold
from lojasync.shared.tax_id import normalize_tax_id

NAME_LENGTH = 200       # the columns' sizes: a folded name can grow ("ß" is "ss")
DOCUMENT_LENGTH = 40


def order_search_values(contact_name: str | None, contact_document: str | None) -> dict[str, str]:
    """The search columns of an order with this contact (the migration and the benchmark write them too)."""
    return {"search_name": fold(contact_name)[:NAME_LENGTH],
            "search_document": normalize_tax_id(contact_document)[:DOCUMENT_LENGTH]}


def customer_search_name(name: str | None) -> str:
    return fold(name)[:NAME_LENGTH]


def _order_written(mapper, connection, order: Order) -> None:
    for column, value in order_search_values(order.contact_name, order.contact_document).items():
        if getattr(order, column, None) != value:
            setattr(order, column, value)


def _customer_written(mapper, connection, customer: Customer) -> None:
    value = customer_search_name(customer.name)
    if getattr(customer, "search_name", None) != value:
        customer.search_name = value


def maintain_search_columns() -> None:
    """Register the listeners (once, when the mappers are set up)."""
    for moment in ("before_insert", "before_update"):
        event.listen(Order, moment, _order_written)
        event.listen(Customer, moment, _customer_written)
