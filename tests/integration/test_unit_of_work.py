"""The SQL unit of work: one transaction per entry, events published before the commit, nothing lost."""

from __future__ import annotations

import gc

import pytest

from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.sales.events import DataExported
from lojasync.sales.history import Actor
from lojasync.stock.counts import COUNT_SOURCE
from lojasync.stock.ledger import StockMovement
from tests.factories import make_store, order_payload


def test_events_of_an_aggregate_the_session_no_longer_holds_are_still_published(app):
    """The ORM's identity map holds unmodified objects weakly: the unit of work must hold the ones that
    recorded events, or their history would vanish with a garbage collection (seen on PostgreSQL)."""
    number = import_order(app.uow(), make_store(app), order_payload(), ImportPolicy()).order_number
    with app.uow() as uow:
        order = uow.orders.get(number)
        order.record(DataExported(order=order, actor=Actor.STORE, request_id="r-1"))  # no column changes
        del order
        gc.collect()
        uow.commit()
    with app.uow() as uow:
        assert [e.type for e in uow.order_history.for_order(number)] == ["created", "lgpd_data_request"]


def test_a_rolled_back_transaction_publishes_nothing_and_leaves_no_stale_events(app):
    number = import_order(app.uow(), make_store(app), order_payload(), ImportPolicy()).order_number
    uow = app.uow()
    with uow:
        order = uow.orders.get(number)
        order.record(DataExported(order=order, actor=Actor.STORE, request_id="nunca"))
        # no commit: rolled back on exit
    assert order.pull_events() == []
    with uow:
        assert [e.type for e in uow.order_history.for_order(number)] == ["created"]


def test_one_transaction_at_a_time(app):
    uow = app.uow()
    with uow, pytest.raises(RuntimeError, match="already in a transaction"), uow:
        pass


def _durability(uow) -> str:
    """The running transaction's commit durability, as the database reports it."""
    connection = uow.session.connection()
    if connection.dialect.name == "sqlite":
        return {0: "off", 1: "normal", 2: "full", 3: "extra"}[connection.exec_driver_sql("PRAGMA synchronous").scalar()]
    return connection.exec_driver_sql("SHOW synchronous_commit").scalar()


def test_a_redoable_transaction_alone_commits_without_waiting_for_the_disk(app):
    """Recording SEFAZ's answer may be lost to a power cut (the query by key redoes it); nothing else may:
    the transactions before and after it on the same pooled connection wait for the disk again."""
    with app.uow() as uow:
        assert _durability(uow) in ("full", "on")
    with app.uow() as uow:
        uow.redoable()
        assert _durability(uow) in ("normal", "off")
        uow.commit()
    for _ in range(3):  # whichever pooled connection comes next
        with app.uow() as uow:
            assert _durability(uow) in ("full", "on")
            uow.commit()


def test_a_product_counted_within_the_transaction_is_counted_from_then_on(app):
    """`counted` remembers its answers for the transaction (an approval asks twice); a count written in the
    same transaction, or by another writer before the next one, is not hidden by what it remembered."""
    number = import_order(app.uow(), make_store(app), order_payload(), ImportPolicy()).order_number
    with app.uow() as uow:
        first, second = sorted(line.product_id for line in uow.orders.get(number).lines)
        assert uow.products.counted([first, second]) == set()
        uow.stock_movements.add(StockMovement(first, 3, "Contagem: 3 em estoque", COUNT_SOURCE, "c-1"))
        assert uow.products.counted([first, second]) == {first}
        uow.commit()
        with app.uow() as other:   # between this session's transactions
            other.stock_movements.add(StockMovement(second, 1, "Contagem: 1 em estoque", COUNT_SOURCE, "c-2"))
            other.commit()
        assert uow.products.counted([first, second]) == {first, second}
