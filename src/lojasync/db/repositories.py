"""Repositories: the queries the services need, batched so a page of 200 orders costs a few round trips."""

from __future__ import annotations

from collections.abc import Iterable

from datetime import datetime

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from lojasync.db.tables import periodic_runs, store_leases, sync_log, utcnow
from lojasync.nuvemshop.model.records import (
    CustomerBinding, ImportFailure, OrderBinding, ProductBinding, Store, WebhookEvent, WebhookEventStatus,
)
from lojasync.sales.history import SyncLogEntry
from lojasync.stock.products import Product, StockMovement
from lojasync.sales.customers import Customer
from lojasync.sales.orders import Order
from lojasync.sales.status import OrderStatus


class StoreRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, store: Store) -> None:
        self.session.add(store)

    def get(self, store_id: int) -> Store | None:
        return self.session.get(Store, store_id)

    def by_external_id(self, external_id: str) -> Store | None:
        return self.session.scalars(select(Store).where(Store.external_id == external_id)).first()

    def list(self) -> list[Store]:
        return list(self.session.scalars(select(Store).order_by(Store.id)))


class CustomerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, customer: Customer) -> None:
        self.session.add(customer)

    def by_tax_ids(self, tax_ids: Iterable[str]) -> dict[str, Customer]:
        wanted = set(tax_ids)
        if not wanted:
            return {}
        rows = self.session.scalars(select(Customer).where(Customer.tax_id.in_(wanted)))
        return {c.tax_id: c for c in rows}

    def by_tax_id(self, tax_id: str) -> Customer | None:
        return self.by_tax_ids([tax_id]).get(tax_id)

    def list(self) -> list[Customer]:
        return list(self.session.scalars(select(Customer).order_by(Customer.name, Customer.id)))


class ProductRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, product: Product) -> None:
        self.session.add(product)

    def by_skus(self, skus: Iterable[str]) -> dict[str, Product]:
        wanted = set(skus)
        if not wanted:
            return {}
        return {p.sku: p for p in self.session.scalars(select(Product).where(Product.sku.in_(wanted)))}

    def list(self) -> list[Product]:
        return list(self.session.scalars(select(Product).order_by(Product.sku, Product.id)))

    def stock_levels(self) -> dict[int, int]:
        """Stock on hand per product: the sum of its ledger."""
        query = select(StockMovement.product_id, func.sum(StockMovement.quantity)).group_by(StockMovement.product_id)
        return {pid: int(total) for pid, total in self.session.execute(query)}

    def movement_count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(StockMovement)) or 0


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, number: int) -> Order | None:
        return self.session.get(Order, number)

    def list(self, status: OrderStatus | None = None, needs_attention: bool | None = None,
             without_customer: bool = False, limit: int | None = None) -> list[Order]:
        query = select(Order).order_by(Order.id.desc())
        if status is not None:
            query = query.where(Order.status == status)
        if needs_attention is not None:
            query = query.where(Order.needs_attention == needs_attention)
        if without_customer:
            query = query.where(Order.customer_id.is_(None))
        if limit:
            query = query.limit(limit)
        return list(self.session.scalars(query).unique())

    def count_by_status(self) -> dict[OrderStatus, int]:
        rows = self.session.execute(select(Order.status, func.count()).group_by(Order.status))
        return {status: count for status, count in rows}


class BindingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, binding: OrderBinding | CustomerBinding | ProductBinding) -> None:
        self.session.add(binding)

    def orders_by_external_ids(self, store_id: int, external_ids: Iterable[str], lock: bool = False
                               ) -> dict[str, OrderBinding]:
        wanted = set(external_ids)
        if not wanted:
            return {}
        query = (select(OrderBinding)
                 .where(OrderBinding.store_id == store_id, OrderBinding.external_id.in_(wanted))
                 .options(selectinload(OrderBinding.order)))
        if lock:
            # PostgreSQL: a second importer of the same store order waits here (SQLite ignores it
            # and serialises writers with BEGIN IMMEDIATE instead).
            query = query.with_for_update(of=OrderBinding)
        return {b.external_id: b for b in self.session.scalars(query)}

    def for_order(self, order_id: int) -> OrderBinding | None:
        return self.session.scalars(select(OrderBinding).where(OrderBinding.order_id == order_id)).first()

    def for_orders(self, order_ids: Iterable[int]) -> dict[int, OrderBinding]:
        ids = set(order_ids)
        if not ids:
            return {}
        rows = self.session.scalars(select(OrderBinding).where(OrderBinding.order_id.in_(ids)))
        return {b.order_id: b for b in rows}

    def customers_by_external_ids(self, store_id: int, external_ids: Iterable[str]) -> dict[str, CustomerBinding]:
        wanted = set(external_ids)
        if not wanted:
            return {}
        query = select(CustomerBinding).where(
            CustomerBinding.store_id == store_id, CustomerBinding.external_id.in_(wanted))
        return {b.external_id: b for b in self.session.scalars(query)}

    def products_by_variant_ids(self, store_id: int, variant_ids: Iterable[str]) -> dict[str, ProductBinding]:
        wanted = set(variant_ids)
        if not wanted:
            return {}
        query = (select(ProductBinding)
                 .where(ProductBinding.store_id == store_id, ProductBinding.external_variant_id.in_(wanted))
                 .options(selectinload(ProductBinding.product)))
        return {b.external_variant_id: b for b in self.session.scalars(query)}


class FailureRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, failure: ImportFailure) -> None:
        self.session.add(failure)

    def by_external_ids(self, store_id: int, external_ids: Iterable[str]) -> dict[str, ImportFailure]:
        wanted = set(external_ids)
        if not wanted:
            return {}
        query = select(ImportFailure).where(
            ImportFailure.store_id == store_id, ImportFailure.external_id.in_(wanted))
        return {f.external_id: f for f in self.session.scalars(query)}

    def list(self, store_id: int | None = None) -> list[ImportFailure]:
        query = select(ImportFailure).order_by(ImportFailure.id)
        if store_id is not None:
            query = query.where(ImportFailure.store_id == store_id)
        return list(self.session.scalars(query))

    def delete(self, failure: ImportFailure) -> None:
        self.session.delete(failure)


class SyncLogRepository:
    """Entries are written with one Core INSERT per flush: an import writes one or two per order, and
    ORM objects for them cost a fifth of the import time."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pending: list[tuple[dict, Order | None]] = []

    def record(self, store_id: int, external_id: str | None, event: str, message: str, level: str = "info",
               order: Order | None = None, details: dict | None = None) -> None:
        row = {"store_id": store_id, "external_id": external_id, "event": event, "message": message,
               "level": level, "details": details, "created_at": utcnow()}
        self._pending.append((row, order))

    def write_pending(self) -> None:
        """Insert what was recorded; call after the session flush, when new orders have their ids."""
        if not self._pending:
            return
        rows = [{**row, "order_id": order.id if order is not None else None} for row, order in self._pending]
        self._pending.clear()
        self.session.execute(insert(sync_log), rows)

    def for_store_order(self, store_id: int, external_id: str) -> list[SyncLogEntry]:
        query = (select(SyncLogEntry)
                 .where(SyncLogEntry.store_id == store_id, SyncLogEntry.external_id == external_id)
                 .order_by(SyncLogEntry.id))
        return list(self.session.scalars(query))


class WebhookEventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, event: WebhookEvent) -> None:
        self.session.add(event)

    def get(self, event_id: int) -> WebhookEvent | None:
        return self.session.get(WebhookEvent, event_id)

    def pending_for_store(self, store_id: int, limit: int = 5000) -> list[WebhookEvent]:
        query = (select(WebhookEvent)
                 .where(WebhookEvent.store_id == store_id, WebhookEvent.status == WebhookEventStatus.PENDING)
                 .order_by(WebhookEvent.id).limit(limit))
        return list(self.session.scalars(query))

    def stores_with_pending(self) -> list[int]:
        query = (select(WebhookEvent.store_id).distinct()
                 .where(WebhookEvent.status == WebhookEventStatus.PENDING, WebhookEvent.store_id.is_not(None)))
        return list(self.session.scalars(query))

    def list(self, status: str | None = None, limit: int = 100) -> list[WebhookEvent]:
        query = select(WebhookEvent).order_by(WebhookEvent.id.desc()).limit(limit)
        if status is not None:
            query = query.where(WebhookEvent.status == status)
        return list(self.session.scalars(query))

    def for_resource(self, store_id: int, resource_id: str) -> list[WebhookEvent]:
        query = (select(WebhookEvent)
                 .where(WebhookEvent.store_id == store_id, WebhookEvent.resource_id == resource_id)
                 .order_by(WebhookEvent.id))
        return list(self.session.scalars(query))

    def count_by_status(self) -> dict[str, int]:
        rows = self.session.execute(select(WebhookEvent.status, func.count()).group_by(WebhookEvent.status))
        return {status: count for status, count in rows}

    def purge_processed(self, before: datetime) -> int:
        """Delete done and ignored notifications processed before `before`; failed ones stay."""
        result = self.session.execute(delete(WebhookEvent).where(
            WebhookEvent.status.in_([WebhookEventStatus.DONE, WebhookEventStatus.IGNORED]),
            WebhookEvent.processed_at < before))
        return result.rowcount or 0


class LeaseRepository:
    """Per-store leases in the database: one worker at a time imports a store's orders."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def acquire(self, store_id: int, holder: str, now: datetime, expires_at: datetime) -> bool:
        return self._take_or_create(
            update(store_leases)
            .where(store_leases.c.store_id == store_id,
                   or_(store_leases.c.expires_at < now, store_leases.c.holder == holder))
            .values(holder=holder, expires_at=expires_at),
            insert(store_leases).values(store_id=store_id, holder=holder, expires_at=expires_at))

    def holder(self, store_id: int) -> str | None:
        return self.session.scalar(select(store_leases.c.holder).where(store_leases.c.store_id == store_id))

    def steal(self, store_id: int, from_holder: str, holder: str, expires_at: datetime) -> bool:
        taken = self.session.execute(
            update(store_leases)
            .where(store_leases.c.store_id == store_id, store_leases.c.holder == from_holder)
            .values(holder=holder, expires_at=expires_at))
        return bool(taken.rowcount)

    def claim_round(self, name: str, now: datetime, not_before: datetime) -> bool:
        """Whether this process runs periodic job `name` now (nobody ran it since `not_before`)."""
        return self._take_or_create(
            update(periodic_runs)
            .where(periodic_runs.c.name == name, periodic_runs.c.last_run_at < not_before)
            .values(last_run_at=now),
            insert(periodic_runs).values(name=name, last_run_at=now))

    def _take_or_create(self, take, create) -> bool:
        """Take the row when its condition allows; else create it. The unique key settles races."""
        if self.session.execute(take).rowcount:
            return True
        try:
            with self.session.begin_nested():
                self.session.execute(create)
            return True
        except IntegrityError:
            return False

    def release(self, store_id: int, holder: str) -> None:
        self.session.execute(delete(store_leases).where(
            store_leases.c.store_id == store_id, store_leases.c.holder == holder))
