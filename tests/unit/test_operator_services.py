"""What the operator asks of the ERP from the CLI, against the in-memory unit of work and store client:
searching and paging orders, finding one by the store's number, re-reading one from the store, replacing
a customer by hand, the ERP order behind a notification."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from lojasync.nuvemshop.errors import StoreInactive
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.services.events_admin import list_events
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.order_search import (
    StoreNumberAmbiguous,
    StoreNumberNotFound,
    order_number_for_store_number,
    search_store_orders,
)
from lojasync.nuvemshop.services.outcomes import Outcome
from lojasync.nuvemshop.services.resync_order import (
    OrderNotFromStore,
    ResyncNotImported,
    StoreOrderGone,
    resync_order,
)
from lojasync.sales.errors import CustomerAlreadyLinked, OrderNotFound
from lojasync.sales.link_customer import link_customer
from lojasync.sales.orders import Order
from lojasync.sales.status import OrderStatus
from lojasync.sales.views import OrderFilter, find_orders, show_order
from tests.factories import cpf, order_payload, ts
from tests.unit.fakes import FakeStoreClient, pending_event

POLICY = ImportPolicy()


def add_store(uow, external_id: str = "1234567") -> Store:
    with uow:
        record = Store(external_id, "http://127.0.0.1:9/2025-03", "token-cifrado")
        uow.stores.add(record)
        uow.commit()
    return record


@pytest.fixture()
def store(uow) -> Store:
    return add_store(uow)


def imported(uow, store, **fields) -> int:
    return import_order(uow, store.id, order_payload(**fields), POLICY).order_number


def at(day: int, hour: int = 12) -> str:
    return datetime(2026, 11, day, hour, tzinfo=timezone.utc).isoformat()


# -- search and pages ---------------------------------------------------------------------------------------


def test_text_search_finds_by_number_store_number_name_and_document(uow, store):
    ana = imported(uow, store, id=1700000001, number=501, identification=cpf("529982247"),
                   customer={**order_payload()["customer"], "name": "Ana Júlia Souza",
                             "identification": cpf("529982247")})
    bob = imported(uow, store, id=1700000002, number=502, identification=cpf("111444777"),
                   customer={**order_payload()["customer"], "id": 2, "name": "Roberto Lima",
                             "identification": cpf("111444777")})

    def found(text: str) -> list[int]:
        return [o["number"] for o in find_orders(uow, OrderFilter(text=text)).items]

    assert found("ana julia") == [ana]            # no regard to accents or case
    assert found("ROBERTO") == [bob]
    assert found("#502") == [bob] and found("501") == [ana]
    assert found(str(bob)) == [bob]               # the ERP's number
    assert found("529.982.247-25") == [ana] and found("52998224725") == [ana]
    assert found("ninguém") == []


def test_period_and_status_and_pages(uow, store):
    numbers = [imported(uow, store, id=1700000100 + d, number=100 + d, created_at=at(d), updated_at=at(d),
                        payment_status="paid" if d % 2 else "pending") for d in range(1, 11)]
    in_period = find_orders(uow, OrderFilter(placed_from=datetime(2026, 11, 3, tzinfo=timezone.utc),
                                             placed_before=datetime(2026, 11, 6, tzinfo=timezone.utc)))
    assert [o["number"] for o in in_period.items] == list(reversed(numbers[2:5]))

    confirmed = find_orders(uow, OrderFilter(status=OrderStatus.CONFIRMED))
    assert confirmed.total == 5 and all(o["status"] == "Confirmado" for o in confirmed.items)

    second = find_orders(uow, OrderFilter(), page=2, per_page=4)
    assert (second.total, second.pages, second.page) == (10, 3, 2)
    assert [o["number"] for o in second.items] == list(reversed(numbers))[4:8]
    everything = find_orders(uow, OrderFilter(), per_page=None)
    assert len(everything.items) == 10 and everything.pages == 1


def test_the_list_of_one_store(uow, store):
    other = add_store(uow, "7654321")
    mine = imported(uow, store, id=1700000201, number=9)
    theirs = imported(uow, other, id=1700000202, number=9)
    assert [o["number"] for o in search_store_orders(uow, OrderFilter(), "1234567").items] == [mine]
    assert [o["number"] for o in search_store_orders(uow, OrderFilter(), "7654321").items] == [theirs]
    assert search_store_orders(uow, OrderFilter()).total == 2


def test_an_order_is_found_by_the_store_number(uow, store):
    number = imported(uow, store, id=1700000301, number=345)
    assert order_number_for_store_number(uow, "345") == number
    assert order_number_for_store_number(uow, "#345", "1234567") == number
    with pytest.raises(StoreNumberNotFound):
        order_number_for_store_number(uow, "346")

    other = add_store(uow, "7654321")
    theirs = imported(uow, other, id=1700000302, number=345)
    with pytest.raises(StoreNumberAmbiguous) as ambiguous:
        order_number_for_store_number(uow, "345")
    assert ambiguous.value.code == "nuvemshop.store_number_ambiguous"
    assert order_number_for_store_number(uow, "345", "7654321") == theirs


# -- resync -------------------------------------------------------------------------------------------------------


def test_resync_reads_the_order_from_the_store_now(uow, store):
    payload = order_payload(id=1700000401, number=12)
    number = imported(uow, store, **{k: payload[k] for k in ("id", "number")})
    client = FakeStoreClient({"1700000401": {**payload, "payment_status": "paid", "updated_at": ts(60)}})

    result = resync_order(uow, lambda s: client, POLICY, number)

    assert result.outcome is Outcome.UPDATED and result.order_number == number
    assert client.api_calls == 1 and client.closed
    shown = show_order(uow, number)
    assert shown["status"] == "Confirmado"
    assert (shown["log"][-1]["event"], shown["log"][-1]["actor"]) == ("updated", "operator")
    assert resync_order(uow, lambda s: client, POLICY, number).outcome is Outcome.UNCHANGED


def test_resync_of_an_order_the_import_refuses_is_an_error_and_the_failure_is_kept(uow, store):
    """review: the import's failure came back as an outcome, and the API answered it with 200."""
    payload = order_payload(id=1700000404, number=14)
    number = imported(uow, store, **{k: payload[k] for k in ("id", "number")})
    broken = {**payload, "updated_at": ts(60), "products": [{**payload["products"][0], "quantity": "1.5"}]}

    with pytest.raises(ResyncNotImported) as refused:
        resync_order(uow, lambda s: FakeStoreClient({"1700000404": broken}), POLICY, number)

    error = refused.value
    assert error.code == "nuvemshop.resync_not_imported" and error.params["cause"] == "nuvemshop.payload_invalid"
    assert error.message.startswith(f"O pedido {number} foi relido da loja, mas não importado: ")
    assert "quantidade" in error.message and error.resolution and not error.retryable
    with uow:   # kept for the next sync, and the order's history says it
        (failure,) = uow.failures.list(store.id)
        assert failure.external_id == "1700000404"
    assert show_order(uow, number)["log"][-1]["event"] == "failed"


def test_resync_of_an_order_gone_from_the_store_says_so(uow, store):
    number = imported(uow, store, id=1700000402, number=13)
    client = FakeStoreClient({})
    with pytest.raises(StoreOrderGone) as gone:
        resync_order(uow, lambda s: client, POLICY, number)
    assert gone.value.code == "nuvemshop.store_order_gone"
    assert f"O pedido {number} (nº 13 na loja) não existe mais na loja" in gone.value.message
    assert client.closed


def test_resync_refuses_what_it_cannot_read(uow, store):
    with pytest.raises(OrderNotFound):
        resync_order(uow, lambda s: FakeStoreClient(), POLICY, 4242)
    with uow:
        hand_made = Order()
        uow.orders.add(hand_made)
        uow.commit()
    with pytest.raises(OrderNotFromStore):
        resync_order(uow, lambda s: FakeStoreClient(), POLICY, hand_made.id)
    number = imported(uow, store, id=1700000403)
    store.active = False
    with pytest.raises(StoreInactive):
        resync_order(uow, lambda s: FakeStoreClient(), POLICY, number)


# -- link a customer by hand: replacing one -------------------------------------------------------------------------


def test_replacing_a_customer_needs_force_and_the_history_keeps_the_previous_one(uow, store):
    number = imported(uow, store, id=1700000501)
    before = show_order(uow, number)["customer"]

    with pytest.raises(CustomerAlreadyLinked) as refused:
        link_customer(uow, number, "111.444.777-35", name="Balcão Ltda")
    assert refused.value.code == "sales.customer_already_linked" and "confirme a troca" in refused.value.resolution
    assert show_order(uow, number)["customer"] == before

    linked = link_customer(uow, number, "111.444.777-35", name="Balcão Ltda", force=True)
    assert linked["changed"] and linked["previous"]["id"] == before["id"]
    entry = show_order(uow, number)["log"][-1]
    assert entry["event"] == "customer_linked"
    assert entry["message"] == f"Cliente Balcão Ltda (*******7735) vinculado manualmente (substituiu {before['name']})."
    with uow:
        (stored,) = [e for e in uow.order_history.for_order(number) if e.type == "customer_linked"]
    # References only: the names are read when shown.
    assert stored.params == {"customer_id": linked["id"], "previous_customer_id": before["id"]}


def test_a_name_linked_by_hand_loses_what_reorders_a_page_or_drives_a_terminal(uow, store):
    """Review: the store's names lost them at the import, a name typed or sent to the API kept them."""
    number = imported(uow, store, id=1700000503)
    linked = link_customer(uow, number, "111.444.777-35", name="Ana Pereira\u0001 \u202egpj.exe\x1b[2J\x00",
                           force=True)
    assert linked["name"] == "Ana Pereira gpj.exe[2J"


def test_linking_the_customer_the_order_already_has_changes_nothing(uow, store):
    number = imported(uow, store, id=1700000502)
    linked = link_customer(uow, number, cpf("529982247"))
    assert not linked["changed"]
    assert [e["event"] for e in show_order(uow, number)["log"]] == ["created"]


# -- notifications show their ERP order -----------------------------------------------------------------------------


def test_a_notification_names_the_erp_order_it_is_about(uow, store):
    number = imported(uow, store, id=1700000601)
    with uow:
        pending_event(uow, store, "order/paid", "1700000601")
        pending_event(uow, store, "order/created", "1700000699")   # not imported yet
        pending_event(uow, store, "app/uninstalled", None)
        uow.commit()
    views = {e.resource_id: e.order_number for e in list_events(uow)}
    assert views == {"1700000601": number, "1700000699": None, None: None}
