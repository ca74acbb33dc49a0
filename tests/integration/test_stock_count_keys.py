"""A count's own key (count_id) makes a retried count safe, also when two counts race (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest

from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.stock.counts import CountIdTaken, count_stock
from tests.factories import make_store, order_payload


@pytest.fixture()
def products(app) -> None:
    import_order(app.uow(), make_store(app), order_payload(id=1800000030), ImportPolicy())   # CAM-ALG-P, CAN-CER


def _race(app, calls: list[tuple[str, int]]) -> tuple[list[dict], list[Exception]]:
    barrier, results, errors = threading.Barrier(len(calls)), [], []

    def count(sku: str, quantity: int) -> None:
        barrier.wait()
        try:
            results.append(count_stock(app.uow(), sku, quantity, "wms-1"))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=count, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


@pytest.mark.postgresql
def test_one_key_for_two_products_at_once_is_one_count_and_one_refusal_not_a_try_again(app, products):
    """Each count locked only its own product: both found the key free, and the loser was a 503 'tente de novo'
    whose retry then said count_id_taken (review)."""
    results, errors = _race(app, [("CAM-ALG-P", 3), ("CAN-CER", 3)])
    assert [r["repeated"] for r in results] == [False]
    assert [type(e) for e in errors] == [CountIdTaken] and "outro produto" in errors[0].message


@pytest.mark.postgresql
def test_one_key_for_the_same_count_twice_at_once_moves_the_stock_once(app, products):
    results, errors = _race(app, [("CAN-CER", 4), ("CAN-CER", 4)])
    assert errors == [] and sorted(r["repeated"] for r in results) == [False, True]
