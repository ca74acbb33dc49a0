"""Queries for the LGPD webhooks: what a store, or one of its customers, left in lojasync; and the data
exports kept for the merchant to hand over."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, insert, null, or_, select, update
from sqlalchemy.orm import Session, lazyload

from lojasync.nuvemshop.db.tables import import_failures, lgpd_exports, stores
from lojasync.nuvemshop.model.bindings import CustomerBinding, OrderBinding
from lojasync.nuvemshop.model.import_failures import ImportFailure
from lojasync.sales.orders import CustomerLink, Order
from lojasync.shared.batching import chunks


class LgpdQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def store_order_ids(self, store_id: int) -> list[int]:
        query = (select(OrderBinding.order_id)
                 .where(OrderBinding.store_id == store_id, OrderBinding.order_id.is_not(None))
                 .order_by(OrderBinding.order_id))
        return list(self.session.scalars(query))

    def customer_order_ids(self, store_id: int, *, external_ids: Iterable[str] = (), customer_id: int | None = None,
                           email: str | None = None, documents: Iterable[str] = (),
                           shared_customer_id: int | None = None) -> list[int]:
        """Orders of this store listed by the platform, linked to the customer by their own document, carrying its
        document while linked to no other customer, or its e-mail while no other customer is linked by the store's
        data. A customer linked by hand is no claim on the order's buyer (a person chose it: the company a buyer wanted
        the NF-e for, or a customer given to another buyer's order; LGPD review: that buyer's order went to the
        customer's export, and was missed by the buyer's own request); the platform lists the person's orders in
        the request. `shared_customer_id`: the customer a company's CNPJ made of this person and of others, whose
        orders only the person's e-mail tells apart."""
        external_ids, documents = list(external_ids), list(documents)
        unlinked = Order.customer_id.is_(None)
        if customer_id is not None:
            unlinked = or_(unlinked, Order.customer_id == customer_id)
        # By its e-mail, an order linked by hand to anyone, or to the customer others share, is the person's too. Not by
        # its document: a hand link often mends a document typed wrong, someone else's (review of this very rule: a
        # buyer's order, linked by hand to her own customer, went to the export of the person whose CPF she mistyped).
        by_email = or_(unlinked, Order.customer_link == CustomerLink.MANUAL)
        if shared_customer_id is not None:
            by_email = or_(by_email, Order.customer_id == shared_customer_id)
        conditions = []
        if external_ids:
            conditions.append(OrderBinding.external_id.in_(external_ids))
        if customer_id is not None:
            conditions.append(and_(Order.customer_id == customer_id, Order.customer_link == CustomerLink.STORE))
        if email:
            conditions.append(and_(func.lower(Order.contact_email) == email.lower(), by_email))
        if documents:
            conditions.append(and_(Order.contact_document.in_(documents), unlinked))
        if not conditions:
            return []
        query = (select(Order.id).join(OrderBinding, OrderBinding.order_id == Order.id)
                 .where(OrderBinding.store_id == store_id, or_(*conditions)).order_by(Order.id))
        return list(self.session.scalars(query))

    def linked_order_ids(self, store_id: int, customer_id: int) -> list[int]:
        """Orders of this store linked to the customer, by their document or by hand."""
        query = (select(Order.id).join(OrderBinding, OrderBinding.order_id == Order.id)
                 .where(OrderBinding.store_id == store_id, Order.customer_id == customer_id).order_by(Order.id))
        return list(self.session.scalars(query))

    def orders_with_bindings(self, store_id: int, order_ids: Iterable[int]) -> list[tuple[Order, OrderBinding]]:
        result: list[tuple[Order, OrderBinding]] = []
        for chunk in chunks(order_ids):
            query = (select(Order, OrderBinding).join(OrderBinding, OrderBinding.order_id == Order.id)
                     .where(OrderBinding.store_id == store_id, Order.id.in_(chunk)).order_by(Order.id))
            result.extend((order, binding) for order, binding in self.session.execute(query))
        return result

    def store_customer_ids(self, store_id: int) -> set[int]:
        """Customers bound to the store, or linked to one of its orders."""
        bound = select(CustomerBinding.customer_id).where(CustomerBinding.store_id == store_id)
        linked = (select(Order.customer_id).join(OrderBinding, OrderBinding.order_id == Order.id)
                  .where(OrderBinding.store_id == store_id, Order.customer_id.is_not(None)))
        return set(self.session.scalars(bound)) | set(self.session.scalars(linked))

    def customers_with_other_sources(self, customer_ids: Iterable[int], store_id: int) -> set[int]:
        """Customers linked to an order that did not come from this store and that nobody asked to erase: another
        store's, whose own request has not come (an order made here, none). Bound to another store that asked too,
        a customer is no longer kept for it (LGPD review: each store's request saw the other store, and the e-mail,
        phone and address stayed after both had asked)."""
        found: set[int] = set()
        for chunk in chunks(customer_ids):
            other_order = (select(Order.customer_id).outerjoin(OrderBinding, OrderBinding.order_id == Order.id)
                           .where(Order.customer_id.in_(chunk), _of_another_source(store_id)))
            found |= set(self.session.scalars(other_order))
        return found

    def newest_orders_of_other_sources(self, customer_ids: Iterable[int], store_id: int
                                       ) -> dict[int, tuple[Order, datetime | None]]:
        """The newest of the orders that keep each customer (`customers_with_other_sources`) and were linked to it by
        their own document, by its store's moment (when it was placed, made here), with that moment: what the
        customer's contact is rebuilt from when this store's are erased (`Customer.keep_only_contact_of`). An order
        linked by hand is left out: its contact is its buyer's, who may be someone else (the company's employee, a
        gift's giver). A customer with none is left out."""
        moment = func.coalesce(OrderBinding.store_updated_at, Order.placed_at, Order.created_at)
        found: dict[int, tuple[Order, datetime | None]] = {}
        for chunk in chunks(customer_ids):
            ranked = (select(Order.id.label("order_id"), OrderBinding.store_updated_at.label("as_of"),
                             func.row_number().over(partition_by=Order.customer_id,
                                                    order_by=(moment.desc(), Order.id.desc())).label("rank"))
                      .outerjoin(OrderBinding, OrderBinding.order_id == Order.id)
                      .where(Order.customer_id.in_(chunk), Order.customer_link == CustomerLink.STORE,
                             _of_another_source(store_id))).subquery()
            query = (select(Order, ranked.c.as_of).join(ranked, ranked.c.order_id == Order.id)
                     .where(ranked.c.rank == 1).options(lazyload(Order.lines)))
            found |= {order.customer_id: (order, as_of) for order, as_of in self.session.execute(query)}
        return found

    def customers_given_by_store(self, customer_ids: Iterable[int], store_id: int) -> set[int]:
        """Customers an order of this store was linked to by its own document (the import made or updated them from
        it), not only by hand."""
        found: set[int] = set()
        for chunk in chunks(customer_ids):
            given = (select(Order.customer_id).join(OrderBinding, OrderBinding.order_id == Order.id)
                     .where(Order.customer_id.in_(chunk), Order.customer_link == CustomerLink.STORE,
                            OrderBinding.store_id == store_id))
            found |= set(self.session.scalars(given))
        return found

    def customers_with_processed_orders(self, customer_ids: Iterable[int]) -> set[int]:
        """Customers named on an approved NF-e or a confirmed sale (any origin)."""
        found: set[int] = set()
        for chunk in chunks(customer_ids):
            found |= set(self.session.scalars(select(Order.customer_id).distinct().where(
                Order.customer_id.in_(chunk), Order.processed_by.is_not(None))))
        return found

    def customers_with_orders_not_erased(self, customer_ids: Iterable[int]) -> set[int]:
        """Customers linked to an order nobody asked to erase (its store binding not redacted, or none): an order the
        buyer placed after the request, say, whose data they gave anew."""
        found: set[int] = set()
        for chunk in chunks(customer_ids):
            found |= set(self.session.scalars(
                select(Order.customer_id).distinct().outerjoin(OrderBinding, OrderBinding.order_id == Order.id)
                .where(Order.customer_id.in_(chunk),
                       or_(OrderBinding.id.is_(None), OrderBinding.redacted_at.is_(None)))))
        return found

    def store_customer_external_ids(self, store_id: int, customer_id: int) -> list[str]:
        query = (select(CustomerBinding.external_id)
                 .where(CustomerBinding.store_id == store_id, CustomerBinding.customer_id == customer_id)
                 .order_by(CustomerBinding.external_id))
        return list(self.session.scalars(query))

    def import_failures_of(self, store_id: int) -> list[ImportFailure]:
        query = select(ImportFailure).where(ImportFailure.store_id == store_id).order_by(ImportFailure.id)
        return list(self.session.scalars(query))

    def clear_failure_payloads(self, store_id: int, failure_ids: Iterable[int] | None = None) -> int:
        """Drop the raw store payloads kept with import failures (all of the store's, or the given ones)."""
        if failure_ids is None:
            statement = (update(import_failures)
                         .where(import_failures.c.store_id == store_id, import_failures.c.payload.is_not(None))
                         .values(payload=null()))
            return self.session.execute(statement).rowcount or 0
        cleared = 0
        for chunk in chunks(failure_ids):
            cleared += self.session.execute(
                update(import_failures)
                .where(import_failures.c.store_id == store_id, import_failures.c.id.in_(chunk))
                .values(payload=null())).rowcount or 0
        return cleared


def _of_another_source(store_id: int) -> ColumnElement[bool]:
    """An order (outer-joined to its store binding) that keeps its customer when this store's are erased: made here
    (no binding), or another store's that nobody asked to erase."""
    return or_(OrderBinding.id.is_(None), and_(OrderBinding.store_id != store_id, OrderBinding.redacted_at.is_(None)))


class ExportRepository:
    """LGPD data exports, kept in the database: any machine (and the operator's CLI) can hand them over."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def save(self, store_id: int, request_id: str, content: dict) -> None:
        """Keep the newest export of a request (a re-delivery replaces it)."""
        self.session.execute(delete(lgpd_exports).where(lgpd_exports.c.store_id == store_id,
                                                        lgpd_exports.c.request_id == request_id))
        self.session.execute(insert(lgpd_exports).values(store_id=store_id, request_id=request_id, content=content))

    def list(self) -> list[dict]:
        rows = self.session.execute(
            select(lgpd_exports.c.request_id, stores.c.external_id, lgpd_exports.c.created_at)
            .join(stores, stores.c.id == lgpd_exports.c.store_id).order_by(lgpd_exports.c.id.desc()))
        return [{"request_id": r, "store": s, "created_at": c.isoformat()} for r, s, c in rows]

    def content(self, request_id: str) -> dict | None:
        return self.session.scalar(select(lgpd_exports.c.content).where(lgpd_exports.c.request_id == request_id)
                                   .order_by(lgpd_exports.c.id.desc()))

    def contents(self, request_id: str) -> list[tuple[str, dict]]:
        """(the store's Nuvemshop id, content) of every export of this request id: one per store at most."""
        return [(store, content) for store, content in self.session.execute(
            select(stores.c.external_id, lgpd_exports.c.content).join(stores, stores.c.id == lgpd_exports.c.store_id)
            .where(lgpd_exports.c.request_id == request_id).order_by(stores.c.external_id))]

    def of_store(self, store_id: int) -> list[tuple[int, dict]]:
        """(id, content) of the store's exports."""
        return [(i, c) for i, c in self.session.execute(
            select(lgpd_exports.c.id, lgpd_exports.c.content).where(lgpd_exports.c.store_id == store_id))]

    def delete(self, export_ids: Iterable[int]) -> int:
        ids = list(export_ids)
        if not ids:
            return 0
        return self.session.execute(delete(lgpd_exports).where(lgpd_exports.c.id.in_(ids))).rowcount or 0

    def delete_of_store(self, store_id: int) -> int:
        return self.session.execute(delete(lgpd_exports).where(lgpd_exports.c.store_id == store_id)).rowcount or 0

    def purge(self, before: datetime) -> int:
        return self.session.execute(delete(lgpd_exports).where(lgpd_exports.c.created_at < before)).rowcount or 0
