"""Stock count and the store updates it and approvals queue, on a real database: the count's movement, which
products are managed, one row per variant whatever moves it, nothing queued by a transaction that rolls back
(SQLite, or PostgreSQL when LOJASYNC_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from lojasync.bootstrap import message_bus
from lojasync.fiscal.events import DocumentApproved
from lojasync.fiscal.services.simple_sales import cancel_sale, confirm_sale, generate_sale
from lojasync.nuvemshop.db.unit_of_work import SqlConnectorUnitOfWork
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.store_updates import list_store_updates, stores_with_due_updates
from lojasync.sales.tracking import record_tracking
from lojasync.shared.messagebus import MessageBus
from lojasync.stock.adjustments import MAX_REASON, ProductNotCounted, adjust_stock
from lojasync.stock.counts import CountInvalid, count_stock
from lojasync.stock.views import ProductNotFound, stock_levels, stock_movements
from tests.e2e.test_cli import lojasync  # noqa: F401 - the fixture, used by name
from tests.factories import make_store, order_payload


@pytest.fixture()
def store_id(app) -> int:
    return make_store(app)


def imported(app, store_id, order_id: int) -> int:
    return import_order(app.uow(), store_id, order_payload(id=order_id), ImportPolicy()).order_number


def levels(app) -> dict[str, tuple[int, bool]]:
    return {r["sku"]: (r["quantity"], r["managed"]) for r in stock_levels(app.read_uow())}


def queued(app) -> list[tuple[str, str, str]]:
    return sorted((u.kind, u.ref, u.status) for u in list_store_updates(app.read_uow(), None, include_done=True))


def test_a_count_sets_the_balance_and_makes_the_product_managed(app, store_id):
    number = imported(app, store_id, 1900000001)
    confirm_sale(app.uow(), generate_sale(app.uow(), number).id)   # sold before any count: -2 and -1
    assert levels(app) == {"CAM-ALG-P": (-2, False), "CAN-CER": (-1, False)}

    counted = count_stock(app.uow(), "CAM-ALG-P", 10)
    assert (counted["previous"], counted["adjustment"], counted["quantity"]) == (-2, 12, 10)
    assert levels(app) == {"CAM-ALG-P": (10, True), "CAN-CER": (-1, False)}
    again = count_stock(app.uow(), "CAM-ALG-P", 10)   # the balance was right: a movement of 0, still recorded
    assert again["adjustment"] == 0
    movement = stock_movements(app.read_uow(), "CAM-ALG-P")[-1]
    assert (movement["quantity"], movement["balance"], movement["source_type"]) == (0, 10, "count")
    assert movement["reason"] == "Contagem: 10 em estoque"


def test_each_update_names_the_erp_product_or_order_it_is_about(app, store_id):
    number = imported(app, store_id, 1900000041)
    count_stock(app.uow(), "CAM-ALG-P", 3)
    subjects = {(u.kind, u.ref): u.subject for u in list_store_updates(app.read_uow(), None, include_done=True)}
    assert subjects[("stock", "601")] == "Camiseta Algodão P (CAM-ALG-P)"
    record_tracking(app.uow(), number, "AA123456789BR")
    subjects = {(u.kind, u.ref): u.subject for u in list_store_updates(app.read_uow(), None, include_done=True)}
    assert subjects[("tracking", "1900000041")] == f"pedido {number}"


def test_an_entrada_or_a_saida_of_a_counted_product_queues_its_stock_for_the_store(app, store_id):
    imported(app, store_id, 1900000005)
    with pytest.raises(ProductNotCounted):          # the store's stock: nobody counted the shelf
        adjust_stock(app.uow(), "CAM-ALG-P", 5)
    assert queued(app) == []
    count_stock(app.uow(), "CAM-ALG-P", 10)

    def revision() -> int:
        with app.uow() as uow:
            return uow.session.execute(text("SELECT revision FROM nuvemshop_store_updates")).scalar_one()

    counted = revision()
    done = adjust_stock(app.uow(), "CAM-ALG-P", -4, "amostra para o fotógrafo\u202e")
    assert (done["previous"], done["adjustment"], done["quantity"]) == (10, -4, 6)
    assert done["reason"] == "Saída: amostra para o fotógrafo"
    assert levels(app)["CAM-ALG-P"] == (6, True)
    assert queued(app) == [("stock", "601", "pending")] and revision() == counted + 1   # wanted again
    # The longest reason taken fits the movement's column with its "Entrada: " (PostgreSQL refused 209 characters).
    longest = adjust_stock(app.uow(), "CAM-ALG-P", 1, "x" * MAX_REASON)
    assert longest["reason"] == "Entrada: " + "x" * MAX_REASON


def test_a_count_refuses_what_cannot_be_a_quantity_or_a_product(app, store_id):
    imported(app, store_id, 1900000002)
    with pytest.raises(CountInvalid) as negative:
        count_stock(app.uow(), "CAM-ALG-P", -1)
    assert "Quantidade contada inválida" in negative.value.message
    with pytest.raises(ProductNotFound):
        count_stock(app.uow(), "NAO-EXISTE", 3)
    assert levels(app) == {"CAM-ALG-P": (0, False), "CAN-CER": (0, False)}


def test_only_managed_bound_products_are_queued_one_row_per_variant(app, store_id):
    number = imported(app, store_id, 1900000003)
    count_stock(app.uow(), "CAM-ALG-P", 10)   # bound to variant 601; CAN-CER (602) stays the store's
    assert queued(app) == [("stock", "601", "pending")]
    sale = generate_sale(app.uow(), number)
    confirm_sale(app.uow(), sale.id)
    cancel_sale(app.uow(), sale.id)
    assert queued(app) == [("stock", "601", "pending")]   # three moves, still one update
    with app.read_uow() as uow:
        (row,) = uow.store_updates.due(store_id, _far_future())
    assert (row.revision, row.parent_ref, row.value) == (3, "501", None)
    assert stores_with_due_updates(app.read_uow()) == [store_id]


def test_stock_goes_to_the_store_before_a_backlog_of_nfe_keys_and_tracking_codes(app, store_id):
    """scale review: due updates went by the kinds' names, "nfe_key" before "stock": with 10,000 keys of a Black
    Friday queued (two calls each), no stock reached the store for hours, and the storefront oversold."""
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    imported(app, store_id, 1900000099)
    with app.uow() as uow:
        for order in range(600):
            uow.store_updates.want_invoice_key(store_id, f"9{order:05d}", f"3526{order:040d}", now)
        uow.commit()
    count_stock(app.uow(), "CAM-ALG-P", 10)   # variant 601's stock, queued after the keys
    with app.uow() as uow:
        uow.store_updates._upsert({(store_id, "tracking", "90001"): {"parent_ref": None, "product_id": None,
                                                                     "value": "AA123456789BR"}}, now)
        uow.commit()
    with app.read_uow() as uow:
        first = uow.store_updates.due(store_id, _far_future(), 500)
    assert [(row.kind, row.ref) for row in first[:2]] == [("stock", "601"), ("tracking", "90001")]
    assert {row.kind for row in first[2:]} == {"nfe_key"} and len(first) == 500


def test_open_orders_placed_since_the_count_reserve_their_units_until_issued(app, store_id):
    from datetime import datetime, timedelta, timezone

    old = imported(app, store_id, 1900000010)   # placed long before the count: taken as in the count
    count_stock(app.uow(), "CAM-ALG-P", 10)
    just_now = (datetime.now(timezone.utc) + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    new = import_order(app.uow(), store_id, order_payload(id=1900000011, created_at=just_now),
                       ImportPolicy()).order_number
    cancelled = import_order(app.uow(), store_id, order_payload(id=1900000012, created_at=just_now,
                                                                status="cancelled"), ImportPolicy()).order_number

    def reserved() -> dict:
        with app.read_uow() as uow:
            product_id = uow.products.by_skus(["CAM-ALG-P"])["CAM-ALG-P"].id
            return uow.products.reserved([product_id]).get(product_id, 0)

    assert (old, cancelled) and reserved() == 2          # only the new, open order's 2 units
    sale = generate_sale(app.uow(), new)
    assert reserved() == 2                                # generated, not confirmed: still reserved
    confirm_sale(app.uow(), sale.id)
    assert reserved() == 0 and levels(app)["CAM-ALG-P"] == (8, True)   # now on the ledger instead


def test_counting_again_keeps_the_reservations_of_orders_still_waiting_for_their_document(app, store_id):
    """A recount of the same number dropped the reservation (reserved 2 -> 0) and the store was told 2 more for
    sale: the units of an order waiting for its NF-e are still on the shelf (they leave with the DANFE)."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from lojasync.stock.ledger import StockMovement

    imported(app, store_id, 1900000020)   # placed long before the first count: in it, reserves nothing
    count_stock(app.uow(), "CAM-ALG-P", 10)
    now = datetime.now(timezone.utc)
    with app.uow() as uow:   # the first count an hour ago, the order half an hour ago, the second count now
        uow.session.execute(update(StockMovement).values(created_at=now - timedelta(hours=1)))
        uow.commit()
    half_hour_ago = (now - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    waiting = import_order(app.uow(), store_id, order_payload(id=1900000021, created_at=half_hour_ago),
                           ImportPolicy()).order_number
    with app.read_uow() as uow:
        product_id = uow.products.by_skus(["CAM-ALG-P"])["CAM-ALG-P"].id
        assert uow.products.reserved([product_id]) == {product_id: 2}
    count_stock(app.uow(), "CAM-ALG-P", 10)    # counted again, later: the 2 units are still on the shelf
    with app.read_uow() as uow:
        assert uow.products.reserved([product_id]) == {product_id: 2}
    sale = generate_sale(app.uow(), waiting)
    confirm_sale(app.uow(), sale.id)
    cancel_sale(app.uow(), sale.id)            # back to waiting for a document: reserved again
    with app.read_uow() as uow:
        assert uow.products.reserved([product_id]) == {product_id: 2}


def test_an_approval_that_rolls_back_queues_nothing(app, store_id):
    number = imported(app, store_id, 1900000004)
    count_stock(app.uow(), "CAM-ALG-P", 10)
    with app.uow() as uow:   # pushed already: nothing pending before the approval
        (row,) = uow.store_updates.due(store_id, _far_future())
        uow.store_updates.finish(row, _far_future(), "10", None)
        uow.commit()
    sale = generate_sale(app.uow(), number)

    def fails_after_the_effects(event, uow) -> None:
        raise RuntimeError("o banco caiu no meio da aprovação")

    handlers = dict(message_bus()._handlers)
    handlers[DocumentApproved] = [*handlers[DocumentApproved], fails_after_the_effects]
    with pytest.raises(RuntimeError):
        confirm_sale(SqlConnectorUnitOfWork(app.session_factory, MessageBus(handlers)), sale.id)

    assert queued(app) == [("stock", "601", "done")]
    assert levels(app)["CAM-ALG-P"] == (10, True)
    confirm_sale(app.uow(), sale.id)
    assert queued(app) == [("stock", "601", "pending")]


@pytest.mark.postgresql
def test_concurrent_approvals_of_the_same_variant_both_commit_into_one_update(app, store_id):
    sales = [generate_sale(app.uow(), imported(app, store_id, order_id)).id for order_id in (1900000005, 1900000006)]
    count_stock(app.uow(), "CAM-ALG-P", 10)
    barrier, errors = threading.Barrier(2), []

    def confirm(sale_id: int) -> None:
        barrier.wait()
        try:
            confirm_sale(app.uow(), sale_id)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=confirm, args=(sale_id,)) for sale_id in sales]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert levels(app)["CAM-ALG-P"] == (6, True)
    assert queued(app) == [("stock", "601", "pending")]


def _far_future():
    from datetime import datetime, timezone

    return datetime(2100, 1, 1, tzinfo=timezone.utc)


# --- a new store order and the pushes that may not have known it ----------------------------------------------

def _stamp(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _pushed(app, store_id: int, at) -> None:
    """The worker wrote every due stock row of the store at `at`."""
    with app.uow() as uow:
        for row in uow.store_updates.due(store_id, _far_future()):
            uow.store_updates.finish(row, at, "10", None)
        uow.commit()


def _store_order(app, store_id: int, order_id: int, placed_at, **fields) -> int:
    return import_order(app.uow(), store_id, order_payload(id=order_id, created_at=_stamp(placed_at), **fields),
                        ImportPolicy()).order_number


def test_an_order_placed_before_a_push_landed_has_its_variant_pushed_again(app, store_id):
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    imported(app, store_id, 1900000020)
    count_stock(app.uow(), "CAM-ALG-P", 10)
    _pushed(app, store_id, now)                 # the push worked out 10 before the order below was imported
    assert queued(app) == [("stock", "601", "done")]
    _store_order(app, store_id, 1900000021, now - timedelta(minutes=1))   # placed while that push was on its way
    assert queued(app) == [("stock", "601", "pending")]   # CAN-CER (602) is the store's own: never queued


def test_an_order_placed_after_the_last_push_leaves_the_store_to_count_it(app, store_id):
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    imported(app, store_id, 1900000030)
    count_stock(app.uow(), "CAM-ALG-P", 10)
    _pushed(app, store_id, now - timedelta(hours=1))
    _store_order(app, store_id, 1900000031, now)          # the store took its 2 units off itself: nothing to say
    _store_order(app, store_id, 1900000032, now - timedelta(hours=2), status="cancelled")   # reserves nothing
    assert queued(app) == [("stock", "601", "done")]


def test_a_push_in_flight_when_an_order_arrives_is_not_marked_done(app, store_id):
    from datetime import datetime, timezone

    imported(app, store_id, 1900000040)
    count_stock(app.uow(), "CAM-ALG-P", 10)
    with app.read_uow() as uow:                          # the worker read the row and works out the stock...
        (in_flight,) = uow.store_updates.due(store_id, _far_future())
    _store_order(app, store_id, 1900000041, datetime.now(timezone.utc))   # ...an order arrives meanwhile...
    with app.uow() as uow:                               # ...and its write lands: not done, pushed again
        uow.store_updates.finish(in_flight, datetime.now(timezone.utc), "10", None)
        uow.commit()
    assert queued(app) == [("stock", "601", "pending")]


def test_an_older_push_recorded_before_the_newer_one_keeps_the_update_pending(app, store_id):
    """review: worker A sent 10 (slow; its lease ran out), a count made it 7 and worker B sent 7; B's 7 reached the store
    first, then A's 10. A recorded its finish first (another revision: pending), then B its own (its revision: done):
    the store kept 10, the ERP 7, and nothing would send it again. A finish of an older revision moves the revision
    on, so that the newer push, whatever order they land and record in, leaves it pending for the next push."""
    from datetime import datetime, timezone

    imported(app, store_id, 1900000040)
    count_stock(app.uow(), "CAM-ALG-P", 10)
    with app.read_uow() as uow:
        (older,) = uow.store_updates.due(store_id, _far_future())   # A reads 10...
    count_stock(app.uow(), "CAM-ALG-P", 7)
    with app.read_uow() as uow:
        (newer,) = uow.store_updates.due(store_id, _far_future())   # ...B reads 7
    for row, sent in ((older, "10"), (newer, "7")):   # A records first, then B
        with app.uow() as uow:
            uow.store_updates.finish(row, datetime.now(timezone.utc), sent, None)
            uow.commit()
    assert queued(app) == [("stock", "601", "pending")]


def test_an_order_in_one_store_tells_the_other_stores_selling_the_product(app, store_id):
    from datetime import datetime, timedelta, timezone

    other = make_store(app, "7654321")
    imported(app, store_id, 1900000050)
    imported(app, other, 1900000051)                     # the same SKUs, bound to the other store's variants
    count_stock(app.uow(), "CAM-ALG-P", 10)
    long_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    _pushed(app, store_id, long_ago)
    _pushed(app, other, long_ago)
    _store_order(app, store_id, 1900000052, datetime.now(timezone.utc))
    by_store = {external: [(u.ref, u.status) for u in list_store_updates(app.read_uow(), external, include_done=True)]
                for external in ("1234567", "7654321")}
    assert by_store == {"1234567": [("601", "done")], "7654321": [("601", "pending")]}


def _by_store(app) -> dict[str, list[tuple[str, str]]]:
    return {external: [(u.ref, u.status) for u in list_store_updates(app.read_uow(), external, include_done=True)]
            for external in ("1234567", "7654321")}


def _two_stores_pushed(app, store_id, at) -> int:
    """Both stores selling CAM-ALG-P (variant 601 in each), counted at 10, every push done at `at`."""
    other = make_store(app, "7654321")
    imported(app, store_id, 1900000070)
    imported(app, other, 1900000071)
    count_stock(app.uow(), "CAM-ALG-P", 10)
    _pushed(app, store_id, at)
    _pushed(app, other, at)
    return other


def test_an_order_the_store_edits_or_cancels_has_every_store_told_the_new_available(app, store_id):
    """Stock review: an edited quantity or a cancellation changed what the order reserves, and no store was
    told: the other store kept selling units the ERP no longer had."""
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    _two_stores_pushed(app, store_id, now - timedelta(hours=1))
    _store_order(app, store_id, 1900000072, now)
    _pushed(app, store_id, now)
    _pushed(app, other_store(app), now)
    assert _by_store(app) == {"1234567": [("601", "done")], "7654321": [("601", "done")]}
    more = order_payload(id=1900000072, created_at=_stamp(now), updated_at=_stamp(now + timedelta(minutes=1)))
    more["products"][0]["quantity"] = 5   # CAM-ALG-P: 5 reserved now, not 2
    import_order(app.uow(), store_id, more, ImportPolicy())
    assert _by_store(app) == {"1234567": [("601", "pending")], "7654321": [("601", "pending")]}
    _pushed(app, store_id, now)
    _pushed(app, other_store(app), now)
    cancelled = {**more, "status": "cancelled", "updated_at": _stamp(now + timedelta(minutes=2))}
    import_order(app.uow(), store_id, cancelled, ImportPolicy())   # reserves nothing any more
    assert _by_store(app) == {"1234567": [("601", "pending")], "7654321": [("601", "pending")]}
    _pushed(app, store_id, now)
    _pushed(app, other_store(app), now)
    noted = {**cancelled, "note": "Cliente ligou", "updated_at": _stamp(now + timedelta(minutes=3))}
    import_order(app.uow(), store_id, noted, ImportPolicy())   # the same units reserved (none): nothing to tell
    assert _by_store(app) == {"1234567": [("601", "done")], "7654321": [("601", "done")]}


def test_an_edit_tells_the_stores_of_the_products_whose_units_changed_only(app, store_id):
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    _two_stores_pushed(app, store_id, now - timedelta(hours=1))
    count_stock(app.uow(), "CAN-CER", 10)
    _store_order(app, store_id, 1900000076, now)
    _pushed(app, store_id, now)
    _pushed(app, other_store(app), now)
    more = order_payload(id=1900000076, created_at=_stamp(now), updated_at=_stamp(now + timedelta(minutes=1)))
    more["products"][0]["quantity"] = 5   # CAM-ALG-P only; CAN-CER (602) reserves what it did
    import_order(app.uow(), store_id, more, ImportPolicy())
    assert _by_store(app) == {"1234567": [("601", "pending"), ("602", "done")],
                              "7654321": [("601", "pending"), ("602", "done")]}


def test_a_processed_order_the_store_cancels_has_its_own_store_told_the_erps_stock(app, store_id):
    """Stock review: the store restocked an order whose sale the back office had confirmed, and kept the units
    the ERP had issued: it could sell them again."""
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    _two_stores_pushed(app, store_id, now - timedelta(hours=1))
    number = _store_order(app, store_id, 1900000073, now)
    confirm_sale(app.uow(), generate_sale(app.uow(), number).id)
    _pushed(app, store_id, now)
    _pushed(app, other_store(app), now)
    cancelled = order_payload(id=1900000073, created_at=_stamp(now), status="cancelled",
                              updated_at=_stamp(now + timedelta(minutes=1)))
    import_order(app.uow(), store_id, cancelled, ImportPolicy())   # flagged for a person; the sale stands
    assert _by_store(app)["1234567"] == [("601", "pending")]


def test_a_variant_bound_after_the_count_is_sent_the_erps_stock_with_its_first_order(app, store_id):
    """Stock review: a store whose variant was not yet bound when the product was counted kept its own number
    after its first order bound it."""
    from datetime import datetime, timezone

    imported(app, store_id, 1900000074)
    count_stock(app.uow(), "CAM-ALG-P", 10)
    _pushed(app, store_id, datetime.now(timezone.utc))
    other = make_store(app, "7654321")
    _store_order(app, other, 1900000075, datetime.now(timezone.utc))   # binds the other store's 601 now
    assert _by_store(app)["7654321"] == [("601", "pending")]


def other_store(app) -> int:
    with app.read_uow() as uow:
        return next(s.id for s in uow.stores.list() if s.external_id == "7654321")


def test_the_key_of_an_order_goes_to_its_store_order_requeued_by_a_new_key_nothing_without_a_binding(app, store_id):
    # One statement reads the binding and upserts the row (every authorisation runs it).
    from datetime import datetime, timezone

    number = imported(app, store_id, 1900000060)
    now = datetime.now(timezone.utc)
    with app.uow() as uow:
        uow.store_updates.want_invoice_key_of_order(number, "3" * 44, now)
        uow.store_updates.want_invoice_key_of_order(number + 1000, "9" * 44, now)   # no such order: no row
        uow.commit()
    with app.read_uow() as uow:
        (row,) = uow.store_updates.due(store_id, _far_future())
    assert (row.kind, row.ref, row.value, row.revision, row.status) == ("nfe_key", "1900000060", "3" * 44, 1,
                                                                         "pending")
    _pushed(app, store_id, now)
    with app.uow() as uow:   # a new NF-e for the order after the first key was written: pending again, new key
        uow.store_updates.want_invoice_key_of_order(number, "4" * 44, now)
        uow.commit()
    with app.read_uow() as uow:
        (row,) = uow.store_updates.due(store_id, _far_future())
    assert (row.value, row.revision, row.status, row.parent_ref, row.product_id) == ("4" * 44, 2, "pending", None,
                                                                                      None)


def test_stores_with_stock_due_leave_out_a_store_with_only_an_nfe_key_waiting(app, store_id):
    """What `lojasync sales cancel` reads before saying "Estoque na fila para a loja": an NF-e's key waiting is
    handed to the worker like any update, but it is no stock."""
    from datetime import datetime, timezone

    from lojasync.nuvemshop.model.store_updates import UpdateKind

    number = imported(app, store_id, 1900000070)
    with app.uow() as uow:
        uow.store_updates.want_invoice_key_of_order(number, "3" * 44, datetime.now(timezone.utc))
        uow.commit()
    assert stores_with_due_updates(app.read_uow(), _far_future()) == [store_id]
    assert stores_with_due_updates(app.read_uow(), _far_future(), kind=UpdateKind.STOCK) == []
    assert stores_with_due_updates(app.read_uow(), _far_future(), kind=UpdateKind.NFE_KEY) == [store_id]


def _renamed_variant_order(order_id: int, minutes: int) -> dict:
    """An order whose variant 601 (CAM-ALG-P until now) carries the SKU CAN-CER: renamed in the store."""
    from datetime import datetime, timedelta, timezone

    moment = (datetime.now(timezone.utc) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    payload = order_payload(id=order_id, created_at=moment, updated_at=moment)
    payload["products"] = [{"id": 1, "product_id": 501, "variant_id": 601, "name": "Caneca", "sku": "CAN-CER",
                            "price": "50.00", "quantity": 1}]
    return payload


def test_a_variant_whose_sku_moved_to_another_product_gets_that_products_stock(app, store_id):
    """review: a stock row queued for CAM-ALG-P (counted 10) was pushed after the store renamed variant 601's SKU
    to CAN-CER: the mug's variant showed the T-shirt's 10. Once rebound, it gets CAN-CER's own stock (here none
    managed: nothing written), and a later count of CAN-CER reaches it."""
    from lojasync.nuvemshop.services.push_updates import push_store_updates
    from tests.unit.fakes import FakeStoreClient

    imported(app, store_id, 1900000001)
    count_stock(app.uow(), "CAM-ALG-P", 10)      # 601 queued with CAM-ALG-P's product
    import_order(app.uow(), store_id, _renamed_variant_order(1900000002, 0), ImportPolicy())
    client = FakeStoreClient()
    push_store_updates(app.uow(), lambda s: client, store_id)
    assert client.writes == []                   # CAN-CER's stock is not managed here: the store's own
    count_stock(app.uow(), "CAN-CER", 4)
    push_store_updates(app.uow(), lambda s: client, store_id)
    # CAN-CER's own variant 602 (of product 502) has that SKU too now: the two share its 4.
    assert ("PATCH", "501", {"601": 2}) in client.writes and ("PATCH", "502", {"602": 2}) in client.writes


def test_a_variant_rebound_after_its_push_is_queued_again(app, store_id):
    """review: the SKU changed after a completed push queued nothing: the variant kept the former product's count
    until the new product's stock happened to move."""
    client, _ = _renamed_after_a_push(app, store_id, order_payload(id=1900000201), 1900000202)
    # CAN-CER's 4 less the unit on the new order, shared with CAN-CER's own variant 602 (which showed 4): 2 and 1, in
    # the same push (the import that rebound 601 queued 602 too).
    assert sorted(client.writes[-2:]) == [("PATCH", "501", {"601": 2}), ("PATCH", "502", {"602": 1})]


def _renamed_after_a_push(app, store_id, older: dict, renamed_id: int):
    """`older` imported (variant 601 as CAM-ALG-P), both products counted (10 and 4) and pushed; then an order of
    variant 601 renamed CAN-CER, pushed too. Returns the store's fake client and the push."""
    from lojasync.nuvemshop.services.push_updates import push_store_updates
    from tests.unit.fakes import FakeStoreClient

    client = FakeStoreClient()

    def push() -> None:
        push_store_updates(app.uow(), lambda s: client, store_id)

    import_order(app.uow(), store_id, older, ImportPolicy())
    count_stock(app.uow(), "CAM-ALG-P", 10)
    count_stock(app.uow(), "CAN-CER", 4)
    push()
    import_order(app.uow(), store_id, _renamed_variant_order(renamed_id, 10), ImportPolicy())
    push()
    return client, push


def test_an_older_order_read_again_does_not_bind_a_renamed_variant_back(app, store_id):
    """review: a store line keeps the SKU it was sold with. Variant 601 renamed CAM-ALG-P -> CAN-CER, a new order bound
    it to CAN-CER (4 counted); then the older order was paid in the store, read again, and bound 601 back to
    CAM-ALG-P: the store offered the T-shirt's 10 on the mug's variant. It stays with the newer order's SKU."""
    from tests.factories import ts

    older = order_payload(id=1900000301)   # placed 27/11/2026, its line CAM-ALG-P on variant 601
    client, push = _renamed_after_a_push(app, store_id, older, 1900000302)
    assert ("PATCH", "501", {"601": 2}) in client.writes[-2:]   # CAN-CER's 3 shared with its own variant 602
    writes = len(client.writes)

    import_order(app.uow(), store_id, dict(older, payment_status="paid", updated_at=ts(3600)), ImportPolicy())
    push()
    assert all(write[2].get("601") != 10 for write in client.writes[writes:]), client.writes[writes:]
    with app.read_uow() as uow:
        binding = uow.bindings.products_by_variant_ids(store_id, ["601"])["601"]
        assert binding.product.sku == "CAN-CER"
    # The order itself still names what it sold: its line is the T-shirt (its SKU), whatever 601 is now.
    with app.read_uow() as uow:
        order = uow.orders.get(import_order(app.uow(), store_id, older, ImportPolicy()).order_number)
        assert [line.product.sku for line in order.lines if line.product is not None][0] == "CAM-ALG-P"


def test_a_worker_holding_the_store_for_its_webhooks_pushes_the_stock_meanwhile(app, store_id):
    """review: while a drain (or a sync) holds the store's lease, the push task finds it busy; the holder pushes the
    due updates between its own batches, under its lease."""
    from lojasync.nuvemshop.services.leases import store_lease
    from lojasync.nuvemshop.services.push_updates import push_store_updates, push_while_holding
    from tests.unit.fakes import FakeStoreClient

    imported(app, store_id, 1900000301)
    count_stock(app.uow(), "CAM-ALG-P", 10)
    client = FakeStoreClient()
    with store_lease(app.uow(), store_id, holder="other-host:1:1") as lease:
        assert push_store_updates(app.uow(), lambda s: client, store_id).busy and client.writes == []
        report = push_while_holding(app.uow(), lambda s: client, store_id, lease)
    assert report.pushed == 1 and client.writes == [("PATCH", "501", {"601": 10})]
    assert push_while_holding(app.uow(), lambda s: client, store_id, lease).pushed == 0   # nothing due: no call
    assert len(client.writes) == 1


def test_a_new_value_keeps_the_wait_of_an_update_the_store_keeps_failing_and_a_landed_push_clears_it(app, store_id):
    """The SQL of the outbox (SQLite, or PostgreSQL): a change to an update the store is failing keeps its count,
    wait, error and since when (the upsert's ON CONFLICT and the UPDATEs read the row as it was); one refused for
    good, or pushed, starts afresh."""
    from datetime import datetime, timedelta, timezone

    from lojasync.nuvemshop.model.store_updates import StockTarget

    start = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
    target = [StockTarget(store_id, "601", "501", None)]

    def row():
        with app.read_uow() as uow:
            (found,) = uow.store_updates.list(store_id, ["pending", "failed", "done"])
            return found

    def write(step):
        with app.uow() as uow:
            step(uow)
            uow.commit()

    def aware(moment):
        return moment.replace(tzinfo=timezone.utc) if moment and moment.tzinfo is None else moment

    write(lambda uow: uow.store_updates.want_stock(target, start))
    first = row()
    write(lambda uow: uow.store_updates.postpone([first], start, "A Nuvemshop não respondeu (HTTP 503).",
                                                 start + timedelta(minutes=5)))
    write(lambda uow: uow.store_updates.want_stock(target, start + timedelta(minutes=1)))   # a sale meanwhile
    failing = row()
    assert (failing.status, failing.revision, failing.attempts) == ("pending", 2, 1)
    assert aware(failing.next_attempt_at) == start + timedelta(minutes=5)
    assert aware(failing.failing_since) == start and failing.last_error == "A Nuvemshop não respondeu (HTTP 503)."
    assert not failing.late(start + timedelta(minutes=59)) and failing.late(start + timedelta(hours=1))
    write(lambda uow: uow.store_updates.postpone([failing], start + timedelta(minutes=5), "503 de novo",
                                                 start + timedelta(minutes=15)))
    assert aware(row().failing_since) == start and row().attempts == 2   # since the first failure

    write(lambda uow: uow.store_updates.finish(row(), start + timedelta(minutes=15), "3", None))
    done = row()
    assert (done.status, done.attempts, done.failing_since, done.last_error) == ("done", 0, None, None)

    write(lambda uow: uow.store_updates.want_stock(target, start + timedelta(minutes=20)))
    pending = row()
    write(lambda uow: uow.store_updates.fail(pending, start + timedelta(minutes=20), "Recusada (422).", "Confira."))
    assert (row().status, aware(row().failing_since)) == ("failed", start + timedelta(minutes=20))
    write(lambda uow: uow.store_updates.want_stock(target, start + timedelta(minutes=30)))   # a new value, anew
    fresh = row()
    assert (fresh.status, fresh.attempts, fresh.next_attempt_at, fresh.failing_since, fresh.last_error) == \
        ("pending", 0, None, None, None)


def _odd(product_id, stock):
    from lojasync.nuvemshop.client.errors import InvalidResponseError

    raise InvalidResponseError("A Nuvemshop respondeu algo inesperado.")


def _failing_four_times(app, store_id, order_id: int):
    """A managed variant whose pushes the store answered oddly four times (one more gives it up): its row, a
    client, and the clock the pushes ran on."""
    from datetime import datetime, timedelta, timezone

    from lojasync.nuvemshop.services.push_updates import MAX_ATTEMPTS, push_store_updates
    from tests.unit.fakes import FakeStoreClient

    imported(app, store_id, order_id)
    count_stock(app.uow(), "CAM-ALG-P", 10)
    client, now = FakeStoreClient(), [datetime.now(timezone.utc)]
    patch = client.set_variants_stock
    client.set_variants_stock = _odd
    for _ in range(MAX_ATTEMPTS - 1):
        push_store_updates(app.uow(), lambda s: client, store_id, now=lambda: now[0])
        now[0] += timedelta(hours=1)
    return client, patch, now


def _row(app, store_id):
    with app.read_uow() as uow:
        (row,) = uow.store_updates.list(store_id, ["pending", "failed", "done"])
        return row


def test_a_push_that_lands_with_a_newer_value_waiting_starts_its_count_afresh(app, store_id):
    """review: the failing row's count was kept past a push that landed (a sale during the call), and the next odd
    answer after the store recovered gave it up."""
    from lojasync.nuvemshop.services.push_updates import push_store_updates

    client, patch, now = _failing_four_times(app, store_id, 1900000901)
    assert (_row(app, store_id).status, _row(app, store_id).attempts) == ("pending", 4)
    client.set_variants_stock = patch   # the store is back; a sale comes in while the PATCH is in flight

    def sale():
        client.on_write = None
        count_stock(app.uow(), "CAM-ALG-P", 9)

    client.on_write = sale
    assert push_store_updates(app.uow(), lambda s: client, store_id, now=lambda: now[0]).pushed == 1
    row = _row(app, store_id)
    assert (row.status, row.attempts, row.failing_since, row.last_error) == ("pending", 0, None, None)
    client.set_variants_stock = _odd
    push_store_updates(app.uow(), lambda s: client, store_id, now=lambda: now[0])
    assert (_row(app, store_id).status, _row(app, store_id).attempts) == ("pending", 1)


def test_a_worn_update_whose_value_changes_during_its_last_push_waits_its_turn(app, store_id):
    """review: not given up (its revision moved) and not postponed either: due at once, sent again without a wait
    at every push while sales came in."""
    from lojasync.nuvemshop.services.push_updates import push_store_updates

    client, _, now = _failing_four_times(app, store_id, 1900000902)
    left = [10]

    def odd_during_a_sale(product_id, stock):
        left[0] -= 1
        count_stock(app.uow(), "CAM-ALG-P", left[0])   # a sale committed while the call is in flight
        _odd(product_id, stock)

    client.set_variants_stock = odd_during_a_sale
    report = push_store_updates(app.uow(), lambda s: client, store_id, now=lambda: now[0])
    row = _row(app, store_id)
    assert (report.failed, row.status, row.attempts) == (0, "pending", 5) and report.retry_in
    with app.read_uow() as uow:
        assert uow.store_updates.due(store_id, now[0]) == []   # waits, as any failing update does
    client.set_variants_stock = _odd   # no sale this time: given up
    due_at = row.next_attempt_at.replace(tzinfo=now[0].tzinfo)   # SQLite gives it back without its zone (UTC)
    push_store_updates(app.uow(), lambda s: client, store_id, now=lambda: due_at)
    assert _row(app, store_id).status == "failed"


def test_the_list_puts_the_refused_updates_first_and_the_counts_are_the_whole_backlog(app, store_id, lojasync):  # noqa: F811
    """review: `lojasync store updates` printed "(200)" over a backlog of thousands, newest first, and a refused
    update (the one a person must act on) fell past the cut."""
    from datetime import datetime, timedelta, timezone

    from lojasync.nuvemshop.services.store_updates import count_store_updates

    start = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with SqlConnectorUnitOfWork(app.session_factory) as uow:
        for index in range(205):
            uow.store_updates.want_invoice_key(store_id, str(5000 + index), f"KEY{index}", start + timedelta(seconds=index))
        uow.commit()
    with SqlConnectorUnitOfWork(app.session_factory) as uow:
        oldest = next(u for u in uow.store_updates.due(store_id, start + timedelta(days=1)) if u.ref == "5000")
        uow.store_updates.fail(oldest, start + timedelta(seconds=1), "A loja recusou.", "Corrija e reenvie.")
        uow.commit()
    rows = list_store_updates(app.read_uow(), None)
    assert len(rows) == 200 and (rows[0].ref, rows[0].status) == ("5000", "failed")
    assert [r.ref for r in rows[1:3]] == ["5204", "5203"]   # then the newest
    assert count_store_updates(app.read_uow(), None) == {"failed": 1, "pending": 204}
    shown = " ".join(lojasync("store", "updates").output.split())
    assert "Atualizações para a loja (205)" in shown
    assert "Mostrando 200 de 205 (as recusadas pela loja primeiro, depois as mais recentes): 1 recusada(s), 204 " \
           "pendente(s)." in shown


def _without_skus(payload: dict) -> dict:
    for line in payload["products"]:
        line["sku"] = None
    return payload


def test_a_variant_gone_from_the_store_still_names_its_product_when_an_old_order_is_read_again(app, store_id):
    """review: the push's 404 deleted the variant's binding; the store then sent the old order paid, its lines
    without SKU matched nothing and made a second "Camiseta Algodão P", and the order's line moved to it (its NF-e
    would take the copy's stock)."""
    from lojasync.nuvemshop.services.push_updates import push_store_updates
    from lojasync.sales.views import show_order
    from tests.factories import ts
    from tests.unit.fakes import FakeStoreClient

    number = import_order(app.uow(), store_id, _without_skus(order_payload(id=1900000911)),
                          ImportPolicy()).order_number
    with app.read_uow() as uow:
        products_before = sorted(p.id for p in uow.products.list())
        bound = uow.bindings.products_by_variant_ids(store_id, ["601"])["601"].product.id
    count_stock(app.uow(), f"id:{bound}", 10)
    client = FakeStoreClient()
    client.gone_variants = {"601"}
    push_store_updates(app.uow(), lambda s: client, store_id)
    assert ("stock", "601", "failed") in queued(app)

    paid = _without_skus(order_payload(id=1900000911, updated_at=ts(600), payment_status="paid"))
    import_order(app.uow(), store_id, paid, ImportPolicy())
    assert [line["product_id"] for line in show_order(app.read_uow(), number)["lines"]][0] == bound
    with app.read_uow() as uow:
        assert sorted(p.id for p in uow.products.list()) == products_before   # no second product
    confirm_sale(app.uow(), generate_sale(app.uow(), number).id)   # a move of the product: 601 is not queued again
    assert ("stock", "601", "failed") in queued(app) and client.variant_stock.get("601") is None


def test_a_variant_whose_store_product_an_order_gives_later_is_sent_again_by_itself(app, store_id):
    """review: the order line that bound the variant had no product_id; its push failed "a loja não informou o
    produto", and stayed failed when a later order gave it (Reenviar failed the same way)."""
    from lojasync.nuvemshop.services.push_updates import push_store_updates
    from tests.unit.fakes import FakeStoreClient

    first = order_payload(id=1900000901)
    first["products"][0]["product_id"] = None
    import_order(app.uow(), store_id, first, ImportPolicy())
    count_stock(app.uow(), "CAM-ALG-P", 10)
    client = FakeStoreClient()
    push_store_updates(app.uow(), lambda s: client, store_id)
    assert ("stock", "601", "failed") in queued(app) and "601" not in client.variant_stock

    imported(app, store_id, 1900000902)   # its line says the store product of 601
    assert ("stock", "601", "pending") in queued(app)
    push_store_updates(app.uow(), lambda s: client, store_id)
    # Both orders were placed before the count: they reserve nothing of it.
    assert client.variant_stock["601"] == 10 and ("stock", "601", "done") in queued(app)


def test_a_variant_given_the_sku_of_another_shares_its_stock_with_it(app, store_id):
    """An oversell: the merchant gave a new variant (603) the SKU of 601 (CAM-ALG-P). Its first order bound it to the
    same product, and each showed the whole stock. They share it now, 601 too though only 603 was queued, and the store
    log tells the merchant once (SQLite, or PostgreSQL: the binding, outbox and log queries)."""
    from datetime import datetime, timedelta, timezone

    from lojasync.nuvemshop.model.store_log import StoreLogType
    from lojasync.nuvemshop.services.push_updates import push_store_updates
    from lojasync.nuvemshop.services.stores import store_log
    from tests.unit.fakes import FakeStoreClient

    imported(app, store_id, 1900000951)   # placed before the count: it reserves nothing
    count_stock(app.uow(), "CAM-ALG-P", 10)
    client = FakeStoreClient()
    push_store_updates(app.uow(), lambda s: client, store_id)
    assert client.writes == [("PATCH", "501", {"601": 10})]

    moment = (datetime.now(timezone.utc) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    payload = order_payload(id=1900000952, created_at=moment, updated_at=moment)
    payload["products"] = [{"id": 1, "product_id": 503, "variant_id": 603, "name": "Camiseta Algodão P (nova)",
                            "sku": "CAM-ALG-P", "price": "50.00", "quantity": 1}]
    import_order(app.uow(), store_id, payload, ImportPolicy())   # reserves 1: 9 available
    # Both: the import that bound 603 queued 601 too, whose share it changed (review: 603's share went out first,
    # and 601 showed the whole 10 until the next push).
    assert sorted((ref, status) for kind, ref, status in queued(app) if status == "pending") == [
        ("601", "pending"), ("603", "pending")]

    push_store_updates(app.uow(), lambda s: client, store_id)   # 601 comes first: 5 and 4, not 9 and 9
    assert sorted(client.writes[-2:]) == [("PATCH", "501", {"601": 5}), ("PATCH", "503", {"603": 4})]
    assert client.variant_stock == {"601": 5, "603": 4}
    writes = len(client.writes)
    count_stock(app.uow(), "CAM-ALG-P", 7)   # both queued: split again (3 and 3 of 6), not told again
    push_store_updates(app.uow(), lambda s: client, store_id)
    push_store_updates(app.uow(), lambda s: client, store_id)
    assert sorted(client.writes[writes:]) == [("PATCH", "501", {"601": 3}), ("PATCH", "503", {"603": 3})]
    told = [e for e in store_log(app.read_uow(), "1234567") if e["event"] == StoreLogType.STOCK_SPLIT]
    assert len(told) == 1 and told[0]["message"].startswith("O SKU CAM-ALG-P está em 2 variantes da loja (601, 603)")


def test_a_variant_given_its_own_sku_gives_the_other_the_whole_stock_back(app, store_id):
    """review: the store log tells the merchant to give each variant its own SKU; done, the variant that kept the SKU
    kept its half until the product's stock moved again. The import that rebinds the other queues it: whole again."""
    from lojasync.nuvemshop.services.push_updates import push_store_updates

    client = _split_with_a_new_variant(app, store_id, 1900000961)
    # Its own SKU now, one no product has: the variant gets a product of its own.
    import_order(app.uow(), store_id, _new_variant_order(1900000963, 10, "CAM-ALG-P-NOVA"), ImportPolicy())
    assert ("stock", "601", "pending") in queued(app)
    push_store_updates(app.uow(), lambda s: client, store_id)
    assert client.variant_stock["601"] == 9   # the T-shirt's whole 9 again (the new SKU's stock is the store's own)


def test_an_older_order_does_not_give_a_shared_variant_a_product_of_its_own(app, store_id):
    """review: a binding whose SKU was never dated (made before those dates were kept) took any order with a SKU no
    product has for a rename: an order from months ago (a full sync) moved the variant off the shared product, onto
    a SKU it no longer has, and the other variant got the whole stock while this one kept showing its part."""
    from sqlalchemy import text

    imported(app, store_id, 1900000971)
    count_stock(app.uow(), "CAM-ALG-P", 10)
    import_order(app.uow(), store_id, _new_variant_order(1900000972, 5, "CAM-ALG-P"), ImportPolicy())
    with app.uow() as uow:   # as bindings from before migration 0036 are
        uow.session.execute(text("UPDATE nuvemshop_product_bindings SET sku_order_placed_at = NULL"))
        uow.commit()
    import_order(app.uow(), store_id, _new_variant_order(1900000900, -60 * 24 * 90, "CAM-ANTIGA"), ImportPolicy())
    with app.read_uow() as uow:
        assert uow.bindings.products_by_variant_ids(store_id, ["603"])["603"].product.sku == "CAM-ALG-P"


def _split_with_a_new_variant(app, store_id, order_id: int):
    """CAM-ALG-P (variant 601) counted 10, then an order of a new variant (603) with the same SKU: pushed, 601 and 603
    share the 9 left (5 and 4). Returns the store's fake client."""
    from lojasync.nuvemshop.services.push_updates import push_store_updates
    from tests.unit.fakes import FakeStoreClient

    imported(app, store_id, order_id)
    count_stock(app.uow(), "CAM-ALG-P", 10)
    client = FakeStoreClient()
    import_order(app.uow(), store_id, _new_variant_order(order_id + 1, 5, "CAM-ALG-P"), ImportPolicy())   # 9 left
    push_store_updates(app.uow(), lambda s: client, store_id)
    assert client.variant_stock == {"601": 5, "603": 4}
    return client


def _new_variant_order(order_id: int, minutes: int, sku: str) -> dict:
    """An order placed `minutes` from now of variant 603 (a new variant of store product 503) carrying `sku`."""
    from datetime import datetime, timedelta, timezone

    moment = (datetime.now(timezone.utc) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    payload = order_payload(id=order_id, created_at=moment, updated_at=moment)
    payload["products"] = [{"id": 1, "product_id": 503, "variant_id": 603, "name": "Camiseta Algodão P (nova)",
                            "sku": sku, "price": "50.00", "quantity": 1}]
    return payload


def test_a_variant_back_from_gone_shares_again_in_the_same_push(app, store_id):
    """review: a variant the store had said gone came back in a newer order: only it was queued, its share went out
    while the other still showed the whole quantity. Both are queued by the import that brings it back."""
    from lojasync.nuvemshop.services.push_updates import push_store_updates

    client = _split_with_a_new_variant(app, store_id, 1900000981)
    client.gone_variants.add("603")
    count_stock(app.uow(), "CAM-ALG-P", 11)   # both queued: 603 answered gone, 601 then alone
    for _ in range(2):
        push_store_updates(app.uow(), lambda s: client, store_id)
    assert client.variant_stock["601"] == 10
    client.gone_variants.discard("603")
    import_order(app.uow(), store_id, _new_variant_order(1900000983, 10, "CAM-ALG-P"), ImportPolicy())   # back: 9
    assert {("stock", "601", "pending"), ("stock", "603", "pending")} <= set(queued(app))
    push_store_updates(app.uow(), lambda s: client, store_id)
    assert client.variant_stock == {"601": 5, "603": 4}


def test_a_gone_variants_update_sent_again_is_closed_without_a_write_not_reported_sent(app, store_id):
    """review: "Reenviar" (or `store push --failed`) of the update of a variant deleted in the store answered
    "Enviadas: 1" and listed it "enviada", though no call was made: nothing was there to write to."""
    from lojasync.nuvemshop.services.integration_views import retry_failed_updates
    from lojasync.nuvemshop.services.push_updates import push_store_updates
    from lojasync.nuvemshop.services.store_updates import push_now
    from tests.unit.fakes import FakeStoreClient

    import_order(app.uow(), store_id, order_payload(id=1900000481), ImportPolicy())
    count_stock(app.uow(), "CAM-ALG-P", 10)
    store = FakeStoreClient()
    store.gone_variants = {"601"}
    assert push_store_updates(app.uow(), lambda s: store, store_id).failed == 1
    retry_failed_updates(app.uow(), "1234567")
    writes = len(store.writes)
    report, _ = push_now(app.uow(), lambda s: store, "1234567")
    assert (report.pushed, report.unsent, len(store.writes)) == (0, 1, writes)
    (row,) = [u for u in list_store_updates(app.read_uow(), None, include_done=True) if u.ref == "601"]
    assert (row.status, row.status_label, row.sent_value) == ("done", "encerrada sem envio", None)


def test_the_updates_of_a_disabled_store_are_said_beside_the_listed_one(app, lojasync):  # noqa: F811
    """multi-store review: with one store disabled, `store updates` said "Nada esperando para ser enviado à loja"
    while the disabled store's storefront stock waited for a write."""
    from lojasync.nuvemshop.services.stores import set_store_enabled

    make_store(app)
    second = make_store(app, "7654321")
    imported(app, second, 1900000091)   # the other store's variants bound to the products
    count_stock(app.uow(), "CAM-ALG-P", 5)   # queued for the store whose variant it is
    set_store_enabled(app.uow(), "7654321", False)
    said = " ".join(lojasync("store", "updates").output.split())
    assert "Nada esperando para ser enviado à loja 1234567." in said
    assert ("Atenção: a loja 7654321 (desativada: nada é enviado a ela até ser reativada) tem 1 atualização(ões) "
            "esperando: lojasync store updates --store 7654321") in said
