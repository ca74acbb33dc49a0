"""Repositories of the connector: stores, bindings, failures, webhook events, the store log, leases."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from lojasync.nuvemshop.db.tables import (
    customer_bindings,
    import_failures,
    lgpd_exports,
    order_bindings,
    periodic_runs,
    product_bindings,
    spent_invites,
    store_leases,
    store_log,
    store_updates,
    webhook_events,
)
from lojasync.nuvemshop.model.bindings import CustomerBinding, OrderBinding, ProductBinding
from lojasync.nuvemshop.model.import_failures import ImportFailure
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.model.store_log import StoreLogEntry, StoreLogType
from lojasync.nuvemshop.model.webhook_events import WebhookEvent, WebhookEventStatus
from lojasync.sales.orders import Order
from lojasync.sales.ports import OriginRef
from lojasync.shared.batching import chunks
from lojasync.shared.numbers import can_be_an_id


@functools.cache
def _order_ref():
    # Built once: every NF-e approval asks it, and building a select costs more than SQLite's answer.
    return (select(order_bindings.c.store_id, order_bindings.c.external_id)
            .where(order_bindings.c.order_id == bindparam("order_id")))


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

    def imported_orders(self, store_id: int) -> int:
        return self.session.scalar(select(func.count()).select_from(OrderBinding).where(
            OrderBinding.store_id == store_id, OrderBinding.order_id.is_not(None))) or 0

    def delete(self, store: Store) -> None:
        """The store and everything the connector kept about it (the caller checked it imported nothing)."""
        for table in (order_bindings, customer_bindings, product_bindings, import_failures, store_log,
                      webhook_events, store_leases, lgpd_exports, store_updates):
            self.session.execute(delete(table).where(table.c.store_id == store.id))
        self.session.delete(store)


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
        found = {b.external_id: b for b in self.session.scalars(query)}
        if lock and self.session.get_bind().dialect.name == "postgresql":
            # Locked in the order every writer takes them: the ERP order first, then its binding. The fiscal
            # side locks the order and then, in a handler (a cancelled NF-e's order is to be read from the
            # store again), writes the binding; locking the binding first here made the two wait for each
            # other until PostgreSQL failed one (SQLite serialises writers at BEGIN IMMEDIATE instead).
            # Both are read again once locked: an NF-e approved or cancelled while this import waited must
            # be seen (a processed order keeps the store's changes aside: rule 7), and so must the binding's
            # version it may have reset. A second importer of the same store order waits here too.
            order_ids = sorted(b.order_id for b in found.values() if b.order_id is not None)
            for chunk in chunks(order_ids):
                self.session.scalars(select(Order).where(Order.id.in_(chunk)).with_for_update(of=Order)
                                     .execution_options(populate_existing=True)).unique().all()
            for chunk in chunks(sorted(b.id for b in found.values())):
                self.session.scalars(select(OrderBinding).where(OrderBinding.id.in_(chunk))
                                     .with_for_update(of=OrderBinding)
                                     .execution_options(populate_existing=True)).all()
        return found

    def order_ids_by_external_ids(self, store_id: int, external_ids: Iterable[str]) -> dict[str, int]:
        """The ERP order number of each of these store orders that was imported, and nothing else: a list that only
        names the orders (the notifications) loaded each one whole, with its lines and products, before."""
        found: dict[str, int] = {}
        for chunk in chunks(set(external_ids)):
            query = select(order_bindings.c.external_id, order_bindings.c.order_id).where(
                order_bindings.c.store_id == store_id, order_bindings.c.external_id.in_(chunk),
                order_bindings.c.order_id.is_not(None))
            found.update(self.session.execute(query).all())
        return found

    def for_orders(self, order_ids: Iterable[int]) -> dict[int, OrderBinding]:
        found: dict[int, OrderBinding] = {}
        for chunk in chunks(set(order_ids)):
            found.update((b.order_id, b) for b in
                         self.session.scalars(select(OrderBinding).where(OrderBinding.order_id.in_(chunk))))
        return found

    def order_ref(self, order_id: int) -> tuple[int, str] | None:
        """(store id, the order's id in the store) of an ERP order that came from a store, else None."""
        # On the connection: a Core lookup through the ORM session costs twice as much, and the callers (the
        # approval's handlers) have no pending rows it would need to flush first.
        row = self.session.connection().execute(_order_ref(), {"order_id": order_id}).first()
        return (row.store_id, row.external_id) if row else None

    def customers_by_external_ids(self, store_id: int, external_ids: Iterable[str]) -> dict[str, CustomerBinding]:
        wanted = set(external_ids)
        if not wanted:
            return {}
        query = select(CustomerBinding).where(
            CustomerBinding.store_id == store_id, CustomerBinding.external_id.in_(wanted))
        return {b.external_id: b for b in self.session.scalars(query)}

    def products_for(self, product_ids: Iterable[int], store_id: int | None = None) -> list[ProductBinding]:
        """Every store variant bound to these ERP products (in any store, or in `store_id` only), but those the store
        said are gone; in the order they were bound (the push splits a product's stock among its variants so)."""
        found: list[ProductBinding] = []
        for chunk in chunks(sorted(set(product_ids))):
            query = select(ProductBinding).where(ProductBinding.product_id.in_(chunk), ProductBinding.gone_at.is_(None))
            found.extend(self.session.scalars(query.order_by(ProductBinding.id)))
        # The store is picked here, not in the query (review: with `store_id = ?` beside the products, SQLite, which
        # keeps no statistics, took the unique (store, variant) index and read every variant the store has bound, for
        # a few products, on every import page and stock push: 18 ms a call with 50,000 variants, 0.25 ms by the
        # products' index). A product is bound in a handful of stores at most, so the rows of the others cost nothing.
        return found if store_id is None else [b for b in found if b.store_id == store_id]

    def variant_gone(self, store_id: int, variant_id: str, when: datetime) -> None:
        """The store variant is gone: its stock is no longer sent (`ProductBinding.gone_at`)."""
        self.session.execute(update(ProductBinding).where(ProductBinding.store_id == store_id,
                                                          ProductBinding.external_variant_id == variant_id,
                                                          ProductBinding.gone_at.is_(None)).values(gone_at=when))

    def products_by_variant_ids(self, store_id: int, variant_ids: Iterable[str]) -> dict[str, ProductBinding]:
        wanted = set(variant_ids)
        if not wanted:
            return {}
        query = (select(ProductBinding)
                 .where(ProductBinding.store_id == store_id, ProductBinding.external_variant_id.in_(wanted))
                 .options(selectinload(ProductBinding.product)))
        return {b.external_variant_id: b for b in self.session.scalars(query)}


class OriginRepository:
    """The sales module's view of where its orders came from, read from the order bindings."""

    def __init__(self, bindings: BindingRepository) -> None:
        self.bindings = bindings

    def for_orders(self, order_ids: Iterable[int]) -> dict[int, OriginRef]:
        bindings = self.bindings.for_orders(order_ids)
        # The stores they came from, by their id and name (two stores may both have an order #100: review).
        store_ids = {b.store_id for b in bindings.values()}
        stores = {row.id: row for row in self.bindings.session.execute(
            select(Store.id, Store.external_id, Store.name).where(Store.id.in_(store_ids)))} if store_ids else {}
        return {order_id: OriginRef(
            order_id=order_id, reference=b.external_id, number=b.external_number,
            states={"status": b.store_status, "payment_status": b.store_payment_status,
                    "shipping_status": b.store_shipping_status, "cancel_reason": b.store_cancel_reason},
            updated_at=b.store_updated_at, synced_at=b.synced_at,
            store=stores[b.store_id].external_id if b.store_id in stores else None,
            store_name=stores[b.store_id].name if b.store_id in stores else None,
        ) for order_id, b in bindings.items()}


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


class StoreLogRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, store_id: int, entry_type: StoreLogType, actor: str, params: dict | None = None) -> None:
        self.session.add(StoreLogEntry(store_id, entry_type, actor, params))

    def for_store(self, store_id: int, limit: int = 100) -> list[StoreLogEntry]:
        query = (select(StoreLogEntry).where(StoreLogEntry.store_id == store_id)
                 .order_by(StoreLogEntry.id.desc()).limit(limit))
        return list(self.session.scalars(query))

    def has(self, store_id: int, entry_type: StoreLogType, params: dict) -> bool:
        """Whether the store's log already says this (same type and parameters): what is to be said once."""
        query = select(StoreLogEntry.params).where(StoreLogEntry.store_id == store_id,
                                                   StoreLogEntry.type == entry_type.value)
        return any(found == params for found in self.session.scalars(query))


class WebhookEventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, event: WebhookEvent) -> None:
        self.session.add(event)

    def get(self, event_id: int) -> WebhookEvent | None:
        if not can_be_an_id(event_id):
            return None
        return self.session.get(WebhookEvent, event_id)

    def pending_for_store(self, store_id: int, limit: int = 5000) -> list[WebhookEvent]:
        query = (select(WebhookEvent)
                 .where(WebhookEvent.store_id == store_id, WebhookEvent.status == WebhookEventStatus.PENDING)
                 .order_by(WebhookEvent.id).limit(limit))
        return list(self.session.scalars(query))

    def pending_summary(self, store_id: int, limit: int) -> tuple[int, datetime | None]:
        """How many notifications of the store wait (up to `limit`) and the oldest arrival among those first
        `limit`, counted by the database: the Integração page loaded each one, its body included, to count them."""
        first = (select(webhook_events.c.received_at)
                 .where(webhook_events.c.store_id == store_id,
                        webhook_events.c.status == WebhookEventStatus.PENDING)
                 .order_by(webhook_events.c.id).limit(limit).subquery())
        count, oldest = self.session.execute(
            select(func.count(), func.min(first.c.received_at))).one()
        return count, oldest

    def failed_by_store(self) -> dict[int, int]:
        """How many notifications failed, by store (those of no known store left out)."""
        query = (select(webhook_events.c.store_id, func.count())
                 .where(webhook_events.c.status == WebhookEventStatus.FAILED,
                        webhook_events.c.store_id.is_not(None))
                 .group_by(webhook_events.c.store_id))
        return dict(self.session.execute(query).all())

    def stores_with_pending(self) -> list[int]:
        query = (select(WebhookEvent.store_id).distinct()
                 .where(WebhookEvent.status == WebhookEventStatus.PENDING, WebhookEvent.store_id.is_not(None)))
        return list(self.session.scalars(query))

    def list(self, status: str | None = None, limit: int = 100, before: int | None = None) -> list[WebhookEvent]:
        query = select(WebhookEvent).order_by(WebhookEvent.id.desc()).limit(limit)
        if status is not None:
            query = query.where(WebhookEvent.status == status)
        if before is not None:
            query = query.where(WebhookEvent.id < before)
        return list(self.session.scalars(query))

    def of_store(self, store_id: int, events: Iterable[str], exclude_id: int | None = None) -> list[WebhookEvent]:
        query = select(WebhookEvent).where(WebhookEvent.store_id == store_id, WebhookEvent.event.in_(list(events)))
        if exclude_id is not None:
            query = query.where(WebhookEvent.id != exclude_id)
        return list(self.session.scalars(query.order_by(WebhookEvent.id)))

    def purge_processed(self, before: datetime) -> int:
        """Delete done and ignored notifications processed before `before`; failed ones stay."""
        result = self.session.execute(delete(WebhookEvent).where(
            WebhookEvent.status.in_([WebhookEventStatus.DONE, WebhookEventStatus.IGNORED]),
            WebhookEvent.processed_at < before))
        return result.rowcount or 0


def _take_or_create(session: Session, take, create) -> bool:
    """Take the row when its condition allows; else create it. The unique key settles races."""
    if session.execute(take).rowcount:
        return True
    return _created(session, create)


def _created(session: Session, create) -> bool:
    """Insert the row; False when the unique key says another transaction has it already."""
    try:
        with session.begin_nested():
            session.execute(create)
        return True
    except IntegrityError:
        return False


class LeaseRepository:
    """Per-store leases in the database: one worker at a time imports a store's orders."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def acquire(self, store_id: int, holder: str, now: datetime, expires_at: datetime) -> bool:
        return _take_or_create(
            self.session,
            update(store_leases)
            .where(store_leases.c.store_id == store_id,
                   or_(store_leases.c.expires_at < now, store_leases.c.holder == holder))
            .values(holder=holder, expires_at=expires_at),
            insert(store_leases).values(store_id=store_id, holder=holder, expires_at=expires_at))

    def extend(self, store_id: int, holder: str, expires_at: datetime) -> bool:
        """Extend the lease `holder` still has (expired or not: nobody took it meanwhile); False when another
        worker took it since, or took and released it (the row is gone)."""
        return bool(self.session.execute(
            update(store_leases).where(store_leases.c.store_id == store_id, store_leases.c.holder == holder)
            .values(expires_at=expires_at)).rowcount)

    def holder(self, store_id: int) -> str | None:
        return self.session.scalar(select(store_leases.c.holder).where(store_leases.c.store_id == store_id))

    def live_holder(self, store_id: int, now: datetime) -> str | None:
        """Who holds the store now (a lease left by a killed one has expired: nobody)."""
        return self.session.scalar(select(store_leases.c.holder).where(
            store_leases.c.store_id == store_id, store_leases.c.expires_at > now))

    def steal(self, store_id: int, from_holder: str, holder: str, expires_at: datetime) -> bool:
        taken = self.session.execute(
            update(store_leases)
            .where(store_leases.c.store_id == store_id, store_leases.c.holder == from_holder)
            .values(holder=holder, expires_at=expires_at))
        return bool(taken.rowcount)

    def release(self, store_id: int, holder: str) -> None:
        self.session.execute(delete(store_leases).where(
            store_leases.c.store_id == store_id, store_leases.c.holder == holder))


class SpentInviteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def is_spent(self, invite_id: str) -> bool:
        return self.session.execute(select(spent_invites.c.invite_id)
                                    .where(spent_invites.c.invite_id == invite_id)).first() is not None

    def spend(self, invite_id: str, now: datetime) -> bool:
        """Spend the invite; False when it already was (the unique key settles two installs at once)."""
        return _created(self.session, insert(spent_invites).values(invite_id=invite_id, spent_at=now))

    def restamp(self, invite_id: str, now: datetime) -> bool:
        """A revocation of an invite an install spent meanwhile: the row stamped with the revocation's moment, so that
        the `release` of that install, should it fail, no longer finds it (the invite stays spent). False when there
        was no row any more (released in between)."""
        return self.session.execute(update(spent_invites).where(spent_invites.c.invite_id == invite_id)
                                    .values(spent_at=now)).rowcount > 0

    def release(self, invite_id: str, spent_at: datetime) -> None:
        """Undo `spend` of that moment (an install that then failed); one spent since by another install stays."""
        self.session.execute(delete(spent_invites).where(spent_invites.c.invite_id == invite_id,
                                                         spent_invites.c.spent_at == spent_at))


class PeriodicRunRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim_round(self, name: str, now: datetime, not_before: datetime) -> bool:
        """Whether this process runs periodic job `name` now (nobody ran it since `not_before`)."""
        return _take_or_create(
            self.session,
            update(periodic_runs)
            .where(periodic_runs.c.name == name, periodic_runs.c.last_run_at < not_before)
            .values(last_run_at=now),
            insert(periodic_runs).values(name=name, last_run_at=now))

    def stamp(self, name: str, now: datetime) -> None:
        """Row `name` holds `now`, whatever it held (a heartbeat: the latest writer's time)."""
        _take_or_create(self.session, update(periodic_runs).where(periodic_runs.c.name == name).values(last_run_at=now),
                        insert(periodic_runs).values(name=name, last_run_at=now))

    def last_run(self, name: str) -> datetime | None:
        return self.session.scalar(select(periodic_runs.c.last_run_at).where(periodic_runs.c.name == name))
