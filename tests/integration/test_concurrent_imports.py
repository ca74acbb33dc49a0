"""Unique constraints hold when two importers race (threads with their own transactions).

On SQLite writers queue behind BEGIN IMMEDIATE; on PostgreSQL they really run in parallel and the
loser of a unique-key race re-runs its batch.
"""

from __future__ import annotations

import threading

import pytest

from lojasync.nuvemshop.services.import_orders import import_orders
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.outcomes import Outcome
from lojasync.sales.views import list_customers, list_orders
from lojasync.stock.views import list_products
from tests.factories import cpf, make_store, order_payload


def _race(app, store_id: int, batches: list[list[dict]]) -> list:
    barrier = threading.Barrier(len(batches))
    results, errors = [], []

    def run(batch):
        try:
            barrier.wait()
            results.append(import_orders(app.uow(), store_id, batch, ImportPolicy()))
        except Exception as exc:  # noqa: BLE001 - surfaced below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    return results


@pytest.mark.parametrize("rounds", range(5))
def test_two_importers_of_the_same_order_create_it_once(app, rounds):
    store_id = make_store(app)
    payload = order_payload()
    reports = _race(app, store_id, [[payload], [payload]])

    outcomes = sorted(r.results[0].outcome for r in reports)
    assert outcomes == sorted([Outcome.CREATED, Outcome.UNCHANGED])
    assert len(list_orders(app.uow())) == 1
    assert len(list_customers(app.uow())) == 1
    assert len(list_products(app.uow())) == 2


def test_two_importers_of_different_orders_of_one_new_customer_create_it_once(app):
    store_id = make_store(app)
    document = cpf("987654321")
    batches = [[order_payload(identification=document) for _ in range(20)] for _ in range(2)]
    _race(app, store_id, batches)

    assert len(list_orders(app.uow())) == 40
    assert [c["tax_id"] for c in list_customers(app.uow())] == [document]
    assert len(list_products(app.uow())) == 2


@pytest.mark.postgresql
def test_four_importers_on_postgresql_overlapping_batches(app):
    store_id = make_store(app)
    shared = [order_payload(identification=cpf(f"{i:09d}")) for i in range(100, 130)]
    batches = [shared[i::2] + shared for i in range(4)]
    _race(app, store_id, batches)

    orders = list_orders(app.uow())
    assert len(orders) == 30
    assert len({o["store_order_id"] for o in orders}) == 30
    assert len(list_customers(app.uow())) == 30


def test_a_periodic_round_is_claimed_by_one_consumer_only(app):
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    claims = []
    for _ in range(3):  # three consumers waking up for the same minute
        with app.uow() as uow:
            claims.append(uow.periodic_runs.claim_round("housekeeping", now, now - timedelta(seconds=50)))
            uow.commit()
    assert claims == [True, False, False]
    later = now + timedelta(seconds=60)
    with app.uow() as uow:
        assert uow.periodic_runs.claim_round("housekeeping", later, later - timedelta(seconds=50))
