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


def test_a_retried_count_is_recognised_whatever_movement_came_before_it_by_id(app, products):
    """review: on PostgreSQL ids are not commit order: a sale's movement taking an id before a count's, and committed
    after it, made the retry of that same count read another quantity from the ledger (CountIdTaken). The count's
    movement says what it counted. Here the ids are arranged as that race leaves them."""
    from datetime import datetime, timezone

    from sqlalchemy import delete, insert

    from lojasync.stock.ledger import StockMovement

    with app.uow() as uow:
        (product_id,) = [p.id for p in uow.products.list() if p.sku == "CAN-CER"]
        uow.stock_movements.add(StockMovement(product_id, 0, "reservado", "simple_sale", "998", 1))
        uow.commit()
    recorded = count_stock(app.uow(), "CAN-CER", 10, "wms-7")
    with app.uow() as uow:
        (placeholder,) = [m for m in uow.stock_movements.for_product(product_id) if m.source_id == "998"]
        uow.session.execute(delete(StockMovement).where(StockMovement.id == placeholder.id))
        # The sale's id below the count's, its commit after it.
        uow.session.execute(insert(StockMovement).values(
            id=placeholder.id, product_id=product_id, quantity=-1, reason="Baixa: venda simples",
            source_type="simple_sale", source_id="999", source_line=1, created_at=datetime.now(timezone.utc)))
        uow.commit()
        assert [m.quantity for m in uow.stock_movements.for_product(product_id)] == [-1, 10]   # by id
    again = count_stock(app.uow(), "CAN-CER", 10, "wms-7")
    assert again["repeated"] and (again["quantity"], again["adjustment"]) == (10, recorded["adjustment"])


def test_a_count_whose_adjustment_a_movement_cannot_hold_is_refused_in_words(app, products):
    """Review: a count after a balance taken below -1.1 billion made an adjustment past the 32 bits of a movement:
    PostgreSQL refused it as a database error (SQLite kept it)."""
    from lojasync.stock.counts import CountAdjustmentTooLarge
    from lojasync.stock.ledger import StockMovement

    with app.uow() as uow:
        product = uow.products.by_skus(["CAN-CER"])["CAN-CER"]
        uow.stock_movements.add(StockMovement(product.id, -2_000_000_000, "Baixa: teste", "test", "1"))
        uow.commit()
    with pytest.raises(CountAdjustmentTooLarge) as refused:
        count_stock(app.uow(), "CAN-CER", 10**9)
    assert refused.value.code == "stock.count_invalid" and "movimentações do produto" in refused.value.resolution
    assert refused.value.terminal_commands == ("lojasync stock movements CAN-CER",)
    assert count_stock(app.uow(), "CAN-CER", 10)["adjustment"] == 2_000_000_010


def test_a_retried_count_recorded_before_counts_said_their_quantity_reads_it_from_the_ledger_up_to_it(app, products):
    """A count recorded by an earlier version ("Contagem", no quantity in its reason) is read back from the ledger up
    to its movement, summed in the database: movements after it (a sale) do not count, and the same count again is
    recognised, another quantity refused."""
    from sqlalchemy import update

    from lojasync.stock.ledger import StockMovement

    first = count_stock(app.uow(), "CAN-CER", 7, "wms-old")
    with app.uow() as uow:
        uow.session.execute(update(StockMovement).where(StockMovement.source_id == "wms-old").values(reason="Contagem"))
        uow.commit()
    count_stock(app.uow(), "CAN-CER", 5, "wms-later")   # after it: not part of what the old count set
    again = count_stock(app.uow(), "CAN-CER", 7, "wms-old")
    assert (first["repeated"], again["repeated"], again["quantity"]) == (False, True, 7)
    with pytest.raises(CountIdTaken):
        count_stock(app.uow(), "CAN-CER", 6, "wms-old")
