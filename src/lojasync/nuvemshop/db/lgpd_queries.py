"""Queries for the LGPD webhooks: what a store, or one of its customers, left in lojasync."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import and_, func, null, or_, select, update
from sqlalchemy.orm import Session

from lojasync.db.tables import import_failures, sync_log
from lojasync.nuvemshop.model.records import CustomerBinding, ImportFailure, OrderBinding, WebhookEvent
from lojasync.sales.history import SyncLogEntry
from lojasync.sales.customers import Customer
from lojasync.sales.orders import Order

# Keeps IN lists far below the bound-parameter limits of SQLite and PostgreSQL.
CHUNK = 500


def chunks(ids: Iterable, size: int = CHUNK) -> Iterator[list]:
    items = list(ids)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def store_order_ids(session: Session, store_id: int) -> list[int]:
    query = (select(OrderBinding.order_id)
             .where(OrderBinding.store_id == store_id, OrderBinding.order_id.is_not(None))
             .order_by(OrderBinding.order_id))
    return list(session.scalars(query))


def customer_order_ids(session: Session, store_id: int, *, external_ids: Iterable[str] = (),
                       customer_id: int | None = None, email: str | None = None,
                       documents: Iterable[str] = ()) -> list[int]:
    """Orders of this store listed by the platform, linked to the customer, or carrying its e-mail or
    document while linked to no other customer."""
    external_ids, documents = list(external_ids), list(documents)
    unlinked = Order.customer_id.is_(None)
    if customer_id is not None:
        unlinked = or_(unlinked, Order.customer_id == customer_id)
    conditions = []
    if external_ids:
        conditions.append(OrderBinding.external_id.in_(external_ids))
    if customer_id is not None:
        conditions.append(Order.customer_id == customer_id)
    if email:
        conditions.append(and_(func.lower(Order.contact_email) == email.lower(), unlinked))
    if documents:
        conditions.append(and_(Order.contact_document.in_(documents), unlinked))
    if not conditions:
        return []
    query = (select(Order.id).join(OrderBinding, OrderBinding.order_id == Order.id)
             .where(OrderBinding.store_id == store_id, or_(*conditions)).order_by(Order.id))
    return list(session.scalars(query))


def orders_with_bindings(session: Session, store_id: int, order_ids: Iterable[int]) -> list[tuple[Order, OrderBinding]]:
    result: list[tuple[Order, OrderBinding]] = []
    for chunk in chunks(order_ids):
        query = (select(Order, OrderBinding).join(OrderBinding, OrderBinding.order_id == Order.id)
                 .where(OrderBinding.store_id == store_id, Order.id.in_(chunk)).order_by(Order.id))
        result.extend((order, binding) for order, binding in session.execute(query))
    return result


def store_customer_ids(session: Session, store_id: int) -> set[int]:
    """Customers bound to the store, or linked to one of its orders."""
    bound = select(CustomerBinding.customer_id).where(CustomerBinding.store_id == store_id)
    linked = (select(Order.customer_id).join(OrderBinding, OrderBinding.order_id == Order.id)
              .where(OrderBinding.store_id == store_id, Order.customer_id.is_not(None)))
    return set(session.scalars(bound)) | set(session.scalars(linked))


def customers_by_ids(session: Session, customer_ids: Iterable[int]) -> list[Customer]:
    result: list[Customer] = []
    for chunk in chunks(sorted(customer_ids)):
        result.extend(session.scalars(select(Customer).where(Customer.id.in_(chunk)).order_by(Customer.id)))
    return result


def customers_with_other_sources(session: Session, customer_ids: Iterable[int], store_id: int) -> set[int]:
    """Customers bound to another store too, or linked to an order that did not come from this store."""
    found: set[int] = set()
    for chunk in chunks(customer_ids):
        other_binding = select(CustomerBinding.customer_id).where(
            CustomerBinding.customer_id.in_(chunk), CustomerBinding.store_id != store_id)
        other_order = (select(Order.customer_id).outerjoin(OrderBinding, OrderBinding.order_id == Order.id)
                       .where(Order.customer_id.in_(chunk),
                              or_(OrderBinding.id.is_(None), OrderBinding.store_id != store_id)))
        found |= set(session.scalars(other_binding)) | set(session.scalars(other_order))
    return found


def customers_with_processed_orders(session: Session, customer_ids: Iterable[int]) -> set[int]:
    """Customers named on an approved NF-e or a confirmed sale (any origin)."""
    found: set[int] = set()
    for chunk in chunks(customer_ids):
        found |= set(session.scalars(select(Order.customer_id).distinct().where(
            Order.customer_id.in_(chunk), Order.processed_reason.is_not(None))))
    return found


def store_customer_external_ids(session: Session, store_id: int, customer_id: int) -> list[str]:
    query = (select(CustomerBinding.external_id)
             .where(CustomerBinding.store_id == store_id, CustomerBinding.customer_id == customer_id)
             .order_by(CustomerBinding.external_id))
    return list(session.scalars(query))


def import_failures_of(session: Session, store_id: int) -> list[ImportFailure]:
    query = select(ImportFailure).where(ImportFailure.store_id == store_id).order_by(ImportFailure.id)
    return list(session.scalars(query))


def clear_failure_payloads(session: Session, store_id: int, failure_ids: Iterable[int] | None = None) -> int:
    """Drop the raw store payloads kept with import failures (all of the store's, or the given ones)."""
    if failure_ids is None:
        statement = (update(import_failures)
                     .where(import_failures.c.store_id == store_id, import_failures.c.payload.is_not(None))
                     .values(payload=null()))
        return session.execute(statement).rowcount or 0
    cleared = 0
    for chunk in chunks(failure_ids):
        cleared += session.execute(update(import_failures)
                                   .where(import_failures.c.store_id == store_id, import_failures.c.id.in_(chunk))
                                   .values(payload=null())).rowcount or 0
    return cleared


def webhook_events_of(session: Session, store_id: int, events: Iterable[str], exclude_id: int | None
                      ) -> list[WebhookEvent]:
    query = select(WebhookEvent).where(WebhookEvent.store_id == store_id, WebhookEvent.event.in_(list(events)))
    if exclude_id is not None:
        query = query.where(WebhookEvent.id != exclude_id)
    return list(session.scalars(query.order_by(WebhookEvent.id)))


def log_messages(session: Session, store_id: int, external_ids: Iterable[str]) -> list[tuple[int, str, str]]:
    """(id, store order id, message) of the store's sync log entries for those orders."""
    rows: list[tuple[int, str, str]] = []
    for chunk in chunks(external_ids):
        query = (select(sync_log.c.id, sync_log.c.external_id, sync_log.c.message)
                 .where(sync_log.c.store_id == store_id, sync_log.c.external_id.in_(chunk))
                 .order_by(sync_log.c.id))
        rows.extend((row.id, row.external_id, row.message) for row in session.execute(query))
    return rows


def set_log_messages(session: Session, messages: dict[int, str]) -> None:
    for entry_id, message in messages.items():
        session.execute(update(sync_log).where(sync_log.c.id == entry_id).values(message=message))


def log_entries(session: Session, store_id: int, external_ids: Iterable[str]) -> list[SyncLogEntry]:
    result: list[SyncLogEntry] = []
    for chunk in chunks(external_ids):
        query = (select(SyncLogEntry)
                 .where(SyncLogEntry.store_id == store_id, SyncLogEntry.external_id.in_(chunk))
                 .order_by(SyncLogEntry.id))
        result.extend(session.scalars(query))
    return result
