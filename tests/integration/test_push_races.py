"""Pushes to the store that met each other or a failing call (a review's findings, each test failing before its
fix): an older stock value landing after a newer one, a lease taken back after another worker used it, updates
never sent failed or held back with another's error."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from lojasync.nuvemshop.db.tables import store_leases, store_updates
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.push_updates import push_store_updates, retry_delay
from lojasync.nuvemshop.services.store_updates import list_store_updates
from lojasync.stock.counts import count_stock
from tests.factories import make_store, order_payload
from tests.unit.fakes import FakeStoreClient


@pytest.fixture()
def store_id(app) -> int:
    return make_store(app)


def queued(app):
    return {(u.kind, u.ref): u.status for u in list_store_updates(app.read_uow(), None, include_done=True)}


def _expire_lease(app, store_id):
    with app.engine.begin() as conn:
        conn.execute(update(store_leases).where(store_leases.c.store_id == store_id)
                     .values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))


def test_a_push_whose_lease_expired_mid_call_leaves_its_older_stock_in_the_store_marked_done(app, store_id):
    """Worker A reads 10 and sends it; its call hangs past the lease (429s, a PUT retried on timeouts). A sale
    brings the stock to 7; worker B takes the expired lease, writes 7 and marks the row done. A's 10 then lands:
    the store shows 10 (3 units oversold) and the row stays 'done', so nothing ever corrects it."""
    import_order(app.uow(), store_id, order_payload(id=1900000301), ImportPolicy())
    count_stock(app.uow(), "CAM-ALG-P", 10)
    store = FakeStoreClient()
    slow_once = {"armed": True}
    original = store.set_variants_stock

    def set_variants_stock(product_id, stock):
        if slow_once.pop("armed", False):
            # ... A's call is slow: its lease expires, a sale lands, B pushes the new stock (another thread) ...
            _expire_lease(app, store_id)
            count_stock(app.uow(), "CAM-ALG-P", 7)
            worker_b = threading.Thread(target=lambda: push_store_updates(app.uow(), lambda s: store, store_id))
            worker_b.start()
            worker_b.join()
            assert store.variant_stock == {"601": 7}
        return original(product_id, stock)   # ... and A's old value lands now

    store.set_variants_stock = set_variants_stock
    push_store_updates(app.uow(), lambda s: store, store_id)

    # The store must end with the ERP's current stock, or the row must still be pending so the next push fixes it.
    assert store.variant_stock == {"601": 7} or queued(app)[("stock", "601")] == "pending", (
        store.variant_stock, queued(app))


class _Clock:
    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def _rows(app):
    return {(u.kind, u.ref): u for u in list_store_updates(app.read_uow(), None, include_done=True)}


def test_a_stock_update_never_sent_is_failed_for_good_with_another_updates_error(app, store_id):
    """An NF-e key the store keeps answering oddly (an HTML page with 200 from a proxy, an unexpected shape) is
    tried 5 times, then failed: fine for that key. But a stock update queued just before its 5th try is in the
    same batch, behind it (one that failed more often goes after it): it was failed too, without ever being sent,
    with the key's error, and the storefront kept the old stock until a person resent it or the product moved."""
    from lojasync.nuvemshop.client.errors import InvalidResponseError

    import_order(app.uow(), store_id, order_payload(id=1900000401), ImportPolicy())
    with app.uow() as uow:
        uow.store_updates.want_invoice_key(store_id, "1900000401", "3" * 44, datetime.now(timezone.utc))
        uow.commit()
    store = FakeStoreClient()

    def odd_answer(order_id, namespace, key):
        raise InvalidResponseError("Resposta inesperada da Nuvemshop em GET /metafields/orders.")

    store.find_order_metafields = odd_answer
    clock = _Clock()
    for _ in range(4):   # the key alone: tried and postponed four times
        push_store_updates(app.uow(), lambda s: store, store_id, now=clock)
        clock.now += timedelta(minutes=15)
    assert _rows(app)[("nfe_key", "1900000401")].status == "pending"

    count_stock(app.uow(), "CAM-ALG-P", 10)   # a stock update, due now, beside the key's 5th try
    # As if it had failed more often (the store down for a while): more attempts, so the key goes first (with as
    # many, stock goes first: `StoreUpdateRepository.due`).
    with app.engine.begin() as connection:
        connection.execute(update(store_updates).where(store_updates.c.kind == "stock").values(attempts=5))
    push_store_updates(app.uow(), lambda s: store, store_id, now=clock)

    rows = _rows(app)
    assert rows[("nfe_key", "1900000401")].status == "failed"   # the key's own fifth odd answer: given up
    stock_row = rows[("stock", "601")]
    assert store.writes == []   # never sent...
    assert (stock_row.status, stock_row.attempts) == ("pending", 5), (stock_row.status, stock_row.error)
    assert stock_row.error.startswith("Não enviada: o envio à loja parou antes dela")
    clock.now += timedelta(seconds=30)   # due again soon, without the key
    push_store_updates(app.uow(), lambda s: store, store_id, now=clock)
    assert store.variant_stock == {"601": 10} and _rows(app)[("stock", "601")].status == "done"


def test_one_product_the_store_keeps_answering_5xx_for_holds_back_every_product_due_with_it(app, store_id):
    """The store answers 503 to the PATCH of one product (always; the others are fine). The other product, queued
    at the same moment, is postponed with it ("Não enviada") and, due again at the same time each round, is never
    tried: behind the failing group for as long as it fails (retryable errors never give up)."""
    from lojasync.nuvemshop.client.errors import TemporaryError

    import_order(app.uow(), store_id, order_payload(id=1900000501), ImportPolicy())
    count_stock(app.uow(), "CAM-ALG-P", 10)   # store product 501, variant 601
    count_stock(app.uow(), "CAN-CER", 4)      # store product 502, variant 602
    store = FakeStoreClient()
    original = store.set_variants_stock

    def patch(product_id, stock):
        if str(product_id) == "501":
            store.api_calls += 1
            raise TemporaryError("A Nuvemshop não respondeu (HTTP 503).", status_code=503)
        return original(product_id, stock)

    store.set_variants_stock = patch
    clock = _Clock()
    for _ in range(12):   # three hours of retries
        push_store_updates(app.uow(), lambda s: store, store_id, now=clock)
        clock.now += timedelta(minutes=15)

    assert store.variant_stock.get("602") == 4, (store.variant_stock, _rows(app)[("stock", "602")].error)


def test_a_worker_that_lost_its_lease_takes_it_back_on_renew_and_goes_on_with_its_old_batch(app, store_id):
    """_push_batch stops when `lease.renew()` fails; but after the lease expired and the worker that took it
    released it, renew() inserts a fresh lease: the first worker goes on with the stock it read minutes ago."""
    from lojasync.nuvemshop.services.leases import store_lease

    with store_lease(app.uow(), store_id, holder="host-a:1:1") as lease_a:
        _expire_lease(app, store_id)
        with store_lease(app.uow(), store_id, holder="host-b:2:2") as lease_b:
            assert lease_b is not None          # B took the expired lease, pushed, released
        assert lease_a.renew() is False         # A lost it: it must stop, not take it back


def test_a_push_that_lands_after_another_worker_failed_the_newer_value_for_good_keeps_that_failure(app, store_id):
    """Worker A sends 10; meanwhile a count brings the stock to 7 and worker B (A's lease ran out) sends 7, which the
    store refuses for good. A's finish then made the row pending again, without B's reason: the next push sent 7
    again, refused again (one more call and log line), and meanwhile the list showed no error to act on."""
    from lojasync.nuvemshop.client.errors import BadRequestError

    import_order(app.uow(), store_id, order_payload(id=1900000701), ImportPolicy())
    count_stock(app.uow(), "CAM-ALG-P", 10)
    store = FakeStoreClient()
    original = store.set_variants_stock
    calls = []

    def set_variants_stock(product_id, stock):
        calls.append(dict(stock))
        if len(calls) == 1:   # A's call, slow: B pushes the newer value, which the store refuses (PATCH and PUT)
            _expire_lease(app, store_id)
            count_stock(app.uow(), "CAM-ALG-P", 7)
            worker_b = threading.Thread(target=lambda: push_store_updates(app.uow(), lambda s: store, store_id))
            worker_b.start()
            worker_b.join()
        else:
            raise BadRequestError("A Nuvemshop recusou os dados (HTTP 422): stock inválido.", status_code=422)
        return original(product_id, stock)

    def set_variant_stock(product_id, variant_id, stock):
        calls.append({str(variant_id): stock})
        raise BadRequestError("A Nuvemshop recusou os dados (HTTP 422): stock inválido.", status_code=422)

    store.set_variants_stock, store.set_variant_stock = set_variants_stock, set_variant_stock
    push_store_updates(app.uow(), lambda s: store, store_id)

    row = _rows(app)[("stock", "601")]
    assert [c.get("601") for c in calls] == [10, 7, 7]   # A's PATCH; B's PATCH, then its PUT
    assert row.status == "failed" and "recusou o estoque 7" in row.error, (row.status, row.error)


def _two_products_counted(app, store_id, order_id: int) -> None:
    """Store product 501 with variants 601 (CAM-P, 5 counted) and 603 (CAM-M, 6); 502 with 602 (CAN-CER, 7)."""
    products = [{"id": 1, "product_id": 501, "variant_id": 601, "name": "Camiseta P", "sku": "CAM-P", "price": "50.00",
                 "quantity": 1},
                {"id": 2, "product_id": 501, "variant_id": 603, "name": "Camiseta M", "sku": "CAM-M", "price": "50.00",
                 "quantity": 1},
                {"id": 3, "product_id": 502, "variant_id": 602, "name": "Caneca", "sku": "CAN-CER", "price": "50.00",
                 "quantity": 1}]
    import_order(app.uow(), store_id, order_payload(id=order_id, products=products), ImportPolicy())
    for sku, quantity in (("CAM-P", 5), ("CAM-M", 6), ("CAN-CER", 7)):
        count_stock(app.uow(), sku, quantity)


def test_the_variants_of_one_product_go_in_one_call_whatever_their_attempts(app, store_id):
    """Due rows go fewest attempts first: a variant changed again (attempts back to 0) came apart from a sibling
    that had failed before, and the product was written in two PATCH calls (two of the store's 40 requests)."""
    _two_products_counted(app, store_id, 1900000702)
    with app.engine.begin() as conn:   # the sibling and the other product had failed before, a retryable error
        for ref, attempts in (("603", 3), ("602", 1)):
            conn.execute(update(store_updates).where(store_updates.c.ref == ref).values(attempts=attempts))
    store = FakeStoreClient()
    push_store_updates(app.uow(), lambda s: store, store_id)

    assert sorted((method, product, tuple(sorted(stock))) for method, product, stock in store.writes) == [
        ("PATCH", "501", ("601", "603")), ("PATCH", "502", ("602",))]
    assert store.variant_stock == {"601": 5, "603": 6, "602": 7}


@pytest.mark.parametrize("failing_product", ["501", "502"])
def test_when_a_call_fails_after_a_product_was_gathered_the_rows_postponed_are_the_ones_not_pushed(app, store_id,
                                                                                                    failing_product):
    """Review: gathering a product's variants reordered the batch, while what was left after each call was still
    counted from the batch's own order: a failed call postponed (or failed for good) a row already pushed, and left
    the row it was for pending with no error and no wait. A product's PATCH goes where its row that failed most
    goes, so a product the store keeps refusing still goes after the others."""
    from lojasync.nuvemshop.client.errors import TemporaryError

    _two_products_counted(app, store_id, 1900000703)
    with app.engine.begin() as conn:   # due order: 601 (0 attempts), 602 (1), 603 (4)
        for ref, attempts in (("603", 4), ("602", 1)):
            conn.execute(update(store_updates).where(store_updates.c.ref == ref).values(attempts=attempts))
    store = FakeStoreClient()
    original = store.set_variants_stock

    def patch(product_id, stock):
        if str(product_id) == failing_product:
            store.writes.append(("PATCH", str(product_id), dict(stock)))
            raise TemporaryError("A Nuvemshop não respondeu (HTTP 503).", status_code=503)
        return original(product_id, stock)

    store.set_variants_stock = patch
    push_store_updates(app.uow(), lambda s: store, store_id)

    rows = _rows(app)
    assert [product for _, product, _ in store.writes] == ["502", "501"][: 1 if failing_product == "502" else 2]
    failed_refs = {"501": ("601", "603"), "502": ("602",)}[failing_product]
    for ref, attempts in (("601", 0), ("602", 1), ("603", 4)):
        row = rows[("stock", ref)]
        if ref in failed_refs:   # the call that failed: an attempt counted, its error, a wait
            assert row.status == "pending" and row.error and "503" in row.error, (ref, row.status, row.error)
            assert row.attempts == attempts + 1, (ref, row.attempts)
        elif failing_product == "502":   # never sent: pending, nothing counted
            assert row.status == "pending" and row.attempts == attempts, (ref, row.status, row.attempts)
        else:
            assert row.status == "done", (ref, row.status)


def test_a_variant_sent_beside_a_worn_sibling_is_not_given_up_on_its_first_try(app, store_id):
    """Review: gathered into its product's PATCH with a sibling tried four times, a variant changed a moment ago was
    failed for good with it ("a loja respondeu do mesmo jeito em todas as tentativas") after one try."""
    from lojasync.nuvemshop.client.errors import InvalidResponseError

    products = [{"id": 1, "product_id": 501, "variant_id": 601, "name": "Camiseta P", "sku": "CAM-P", "price": "50.00",
                 "quantity": 1},
                {"id": 2, "product_id": 501, "variant_id": 603, "name": "Camiseta M", "sku": "CAM-M", "price": "50.00",
                 "quantity": 1}]
    import_order(app.uow(), store_id, order_payload(id=1900000704, products=products), ImportPolicy())
    for sku, quantity in (("CAM-P", 5), ("CAM-M", 6)):
        count_stock(app.uow(), sku, quantity)
    with app.engine.begin() as conn:
        conn.execute(update(store_updates).where(store_updates.c.ref == "603").values(attempts=4))
    store = FakeStoreClient()

    def odd_answer(product_id, stock):
        raise InvalidResponseError("A Nuvemshop respondeu algo inesperado (HTML).")

    store.set_variants_stock = odd_answer
    report = push_store_updates(app.uow(), lambda s: store, store_id)
    rows = _rows(app)
    assert rows[("stock", "603")].status == "failed"
    assert (rows[("stock", "601")].status, rows[("stock", "601")].attempts) == ("pending", 1)
    # ... and its retry is scheduled, as its own first try's (review: the sibling's give-up cleared it).
    assert report.retry_in == retry_delay(1)
