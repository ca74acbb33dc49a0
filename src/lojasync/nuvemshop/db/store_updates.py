"""The store updates (outbox) table: upserts that coalesce, and a push that only finishes what it saw.

An upsert is `INSERT ... ON CONFLICT DO UPDATE` (PostgreSQL and SQLite both have it): two approvals that
move the same variant at once both succeed, and the row ends pending with its revision bumped twice,
instead of one approval failing on the unique key.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, case, func, literal, null, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lojasync.nuvemshop.db.tables import order_bindings
from lojasync.nuvemshop.db.tables import store_updates as t
from lojasync.nuvemshop.model.store_updates import StockTarget, StoreUpdate, UpdateKind, UpdateStatus
from lojasync.shared.batching import chunks

_PENDING = UpdateStatus.PENDING.value
# The order kinds go in (`due`): what the storefront sells first, then what the buyer waits for, then the key.
_KIND_FIRST = case((t.c.kind == UpdateKind.STOCK.value, 0), (t.c.kind == UpdateKind.TRACKING.value, 1), else_=2)


class StoreUpdateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # written by the domain events' handlers, inside the use case's transaction
    def want_stock(self, targets: Iterable[StockTarget], now: datetime) -> None:
        """These variants must get their product's current balance (read when pushed)."""
        rows = {(x.store_id, UpdateKind.STOCK.value, x.variant_ref): {
            "parent_ref": x.product_ref, "product_id": x.product_id, "value": None} for x in targets}
        self._upsert(rows, now)

    def want_invoice_key(self, store_id: int, order_ref: str, key: str, now: datetime) -> None:
        self._upsert({(store_id, UpdateKind.NFE_KEY.value, order_ref): {
            "parent_ref": None, "product_id": None, "value": key}}, now)

    def want_invoice_key_of_order(self, order_id: int, key: str, now: datetime) -> None:
        """The key goes to the store order this ERP order came from; nothing when it came from no store. One
        statement, the binding read inside it (every authorisation runs it)."""
        connection = self.session.connection()
        connection.execute(_key_of_order_statement(connection.dialect.name),
                           {"order_id": order_id, "key": key, "now": now})

    def want_tracking_of_order(self, order_id: int, code: str, now: datetime) -> bool:
        """The store order this ERP order came from must be marked shipped with its tracking (read when pushed);
        nothing when it came from no store. Returns whether it was queued."""
        row = self.session.execute(select(order_bindings.c.store_id, order_bindings.c.external_id)
                                   .where(order_bindings.c.order_id == order_id)).first()
        if row is None:
            return False
        self._upsert({(row.store_id, UpdateKind.TRACKING.value, row.external_id): {
            "parent_ref": None, "product_id": None, "value": code}}, now)
        return True

    def withdraw_invoice_key(self, store_id: int, order_ref: str, now: datetime) -> bool:
        """The NF-e was cancelled: its key must leave the store order (only if it was ever queued)."""
        result = self.session.execute(
            update(t).where(t.c.store_id == store_id, t.c.kind == UpdateKind.NFE_KEY.value, t.c.ref == order_ref)
            .values(value=None, **_requeued(now)))
        return bool(result.rowcount)

    def _upsert(self, rows: dict[tuple[int, str, str], dict], now: datetime) -> None:
        if not rows:
            return
        # Sorted: two transactions that lock the same rows (PostgreSQL) take them in the same order.
        values = [{"store_id": store_id, "kind": kind, "ref": ref, **data, "status": _PENDING, "revision": 1,
                   "attempts": 0, "created_at": now, "updated_at": now}
                  for (store_id, kind, ref), data in sorted(rows.items())]
        # On the connection, not through the ORM session (twice the cost); the callers are handlers that
        # run with autoflush off anyway.
        connection = self.session.connection()
        connection.execute(_upsert_statement(connection.dialect.name), values)

    def stock_push_states(self, store_id: int, variant_refs: Iterable[str]) -> dict[str, tuple[bool, datetime | None]]:
        """Each of these variants' stock update, as (pending, last written to the store); none: absent."""
        found: dict[str, tuple[bool, datetime | None]] = {}
        for chunk in chunks(sorted(set(variant_refs))):
            query = select(t.c.ref, t.c.status, t.c.pushed_at).where(
                t.c.store_id == store_id, t.c.kind == UpdateKind.STOCK.value, t.c.ref.in_(chunk))
            found.update((ref, (status == _PENDING, at)) for ref, status, at in self.session.execute(query))
        return found

    def stock_sent(self, store_id: int, variant_refs: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """Each of these variants' stock update, as (status, what the last push wrote); none: absent."""
        found: dict[str, tuple[str, str | None]] = {}
        for chunk in chunks(sorted(set(variant_refs))):
            query = select(t.c.ref, t.c.status, t.c.sent_value).where(
                t.c.store_id == store_id, t.c.kind == UpdateKind.STOCK.value, t.c.ref.in_(chunk))
            found.update((ref, (status, sent)) for ref, status, sent in self.session.execute(query))
        return found

    # read and finished by the push
    def due(self, store_id: int, now: datetime, limit: int = 500) -> list[StoreUpdate]:
        # Those that failed before go last: a product the store keeps refusing with 5xx, first of every batch, stopped
        # each push before the others (a push stops at the first failed call), for as long as it failed. Then stock
        # first, tracking codes, NF-e keys: a storefront selling what is gone is what a backlog must not cause
        # (scale review: by the kinds' names, 10,000 keys of a Black Friday went before any stock, ~1 a second,
        # and the store oversold for hours).
        query = (select(t).where(t.c.store_id == store_id, t.c.status == _PENDING, _is_due(now))
                 .order_by(t.c.attempts, _KIND_FIRST, t.c.parent_ref, t.c.id).limit(limit))
        return [StoreUpdate(**row._mapping) for row in self.session.execute(query)]

    def stores_due(self, now: datetime, kind: UpdateKind | None = None) -> list[int]:
        query = select(t.c.store_id).distinct().where(t.c.status == _PENDING, _is_due(now))
        if kind is not None:
            query = query.where(t.c.kind == kind.value)
        return sorted(self.session.scalars(query))

    def finish(self, row: StoreUpdate, now: datetime, sent_value: str | None, remote_id: str | None) -> bool:
        """Pushed: done, unless it changed since it was read: then pending, for the next push to send what it is
        now. Pending even when another worker pushed the newer revision meanwhile and marked it done (this one's
        lease ran out during a slow call): this push, of the older value, may have landed after that one's. One
        that worker failed for good stays failed, with its reason: sent again, the newer value is refused again.
        The remote id is kept either way: the metafield exists now.

        An older revision's finish moves the revision on: the newer push, still in flight, may have landed before
        this one and record after it; with its revision unchanged it was marked done while the store kept this older
        value (review: 10 in the store, 7 in the ERP, nothing to send it again)."""
        same = t.c.revision == row.revision
        failed = t.c.status == UpdateStatus.FAILED.value
        result = self.session.execute(update(t).where(t.c.id == row.id).values(
            status=case((same, UpdateStatus.DONE.value), (failed, UpdateStatus.FAILED.value), else_=_PENDING),
            revision=case((same, t.c.revision), else_=t.c.revision + 1),
            # Landed: the store answers again, so a newer value starts its count afresh (kept, a failing row's count
            # would give it up at its next odd answer); one another worker failed keeps its own.
            attempts=case((failed & ~same, t.c.attempts), else_=0), next_attempt_at=None,
            last_error=case((failed & ~same, t.c.last_error), else_=null()),
            resolution=case((failed & ~same, t.c.resolution), else_=null()),
            failing_since=case((failed & ~same, t.c.failing_since), else_=null()),
            sent_value=sent_value, remote_id=remote_id, pushed_at=now, updated_at=now))
        return bool(result.rowcount)

    def fail(self, row: StoreUpdate, now: datetime, error: str, resolution: str) -> bool:
        """Refused for good: failed with the reason, unless a newer change already asks to try again (or another
        worker pushed it meanwhile)."""
        result = self.session.execute(update(t).where(t.c.id == row.id, t.c.revision == row.revision,
                                                      t.c.status == _PENDING).values(
            status=UpdateStatus.FAILED.value, attempts=t.c.attempts + 1, last_error=error, resolution=resolution,
            failing_since=func.coalesce(t.c.failing_since, now), updated_at=now))
        return bool(result.rowcount)

    def still_failed(self, rows: Iterable[StoreUpdate]) -> set[int]:
        """The ids of `rows` failed now at the revision they had (their failure committed, no newer change since)."""
        wanted = {row.id: row.revision for row in rows}
        if not wanted:
            return set()
        found = self.session.execute(select(t.c.id, t.c.revision).where(t.c.id.in_(list(wanted)),
                                                                        t.c.status == UpdateStatus.FAILED.value))
        return {row_id for row_id, revision in found if wanted.get(row_id) == revision}

    def postpone(self, rows: Iterable[StoreUpdate], now: datetime, error: str, retry_at: datetime,
                 counted: bool = True) -> None:
        """Not pushed this time (the store unreachable, a bug): tried again at `retry_at`; `counted`: as an
        attempt (not for those never sent, the push having stopped before them)."""
        ids = [row.id for row in rows]
        if ids:
            self.session.execute(update(t).where(t.c.id.in_(ids), t.c.status == _PENDING).values(
                attempts=t.c.attempts + 1 if counted else t.c.attempts, last_error=error, next_attempt_at=retry_at,
                failing_since=func.coalesce(t.c.failing_since, now) if counted else t.c.failing_since,
                updated_at=now))

    def due_now(self, store_id: int, now: datetime) -> int:
        """The pending updates waiting for their next attempt are due now (a person asked to push now)."""
        result = self.session.execute(update(t).where(t.c.store_id == store_id, t.c.status == _PENDING,
                                                      t.c.next_attempt_at > now).values(next_attempt_at=None))
        return result.rowcount or 0

    def retry_failed(self, store_id: int, now: datetime) -> int:
        result = self.session.execute(update(t).where(t.c.store_id == store_id,
                                                      t.c.status == UpdateStatus.FAILED.value)
                                      .values(**_requeued(now)))
        return result.rowcount or 0

    def list(self, store_id: int, statuses: Iterable[str], limit: int = 200) -> list[StoreUpdate]:
        """Those the store refused first (a person acts on them), then the newest: in a backlog of thousands of
        pending ones, a refused one fell past the limit and was never shown."""
        query = (select(t).where(t.c.store_id == store_id, t.c.status.in_(list(statuses)))
                 .order_by((t.c.status == UpdateStatus.FAILED.value).desc(), t.c.updated_at.desc(), t.c.id.desc())
                 .limit(limit))
        return [StoreUpdate(**row._mapping) for row in self.session.execute(query)]

    def late_summary(self, store_id: int, failing_before: datetime) -> tuple[int, datetime | None]:
        """How many pending updates the store has been refusing since before `failing_before`, and since when the
        oldest has: what the Integração page says is late, counted without reading every update."""
        query = select(func.count(), func.min(t.c.failing_since)).where(
            t.c.store_id == store_id, t.c.status == _PENDING, t.c.failing_since <= failing_before)
        count, since = self.session.execute(query).one()
        return count, since

    def counts(self, store_id: int, statuses: Iterable[str]) -> dict[str, int]:
        """How many of each status the store has (what `list` shows may be cut)."""
        query = (select(t.c.status, func.count()).where(t.c.store_id == store_id, t.c.status.in_(list(statuses)))
                 .group_by(t.c.status))
        return dict(self.session.execute(query).all())


@functools.cache
def _upsert_statement(dialect: str):
    """One statement per dialect, with parameters: SQLAlchemy compiles it once (an approval runs it every time)."""
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(t)
    return statement.on_conflict_do_update(
        index_elements=[t.c.store_id, t.c.kind, t.c.ref],
        set_={"parent_ref": statement.excluded.parent_ref, "product_id": statement.excluded.product_id,
              "value": statement.excluded.value, "updated_at": statement.excluded.updated_at,
              **_requeued(None)})


@functools.cache
def _key_of_order_statement(dialect: str):
    """`want_invoice_key` for the store order bound to an ERP order, the binding looked up by the INSERT."""
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(t)
    now = bindparam("now", type_=t.c.created_at.type)
    source = select(order_bindings.c.store_id, literal(UpdateKind.NFE_KEY.value), order_bindings.c.external_id,
                    bindparam("key", type_=t.c.value.type), literal(_PENDING), literal(1), literal(0), now, now
                    ).where(order_bindings.c.order_id == bindparam("order_id"))
    statement = statement.from_select(["store_id", "kind", "ref", "value", "status", "revision", "attempts",
                                       "created_at", "updated_at"], source)
    return statement.on_conflict_do_update(
        index_elements=[t.c.store_id, t.c.kind, t.c.ref],
        set_={"parent_ref": None, "product_id": None, "value": statement.excluded.value,
              "updated_at": statement.excluded.updated_at, **_requeued(None)})


def _requeued(now: datetime | None) -> dict:
    """Pending again, as a new change: a push in flight will not mark it done (the revision moved).

    One still waiting that the store keeps failing keeps its count, its wait and its error: the new value goes at its
    next attempt. Started afresh at every change, a product selling every minute was sent every few seconds into a
    store failing it (its rate limit spent on it), never given up on when refused, and never seen as late. One the
    store refused for good starts afresh (a person's Reenviar, or a new value that may be accepted)."""
    failing = (t.c.status == _PENDING) & t.c.failing_since.is_not(None)
    changes = {"status": _PENDING, "revision": t.c.revision + 1,
               "attempts": case((failing, t.c.attempts), else_=0),
               "next_attempt_at": case((failing, t.c.next_attempt_at), else_=null()),
               "last_error": case((failing, t.c.last_error), else_=null()), "resolution": None,
               "failing_since": case((failing, t.c.failing_since), else_=null())}
    return changes if now is None else {**changes, "updated_at": now}


def _is_due(now: datetime):
    return (t.c.next_attempt_at.is_(None)) | (t.c.next_attempt_at <= now)
