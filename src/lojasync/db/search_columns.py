"""The search columns of an order, written with every change by the ORM: the names (the contact's and the
linked customer's) folded to lower case without accents, and the documents (the contact's and the customer's
CPF/CNPJ) without punctuation, each pair joined by a separator no search text contains.

A search then compares plain text with one LIKE per kind on SQLite and PostgreSQL alike, over a covering
index, instead of folding 100,000 names per query (or needing `unaccent`) or joining the customers. A
customer's new name or document is written to its orders when the customer changes. A product keeps its name
and SKU folded the same way, for the Estoque list (`product_listing`).
"""

from __future__ import annotations

from sqlalchemy import bindparam, event, inspect, select, update

from lojasync.db.tables import orders
from lojasync.sales.customers import Customer
from lojasync.sales.orders import Order
from lojasync.shared.search_text import SEPARATOR, fold
from lojasync.shared.tax_id import normalize_tax_id
from lojasync.stock.products import Product

NAME_LENGTH = 200       # each part's size: a folded name can grow ("ß" is "ss")
DOCUMENT_LENGTH = 40


def order_search_values(contact_name: str | None, contact_document: str | None, customer_name: str | None = None,
                        customer_tax_id: str | None = None) -> dict[str, str]:
    """The search columns of an order (the migration and the benchmark write them too)."""
    return {"search_name": fold(contact_name)[:NAME_LENGTH] + SEPARATOR + fold(customer_name)[:NAME_LENGTH],
            "search_document": (normalize_tax_id(contact_document)[:DOCUMENT_LENGTH] + SEPARATOR
                                + (customer_tax_id or "")[:DOCUMENT_LENGTH])}


# What the search columns are made of: an UPDATE that changes none of them (an order marked processed,
# flagged, its status changed) keeps them, and need not read the linked customer to know it.
_SEARCHED = ("contact_name", "contact_document", "customer_id", "customer")


def _order_written(mapper, connection, order: Order) -> None:
    state = inspect(order)
    if state.persistent and not any(state.attrs[name].history.has_changes() for name in _SEARCHED):
        return
    customer = order.customer
    values = order_search_values(order.contact_name, order.contact_document, customer.name if customer else None,
                                 customer.tax_id if customer else None)
    for column, value in values.items():
        if getattr(order, column, None) != value:
            setattr(order, column, value)


def _customer_written(mapper, connection, customer: Customer) -> None:
    """The customer's own search name (`customers list --search`): folded here, as the orders' are, so that SQLite and
    PostgreSQL compare the same text (review: PostgreSQL's translate() missed what `fold` does beyond the accents)."""
    value = fold(customer.name)[:NAME_LENGTH]
    if getattr(customer, "search_name", None) != value:
        customer.search_name = value


def product_search_values(name: str | None, sku: str | None) -> dict[str, str]:
    """The search columns of a product (the migration writes them too): its name and SKU folded, whole."""
    return {"search_name": fold(name), "search_sku": fold(sku)}


def _product_written(mapper, connection, product: Product) -> None:
    """The Estoque list's search and sort columns, folded here as the customers' are (`product_listing`)."""
    for column, value in product_search_values(product.name, product.sku).items():
        if getattr(product, column, None) != value:
            setattr(product, column, value)


def _customer_changed(mapper, connection, customer: Customer) -> None:
    """A new name or document (the store sent it, LGPD erased it) is written to the customer's orders."""
    state = inspect(customer)
    if not (state.attrs.name.history.has_changes() or state.attrs.tax_id.history.has_changes()):
        return
    rows = connection.execute(select(orders.c.id, orders.c.contact_name, orders.c.contact_document)
                              .where(orders.c.customer_id == customer.id)).all()
    if rows:
        connection.execute(
            update(orders).where(orders.c.id == bindparam("order_id"))
            .values(search_name=bindparam("name"), search_document=bindparam("document")),
            [{"order_id": row.id, **_renamed(order_search_values(row.contact_name, row.contact_document,
                                                                 customer.name, customer.tax_id))}
             for row in rows])


def _renamed(values: dict[str, str]) -> dict[str, str]:
    return {"name": values["search_name"], "document": values["search_document"]}


def maintain_search_columns() -> None:
    """Register the listeners (once, when the mappers are set up)."""
    event.listen(Order, "before_insert", _order_written)
    event.listen(Order, "before_update", _order_written)
    event.listen(Customer, "after_update", _customer_changed)
    event.listen(Customer, "before_insert", _customer_written)
    event.listen(Customer, "before_update", _customer_written)
    event.listen(Product, "before_insert", _product_written)
    event.listen(Product, "before_update", _product_written)
