"""Pushing store updates (variant stock, NF-e keys) against the in-memory unit of work and store client: what
is written, how often, and what happens when the store refuses or is down."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lojasync.nuvemshop.client.errors import BadRequestError
from lojasync.nuvemshop.model.bindings import ProductBinding
from lojasync.nuvemshop.model.store_log import StoreLogType, render_store_log
from lojasync.nuvemshop.model.store_updates import StockTarget
from lojasync.nuvemshop.services.push_updates import MAX_ATTEMPTS, push_store_updates
from lojasync.nuvemshop.services.store_updates import list_store_updates, push_now, stores_with_due_updates
from lojasync.stock.products import Product
from tests.unit.fakes import FakeStoreClient

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture()
def client() -> FakeStoreClient:
    return FakeStoreClient()


def product(uow, product_id: int, sku: str, balance: int, counted: bool = True) -> None:
    item = Product(sku, f"Produto {sku}", 0)
    item.id = product_id
    uow.products.add(item)
    uow.products.balances[product_id] = balance
    if counted:
        uow.products.counted_ids.add(product_id)


def want_stock(uow, store, *variants: tuple[str, str, int]) -> None:
    """Each variant bound to its product (as an import binds it), and its stock wanted in the store."""
    for variant, parent, product_id in variants:
        bound = uow.bindings.products_by_variant_ids(store.id, [variant]).get(variant)
        if bound is None:
            bound = ProductBinding(store.id, variant, parent)
            uow.bindings.add(bound)
        bound.product = uow.products.by_ids([product_id]).get(product_id)
    uow.store_updates.want_stock([StockTarget(store.id, v, p, pid) for v, p, pid in variants], NOW)


def push(uow, client, store, clock=None):
    return push_store_updates(uow, lambda s: client, store.id, now=clock or Clock())


def statuses(uow) -> dict[str, str]:
    return {row["ref"]: row["status"] for row in uow.store_updates.rows.values()}


def refused_422(*args, **kwargs):
    """A store refusing the write for good."""
    from lojasync.nuvemshop.client.errors import BadRequestError

    raise BadRequestError("A Nuvemshop recusou a atualização (422).", status_code=422)


def odd_answer(product_id, stock):
    """A store answering what asking again cannot change."""
    from lojasync.nuvemshop.client.errors import InvalidResponseError

    raise InvalidResponseError("A Nuvemshop respondeu algo inesperado em PATCH /products/501/variants.")


def test_the_variants_of_one_product_get_their_balance_in_one_call(uow, store, client):
    product(uow, 1, "CAM-P", 7)
    product(uow, 2, "CAM-M", -2)   # sold before it was counted again: none on the shelf, not -2
    want_stock(uow, store, ("601", "501", 1), ("602", "501", 2))

    report = push(uow, client, store)

    assert client.writes == [("PATCH", "501", {"601": 7, "602": 0})]
    assert (report.pushed, report.failed, report.retry_in) == (2, 0, None)
    assert statuses(uow) == {"601": "done", "602": "done"}
    assert {r["ref"]: r["sent_value"] for r in uow.store_updates.rows.values()} == {"601": "7", "602": "0"}
    assert push(uow, client, store).pushed == 0 and len(client.writes) == 1   # nothing left to push


def test_units_on_orders_not_yet_issued_are_not_given_back_to_the_store(uow, store, client):
    # Counted 10; the store sold 3 (and took them off its own stock); the NF-e is not approved yet.
    product(uow, 1, "CAM-P", 10)
    product(uow, 2, "CAM-M", 2)
    uow.products.reservations.update({1: 3, 2: 5})   # CAM-M: more on open orders than the balance
    want_stock(uow, store, ("601", "501", 1), ("602", "501", 2))

    push(uow, client, store)

    assert client.writes == [("PATCH", "501", {"601": 7, "602": 0})]


def test_moves_before_the_push_coalesce_into_one_write_of_the_balance_then(uow, store, client):
    product(uow, 1, "CAM-P", 9)
    want_stock(uow, store, ("601", "501", 1))
    uow.products.balances[1] = 8
    want_stock(uow, store, ("601", "501", 1))   # a second sale before the push

    push(uow, client, store)

    assert len(uow.store_updates.rows) == 1
    assert client.writes == [("PATCH", "501", {"601": 8})]


def test_a_move_during_the_push_leaves_the_update_pending_for_the_next(uow, store, client):
    product(uow, 1, "CAM-P", 9)
    want_stock(uow, store, ("601", "501", 1))

    def another_sale() -> None:
        uow.products.balances[1] = 8
        want_stock(uow, store, ("601", "501", 1))
        client.on_write = None

    client.on_write = another_sale
    push(uow, client, store)
    assert statuses(uow) == {"601": "pending"}   # the 9 written is already old
    push(uow, client, store)
    assert client.variant_stock == {"601": 8} and statuses(uow) == {"601": "done"}


def test_a_variant_deleted_in_the_store_fails_alone_with_the_reason_in_the_store_log(uow, store, client):
    product(uow, 1, "CAM-P", 3)
    product(uow, 2, "CAM-M", 4)
    want_stock(uow, store, ("601", "501", 1), ("602", "501", 2))
    client.gone_variants = {"602"}

    report = push(uow, client, store)

    assert [w[0] for w in client.writes] == ["PATCH", "PUT", "PUT"]   # refused together: one by one
    assert client.variant_stock == {"601": 3}
    assert statuses(uow) == {"601": "done", "602": "failed"}
    assert (report.pushed, report.failed) == (1, 1)
    (entry,) = uow.store_log.rows
    text = render_store_log(entry.type, entry.params)
    assert text.startswith("Estoque da variante 602 (SKU CAM-M) não atualizado na loja: a variante não existe mais")
    assert ". Resolução:" in text   # review: the sentence ran into "Resolução:" without its full stop
    (failed,) = [v for v in list_store_updates(uow, None) if v.status == "failed"]
    assert failed.status_label == "com erro" and "não existe mais" in failed.error


def test_a_store_that_is_down_keeps_the_updates_and_is_tried_again_later(uow, store, client):
    product(uow, 1, "CAM-P", 3)
    want_stock(uow, store, ("601", "501", 1))
    client.down = True
    clock = Clock()

    report = push(uow, client, store, clock)

    assert report.retry_in == 5.0 and "503" in report.error
    (row,) = uow.store_updates.rows.values()
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert stores_with_due_updates(uow, NOW) == []          # not due yet: housekeeping leaves it
    assert push(uow, client, store, clock).pushed == 0 and len(client.writes) == 1
    client.down = False
    clock.now = NOW + timedelta(seconds=6)
    assert stores_with_due_updates(uow, clock.now) == [store.id]
    assert push(uow, client, store, clock).pushed == 1 and client.variant_stock == {"601": 3}


def test_resending_from_the_page_makes_the_updates_waiting_for_their_next_attempt_due_too(uow, store, client):
    """review: Reenviar said "as pendentes foram enviadas ao worker", and those waiting after a store outage kept
    waiting (up to 10 minutes); `store push --failed` sends them at once."""
    from lojasync.nuvemshop.services.integration_views import retry_failed_updates

    product(uow, 1, "CAM-P", 3)
    want_stock(uow, store, ("601", "501", 1))
    client.down = True
    push(uow, client, store)
    assert stores_with_due_updates(uow, NOW) == []   # waiting for its next attempt
    assert retry_failed_updates(uow, store.external_id, NOW) == (store.id, 0)
    assert stores_with_due_updates(uow, NOW) == [store.id]


def test_updates_not_sent_because_an_earlier_call_failed_do_not_show_its_error_as_theirs(uow, store, client):
    """Integração showed the failed call's "PATCH .../variants" error on every update waiting, a tracking code
    included: only the call that failed carries its error; the others say they were not sent."""
    product(uow, 1, "CAM-P", 3)
    product(uow, 2, "CAN-X", 5)
    want_stock(uow, store, ("601", "501", 1), ("602", "502", 2))   # two products: two calls
    client.down = True

    push(uow, client, store, Clock())

    first, second = sorted(uow.store_updates.rows.values(), key=lambda row: row["id"])
    assert "503" in first["last_error"] and not first["last_error"].startswith("Não enviada")
    assert second["last_error"].startswith("Não enviada: o envio à loja parou antes dela (")
    # The second was never sent: no attempt counted, and due again before the first (the next push without it).
    assert (first["attempts"], second["attempts"]) == (1, 0)
    assert second["next_attempt_at"] <= first["next_attempt_at"]


def test_an_unexpected_error_fails_the_updates_after_a_few_attempts(uow, store, client):
    product(uow, 1, "CAM-P", 3)
    want_stock(uow, store, ("601", "501", 1))
    clock = Clock()

    def broken() -> None:
        raise RuntimeError("bug")

    client.set_variants_stock = lambda product_id, stock: broken()
    reports = []
    for _ in range(MAX_ATTEMPTS):
        reports.append(push(uow, client, store, clock))
        clock.now += timedelta(hours=1)
    assert [r.retry_in for r in reports] == [5.0, 10.0, 20.0, 40.0, None]
    assert reports[-1].failed == 1 and statuses(uow) == {"601": "failed"}
    # Given up on, nothing waits: no "Ficaram para depois" (review), the refusal says why.
    assert [r.error is None for r in reports] == [False, False, False, False, True]
    assert "erro inesperado (RuntimeError)" in render_store_log(uow.store_log.rows[0].type, uow.store_log.rows[0].params)


def test_a_token_without_write_permission_fails_the_batch_at_once_with_one_log_entry(uow, store, client):
    from lojasync.nuvemshop.client.errors import ForbiddenError

    product(uow, 1, "CAM-P", 3)
    product(uow, 2, "CAN-CER", 4)
    want_stock(uow, store, ("601", "501", 1), ("701", "502", 2))

    def forbidden(product_id, stock):
        client.api_calls += 1
        raise ForbiddenError("A Nuvemshop negou acesso (403): o token não tem a permissão necessária.",
                             status_code=403)

    client.set_variants_stock = forbidden
    report = push(uow, client, store)

    assert client.api_calls == 1   # the second product is not tried: the token is the problem
    assert (report.failed, report.retry_in) == (2, None)
    assert statuses(uow) == {"601": "failed", "701": "failed"}
    (entry,) = uow.store_log.rows
    text = render_store_log(entry.type, entry.params)
    assert text.startswith("2 atualização(ões) para a loja (estoque, chave da NF-e, código de rastreio) não "
                           "enviada(s): A Nuvemshop "
                           "negou acesso")
    assert "write_products (estoque) e write_orders (chave da NF-e)" in text


def test_the_nfe_key_is_created_once_then_updated_and_taken_away_when_cancelled(uow, store, client):
    uow.store_updates.want_invoice_key(store.id, "1700000100", "3" * 44, NOW)
    push(uow, client, store)
    (metafield,) = client.metafields.values()
    assert (metafield["owner_id"], metafield["namespace"], metafield["key"], metafield["value"]) == (
        1700000100, "nfe", "key", "3" * 44)

    uow.store_updates.want_invoice_key(store.id, "1700000100", "4" * 44, NOW)   # a new NF-e for the order
    calls = client.api_calls
    push(uow, client, store)
    assert client.api_calls == calls + 1   # the metafield's id was kept: one PUT
    assert [m["value"] for m in client.metafields.values()] == ["4" * 44]

    assert uow.store_updates.withdraw_invoice_key(store.id, "1700000100", NOW)
    push(uow, client, store)
    assert client.metafields == {}


def test_a_withdrawn_key_leaves_no_metafield_and_a_create_beaten_to_it_sets_the_other(uow, store, client):
    """review: two pushes that each created the order's metafield (a lease that ran out during a slow call) left the
    cancelled NF-e's key on the store order, the withdrawal deleting only the id it kept; a create the store refuses
    because another push made it meanwhile ("already taken") was a refusal for good."""
    uow.store_updates.want_invoice_key(store.id, "1700000100", "3" * 44, NOW)
    push(uow, client, store)
    client.create_order_metafield("1700000100", "nfe", "key", "3" * 44)   # the other push's
    assert uow.store_updates.withdraw_invoice_key(store.id, "1700000100", NOW)
    push(uow, client, store)
    assert client.metafields == {}

    create = client.create_order_metafield

    def beaten(order_id, namespace, key, value, description=None):
        create(order_id, namespace, key, "9" * 44)   # another push's lands first...
        raise BadRequestError("has already been taken", status_code=422)   # ...and the store refuses ours

    client.create_order_metafield = beaten
    uow.store_updates.want_invoice_key(store.id, "1700000100", "4" * 44, NOW)
    push(uow, client, store)
    assert [m["value"] for m in client.metafields.values()] == ["4" * 44]
    assert [row["status"] for row in uow.store_updates.rows.values()] == ["done"]


def test_a_key_whose_first_answer_was_lost_is_found_not_created_twice(uow, store, client):
    # The POST reached the store but its answer did not: the store has the metafield, the row no id.
    client.create_order_metafield("1700000100", "nfe", "key", "3" * 44)
    uow.store_updates.want_invoice_key(store.id, "1700000100", "3" * 44, NOW)
    push(uow, client, store)
    assert len(client.metafields) == 1
    (row,) = uow.store_updates.rows.values()
    assert row["status"] == "done" and row["remote_id"] == str(next(iter(client.metafields)))


def test_nothing_is_pushed_to_a_paused_store_or_one_another_worker_holds(uow, store, client):
    product(uow, 1, "CAM-P", 3)
    want_stock(uow, store, ("601", "501", 1))
    store.paused = True
    assert push(uow, client, store).skipped == "paused"
    store.paused = False
    # Leases are taken on the real clock (they are shared between processes), not the push's: a lease that ran
    # out a day after NOW (the fixed test date) stopped counting once that day had passed.
    uow.leases.holders[store.id] = ("outro-worker", datetime.now(timezone.utc) + timedelta(days=1))
    assert push(uow, client, store).busy
    assert client.writes == [] and statuses(uow) == {"601": "pending"}


def test_failed_updates_are_sent_again_when_asked(uow, store, client):
    product(uow, 1, "CAM-P", 3)
    want_stock(uow, store, ("601", "501", 1))
    patch, put = client.set_variants_stock, client.set_variant_stock
    client.set_variants_stock = client.set_variant_stock = refused_422
    push(uow, client, store)
    assert statuses(uow) == {"601": "failed"}
    client.set_variants_stock, client.set_variant_stock = patch, put   # fixed in the store
    report, again = push_now(uow, lambda s: client, None, retry_failed=True)
    assert again == 1 and report.pushed == 1 and client.variant_stock == {"601": 3}


def test_a_variant_gone_from_the_store_is_marked_and_not_tried_again(uow, store, client):
    """review: a 404'd variant was queued again at every stock move, failed again, logged again; the store answers a
    lone missing variant's PATCH with 422, which read as "a loja recusou o estoque". Its binding stays (marked):
    deleted, an old order with the variant read again made a second product of the same name."""
    product(uow, 1, "CAM-P", 3)
    want_stock(uow, store, ("601", "501", 1))
    client.gone_variants = {"601"}
    push(uow, client, store)
    assert statuses(uow) == {"601": "failed"}
    (binding,) = uow.bindings.products_by_variant_ids(store.id, ["601"]).values()
    assert binding.product.id == 1 and binding.gone_at == NOW
    assert uow.bindings.products_for([1]) == []   # no stock move queues it again
    assert "não existe mais" in render_store_log(uow.store_log.rows[0].type, uow.store_log.rows[0].params)


def test_a_variant_whose_store_product_was_learned_after_its_push_failed_is_sent_when_resent(uow, store, client):
    """review: queued before any order said its store product (the line without product_id), the row failed "a loja
    não informou o produto"; the binding learned it from a later order, and Reenviar failed again the same way."""
    product(uow, 1, "CAM-P", 3)
    want_stock(uow, store, ("601", None, 1))
    push(uow, client, store)
    assert statuses(uow) == {"601": "failed"} and client.variant_stock == {}
    uow.bindings.products_by_variant_ids(store.id, ["601"])["601"].external_product_id = "501"   # an order said it
    report, again = push_now(uow, lambda s: client, None, retry_failed=True)
    assert again == 1 and report.pushed == 1 and client.variant_stock == {"601": 3}


def test_a_token_that_may_not_write_nfe_keys_still_pushes_the_stock(uow, store, client):
    """review: the key rows sort first; a token without write_orders got 403 on the metafield and every other row
    of the batch failed unsent: no NF-e's stock ever reached the store."""
    from lojasync.nuvemshop.client.errors import ForbiddenError

    product(uow, 1, "CAM-P", 3)
    uow.store_updates.want_invoice_key(store.id, "1700000100", "3" * 44, NOW)
    uow.store_updates.want_invoice_key(store.id, "1700000101", "4" * 44, NOW)
    want_stock(uow, store, ("601", "501", 1))

    def forbidden(order_id, namespace, key):
        client.api_calls += 1
        raise ForbiddenError("A Nuvemshop negou acesso (403): o token não tem a permissão necessária.",
                             status_code=403)

    client.find_order_metafields = forbidden
    report = push(uow, client, store)

    assert client.writes == [("PATCH", "501", {"601": 3})]
    assert client.api_calls == 2   # one 403 for the keys (the second key is not tried), one PATCH
    assert statuses(uow) == {"601": "done", "1700000100": "failed", "1700000101": "failed"}
    assert (report.pushed, report.failed) == (1, 2) and len(uow.store_log.rows) == 1


def test_an_answer_asking_again_cannot_change_fails_after_a_few_attempts(uow, store, client):
    """review: an invalid answer, a 409 or 405 was postponed for good (10 minutes apart), never failed, never in the
    store log."""
    product(uow, 1, "CAM-P", 3)
    want_stock(uow, store, ("601", "501", 1))
    clock = Clock()
    client.set_variants_stock = odd_answer
    reports = []
    for _ in range(MAX_ATTEMPTS):
        reports.append(push(uow, client, store, clock))
        clock.now += timedelta(hours=1)
    assert reports[-1].failed == 1 and statuses(uow) == {"601": "failed"}
    assert "respondeu algo inesperado" in render_store_log(uow.store_log.rows[0].type, uow.store_log.rows[0].params)


def test_a_token_no_longer_valid_asks_a_person_at_once_and_the_updates_wait(uow, store, client):
    """review: a 401 on the push was retried every few minutes; only the next sync's 401 flagged the store."""
    from lojasync.nuvemshop.client.errors import UnauthorizedError

    product(uow, 1, "CAM-P", 3)
    want_stock(uow, store, ("601", "501", 1))

    def revoked(product_id, stock):
        raise UnauthorizedError("A Nuvemshop recusou o token de acesso (401).", status_code=401)

    client.set_variants_stock = revoked
    push(uow, client, store)
    assert uow.stores.get(store.id).needs_attention()
    assert statuses(uow) == {"601": "pending"}   # sent once the store is reconnected
    assert push(uow, client, store).skipped == "attention"


def test_a_drain_holding_the_store_pushes_the_due_updates_between_its_batches(uow, store, client, monkeypatch):
    """review: the push needs the store's lease, which a drain holds while webhooks keep coming: on Black Friday
    every push came back "busy" and no stock reached the store for as long as the storm lasted."""
    from lojasync.nuvemshop.services import drain_events
    from lojasync.nuvemshop.services.import_policy import ImportPolicy
    from lojasync.nuvemshop.services.push_updates import PushReport
    from tests.factories import order_payload
    from tests.unit.test_services import pending_event

    pushed = []

    def pushing(uow_, factory, store_id, lease, now=None):
        pushed.append((store_id, lease.holder))
        return PushReport(store_id, calls=2)

    monkeypatch.setattr(drain_events, "push_while_holding", pushing)
    client.orders["1700000555"] = order_payload(id=1700000555)
    pending_event(uow, store, "order/paid", "1700000555")

    report = drain_events.drain_store_events(uow, lambda _: client, ImportPolicy(), store.id)

    assert len(pushed) == 1 and pushed[0][0] == store.id   # once after its batch, under its own lease
    # review: the drain's count of requests left out the push's, made on the same store's rate limit.
    assert report.api_calls == client.api_calls + 2


def test_a_suspended_store_pauses_and_keeps_its_updates(uow, store, client):
    """review (regression): a 402 was given up after a few attempts, every queued stock level failed for good and
    blamed on the store; a suspension pauses the store, as the sync does, and its updates wait for it."""
    from lojasync.nuvemshop.client.errors import PaymentRequiredError

    product(uow, 1, "CAM-P", 3)
    want_stock(uow, store, ("601", "501", 1))
    clock = Clock()

    def suspended(product_id, stock):
        raise PaymentRequiredError("A loja ou o app está suspenso na Nuvemshop (402).", status_code=402)

    client.set_variants_stock = suspended
    for _ in range(MAX_ATTEMPTS):
        push(uow, client, store, clock)
        assert uow.stores.get(store.id).paused
        uow.stores.get(store.id).paused = False   # a recheck lifting it, and the store suspended again
        clock.now += timedelta(hours=1)
    assert statuses(uow) == {"601": "pending"}
    assert not [row for row in uow.store_log.rows if row.type == StoreLogType.STORE_UPDATE_FAILED]


def test_pushing_now_from_the_terminal_sends_the_updates_waiting_for_their_next_attempt(uow, store, client):
    """review: after a store outage `lojasync store push` said "Enviadas: 0" and exited 0, the updates left waiting
    for their next attempt; a person asking to push now means now."""
    product(uow, 1, "CAM-P", 3)
    want_stock(uow, store, ("601", "501", 1))
    client.down = True
    push(uow, client, store)
    client.down = False
    report, again = push_now(uow, lambda s: client, store.external_id, now=lambda: NOW)
    assert (report.pushed, again) == (1, 0) and client.variant_stock == {"601": 3}


def test_a_product_selling_while_the_store_fails_it_keeps_its_wait_and_is_given_up_on_in_time(uow, store, client):
    """review: every sale put the failing variant back as new (no attempts, due at once): on Black Friday a product
    the store refused was sent again every few seconds, spending the store's rate limit, and never given up on."""
    product(uow, 1, "CAM-P", 3)
    want_stock(uow, store, ("601", "501", 1))
    clock = Clock()
    client.set_variants_stock = odd_answer
    reports = []
    for _ in range(MAX_ATTEMPTS):
        reports.append(push(uow, client, store, clock))
        (row,) = uow.store_updates.rows.values()
        if row["status"] == "failed":
            break
        waiting_until = row["next_attempt_at"]
        want_stock(uow, store, ("601", "501", 1))   # a sale moved its stock meanwhile: the new value waits too
        (row,) = uow.store_updates.rows.values()
        assert (row["next_attempt_at"], row["failing_since"]) == (waiting_until, NOW)
        assert "respondeu algo inesperado" in row["last_error"]
        assert stores_with_due_updates(uow, clock.now) == []      # not sent again before its wait is over
        clock.now = waiting_until
    assert len(reports) == MAX_ATTEMPTS and reports[-1].failed == 1 and statuses(uow) == {"601": "failed"}


def test_an_update_failing_for_an_hour_is_late_until_a_push_lands(uow, store, client):
    product(uow, 1, "CAM-P", 3)
    want_stock(uow, store, ("601", "501", 1))
    client.down = True
    clock = Clock()

    push(uow, client, store, clock)
    (view,) = list_store_updates(uow, None, now=clock.now)
    assert (view.status_label, view.late, view.failing_since) == ("pendente", False, NOW.isoformat())
    clock.now = NOW + timedelta(minutes=61)
    push(uow, client, store, clock)
    (row,) = uow.store_updates.rows.values()
    assert row["failing_since"] == NOW and row["attempts"] == 2
    (view,) = list_store_updates(uow, None, now=clock.now)
    assert (view.status_label, view.late) == ("atrasada", True)

    client.down = False
    clock.now += timedelta(minutes=20)
    assert push(uow, client, store, clock).pushed == 1
    (row,) = uow.store_updates.rows.values()
    assert (row["status"], row["failing_since"], row["attempts"]) == ("done", None, 0)
    want_stock(uow, store, ("601", "501", 1))   # the next change starts afresh: due at once
    (row,) = uow.store_updates.rows.values()
    assert (row["status"], row["next_attempt_at"], row["failing_since"]) == ("pending", None, None)


def test_a_person_resending_a_refused_update_starts_it_afresh(uow, store, client):
    product(uow, 1, "CAM-P", 3)
    want_stock(uow, store, ("601", "501", 1))
    patch, put = client.set_variants_stock, client.set_variant_stock
    client.set_variants_stock = client.set_variant_stock = refused_422
    clock = Clock()
    push(uow, client, store, clock)
    (row,) = uow.store_updates.rows.values()
    assert (row["status"], row["failing_since"]) == ("failed", NOW)

    clock.now += timedelta(hours=3)   # a person fixes the product in the store and resends it
    uow.store_updates.retry_failed(store.id, clock.now)
    (row,) = uow.store_updates.rows.values()
    assert (row["status"], row["failing_since"], row["attempts"], row["next_attempt_at"]) == ("pending", None, 0, None)
    client.set_variants_stock, client.set_variant_stock = patch, put
    assert push(uow, client, store, clock).pushed == 1


def test_a_long_push_gives_the_store_back_after_its_slice_and_leaves_the_rest_due(uow, store, client, monkeypatch):
    """Black Friday review: a push of the keys of a batch of NF-e held the store's lease for minutes (2 calls a key at
    2 requests a second), and the orders arriving meanwhile waited that long to be imported. A push goes on for a
    slice of time, then says there is more; what it left is due, and the next push sends it."""
    from lojasync.nuvemshop.services import push_updates

    for order in range(3):
        uow.store_updates.want_invoice_key(store.id, f"170000010{order}", str(order) * 44, NOW)
    monkeypatch.setattr(push_updates, "SLICE_SECONDS", 0.0)   # every call past its slice: one key a push
    first = push(uow, client, store)
    assert (first.pushed, first.more) == (1, True) and len(client.metafields) == 1
    assert sorted(statuses(uow).values()) == ["done", "pending", "pending"]
    push(uow, client, store)
    last = push(uow, client, store)
    assert len(client.metafields) == 3 and not last.more and set(statuses(uow).values()) == {"done"}
    # A person's push from the terminal sends them all, slice after slice (it said "run the command again").
    for order in range(3):
        uow.store_updates.want_invoice_key(store.id, f"170000010{order}", str(order + 5) * 44, NOW)
    report, _ = push_now(uow, lambda s: client, store.external_id, now=lambda: NOW)
    assert (report.pushed, report.more) == (3, False) and set(statuses(uow).values()) == {"done"}


# One ERP product bound to several variants of one store (the merchant gave them the same SKU): each showing the whole
# quantity, the store could sell it once per variant. They share it: the parts add up to the quantity, never more.


def splits(uow) -> list:
    return [entry for entry in uow.store_log.rows if entry.type == StoreLogType.STOCK_SPLIT]


def test_variants_of_one_store_sharing_a_product_split_its_stock_and_the_merchant_is_told_once(uow, store, client):
    product(uow, 1, "CAM-P", 5)
    want_stock(uow, store, ("601", "501", 1), ("602", "501", 1))

    report = push(uow, client, store)

    assert client.writes == [("PATCH", "501", {"601": 3, "602": 2})]   # 5, not 10: the first bound gets the odd unit
    assert report.pushed == 2 and statuses(uow) == {"601": "done", "602": "done"}
    (told,) = splits(uow)
    assert render_store_log(told.type, told.params) == (
        "O SKU CAM-P está em 2 variantes da loja (601, 602): o estoque disponível do produto foi dividido entre elas, "
        "para a loja não vender mais do que há. Dê a cada variante o seu próprio SKU na Nuvemshop: o primeiro pedido "
        "dela com o SKU novo a liga a um produto próprio (quando SKUs desconhecidos criam produto, o padrão; se ficam "
        "sem produto, só apagar a variante repetida acaba a divisão), e a outra volta a receber o estoque inteiro.")
    uow.products.balances[1] = 4   # a sale: both queued again, split again, not told again
    want_stock(uow, store, ("601", "501", 1), ("602", "501", 1))
    push(uow, client, store)
    assert client.writes[-1] == ("PATCH", "501", {"601": 2, "602": 2}) and len(splits(uow)) == 1


def test_no_stock_to_share_gives_every_variant_none(uow, store, client):
    product(uow, 1, "CAM-P", 0)
    want_stock(uow, store, ("601", "501", 1), ("602", "501", 1))

    push(uow, client, store)

    assert client.writes == [("PATCH", "501", {"601": 0, "602": 0})]
    assert len(splits(uow)) == 1   # told even now: the next count is split too


def test_a_product_on_one_variant_still_gets_its_whole_quantity_beside_one_that_is_split(uow, store, client):
    product(uow, 1, "CAM-P", 5)
    product(uow, 2, "CAM-M", 7)
    want_stock(uow, store, ("601", "501", 1), ("602", "501", 2), ("603", "502", 1))

    push(uow, client, store)

    assert sorted(client.writes) == [("PATCH", "501", {"601": 3, "602": 7}), ("PATCH", "502", {"603": 2})]
    assert [entry.params for entry in splits(uow)] == [{"sku": "CAM-P", "variants": ["601", "603"]}]


def test_each_store_with_one_variant_of_the_product_gets_the_whole_quantity(uow, store, client):
    from lojasync.nuvemshop.model.store import Store

    with uow:
        other = Store("7654321", "http://127.0.0.1:9/2025-03", "token-cifrado")
        uow.stores.add(other)
        uow.commit()
    product(uow, 1, "CAM-P", 5)
    want_stock(uow, store, ("601", "501", 1))
    want_stock(uow, other, ("901", "801", 1))   # the same product in another store: not a sibling of 601
    other_client = FakeStoreClient(external_store_id="7654321")

    push(uow, client, store)
    push(uow, other_client, other)

    assert client.writes == [("PATCH", "501", {"601": 5})]
    assert other_client.writes == [("PATCH", "801", {"901": 5})]
    assert splits(uow) == []


def test_a_variant_pushed_alone_gets_its_share_and_its_sibling_gives_back_the_rest(uow, store, client):
    # 601 had the product to itself and showed all 5; the merchant then gave a new variant, 602, the same SKU, and
    # its first order bound it (only 602 queued). 602 showing 5 beside 601's 5 sells the 5 units twice.
    product(uow, 1, "CAM-P", 5)
    want_stock(uow, store, ("601", "501", 1))
    push(uow, client, store)
    assert client.writes == [("PATCH", "501", {"601": 5})]

    want_stock(uow, store, ("602", "501", 1))
    push(uow, client, store)
    assert client.writes[-1] == ("PATCH", "501", {"602": 2})   # its share, the one left after 601's 3
    assert statuses(uow) == {"601": "pending", "602": "done"}   # 601 still shows 5: queued for its 3

    push(uow, client, store)
    assert client.writes[-1] == ("PATCH", "501", {"601": 3}) and client.variant_stock == {"601": 3, "602": 2}
    assert push(uow, client, store).pushed == 0   # in step now: nothing queued back and forth


def test_a_sibling_the_store_refused_is_not_queued_again_by_the_split(uow, store, client):
    product(uow, 1, "CAM-P", 5)
    want_stock(uow, store, ("601", "501", 1))
    client.set_variants_stock = refused_422
    client.set_variant_stock = refused_422
    push(uow, client, store)
    assert statuses(uow) == {"601": "failed"}

    client = FakeStoreClient()
    want_stock(uow, store, ("602", "501", 1))
    push(uow, client, store)
    assert client.writes == [("PATCH", "501", {"602": 2})]
    assert statuses(uow)["601"] == "failed"   # waits for a person's Reenviar, as before


def test_a_variant_gone_from_the_store_gives_its_share_back_to_the_one_left(uow, store, client):
    """review: a variant deleted in the store and made again with the same SKU: the new one got half, the old one's
    push was answered 404 (gone), and the new one kept its half until the product's stock moved again."""
    product(uow, 1, "CAM-P", 6)
    want_stock(uow, store, ("601", "501", 1))
    push(uow, client, store)
    client.gone_variants.add("601")
    want_stock(uow, store, ("602", "502", 1))   # its first order binds it
    for _ in range(3):
        push(uow, client, store)
    assert client.variant_stock["602"] == 6


def test_a_variant_given_its_share_beside_one_showing_the_whole_is_pushed_again_at_once(uow, store, client):
    """review: the new variant's share went out and the old one, still showing the whole quantity, was only queued:
    the store showed 7 of 5 until the next housekeeping round. The push says there is more to push right away."""
    product(uow, 1, "CAM-P", 5)
    want_stock(uow, store, ("601", "501", 1))
    push(uow, client, store)
    want_stock(uow, store, ("602", "501", 1))
    report = push(uow, client, store)
    assert client.variant_stock == {"601": 5, "602": 2} and report.more   # 601 lowered by the next push, at once
    push(uow, client, store)
    assert client.variant_stock == {"601": 3, "602": 2}


def test_two_variants_found_gone_together_both_stay_failed(uow, store, client):
    """review: the store product holding two variants of a shared product was deleted: the first found gone took the
    second for one left behind, queued it again, and its next push wrote nothing and marked it done: its "não existe
    mais" left the failed list. Both stay failed; the one left gets the whole stock."""
    product(uow, 1, "CAM-P", 6)
    want_stock(uow, store, ("601", "501", 1), ("602", "501", 1), ("603", "503", 1))
    push(uow, client, store)
    client.gone_variants.update({"601", "602"})
    uow.products.balances[1] = 5
    want_stock(uow, store, ("601", "501", 1), ("602", "501", 1), ("603", "503", 1))
    for _ in range(4):
        push(uow, client, store)
    assert statuses(uow)["601"] == "failed" and statuses(uow)["602"] == "failed"
    assert client.variant_stock["603"] == 5


def test_a_push_that_dies_after_a_shares_write_leaves_the_sibling_queued(uow, store, client, monkeypatch):
    """review: the sibling whose larger part a new variant's share overlaps was queued after the write, in a
    transaction of its own: a push that died in between (a worker killed, the database gone) left the store showing
    more than there was until the product moved again. It is queued before the write."""
    product(uow, 1, "CAM-P", 5)
    want_stock(uow, store, ("601", "501", 1))
    push(uow, client, store)
    want_stock(uow, store, ("602", "502", 1))   # another store product: a PATCH of its own

    real = client.set_variants_stock

    def written_then_dies(product_id, stock):
        real(product_id, stock)
        raise KeyboardInterrupt   # the worker stopped right after the store took the write
    monkeypatch.setattr(client, "set_variants_stock", written_then_dies)
    with pytest.raises(KeyboardInterrupt):
        push(uow, client, store)
    monkeypatch.undo()
    assert client.variant_stock == {"601": 5, "602": 2} and statuses(uow)["601"] == "pending"
    push(uow, client, store)
    assert client.variant_stock == {"601": 3, "602": 2}
