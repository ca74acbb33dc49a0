"""Use cases against the in-memory unit of work and store client: the rules, without a database or HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from lojasync.crypto import TokenCipher
from lojasync.nuvemshop.errors import NoStoreConnected, StoreDisabled, StoreNotChosen, StoreNotFound
from lojasync.nuvemshop.services.app_events import app_resumed, app_suspended, app_uninstalled
from lojasync.nuvemshop.services.drain_events import drain_store_events
from lojasync.nuvemshop.services.events_admin import list_events, retry_events
from lojasync.nuvemshop.services.import_orders import import_order, import_orders
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.install_store import ensure_webhooks
from lojasync.nuvemshop.services.maintenance import claim_round, due_work
from lojasync.nuvemshop.services.outcomes import Outcome
from lojasync.nuvemshop.services.stores import add_store, find_store, inactive_error, set_store_enabled
from lojasync.nuvemshop.webhook_topics import SUBSCRIBED_EVENTS
from lojasync.sales.errors import CustomerNameRequired, InvalidTaxId, OrderNotFound
from lojasync.sales.history import ProcessedBy
from lojasync.sales.link_customer import link_customer
from lojasync.sales.views import list_orders, show_order
from lojasync.shared.errors import Action, LojasyncError
from tests.factories import cpf, order_payload, ts
from tests.unit.fakes import FakeStoreClient, pending_event

POLICY = ImportPolicy()


# -- import ---------------------------------------------------------------------------------------------------

def test_import_creates_the_order_and_its_history_through_the_message_bus(uow, store):
    result = import_order(uow, store.id, order_payload(id=1700000100, number=345), POLICY)

    assert result.outcome is Outcome.CREATED
    (order,) = list_orders(uow)
    assert order["store_order_id"] == "1700000100" and order["origin_label"] == "Loja virtual"
    shown = show_order(uow, order["number"])
    assert [(e["event"], e["actor"]) for e in shown["log"]] == [("created", "sync")]
    assert shown["log"][0]["message"] == "Pedido #345 importado da loja como Em Aberto."


def test_an_update_is_recorded_with_its_changes_and_the_same_version_is_skipped(uow, store):
    payload = order_payload()
    import_order(uow, store.id, payload, POLICY)
    assert import_order(uow, store.id, payload, POLICY).outcome is Outcome.UNCHANGED

    paid = {**payload, "payment_status": "paid", "updated_at": ts(60)}
    assert import_order(uow, store.id, paid, POLICY).outcome is Outcome.UPDATED
    (order,) = list_orders(uow)
    log = show_order(uow, order["number"])["log"]
    assert [e["event"] for e in log] == ["created", "updated"]
    assert log[1]["message"] == ("Pedido atualizado pela loja: situação Em Aberto → Confirmado; "
                                 "pagamento na loja: pago.")


def test_a_processed_order_is_flagged_not_overwritten(uow, store):
    payload = order_payload(payment_status="paid")
    number = import_order(uow, store.id, payload, POLICY).order_number
    with uow:
        uow.orders.get(number).mark_processed(ProcessedBy.SIMPLE_SALE)
        uow.commit()

    cancelled = {**payload, "status": "cancelled", "updated_at": ts(600)}
    result = import_order(uow, store.id, cancelled, POLICY)

    assert result.outcome is Outcome.ATTENTION and "venda simples confirmada" in result.message
    shown = show_order(uow, number)
    assert shown["status"] == "Confirmado" and shown["needs_attention"]
    assert shown["log"][-1]["event"] == "attention" and shown["log"][-1]["level"] == "warning"


def test_a_bad_payload_is_kept_as_a_failure_with_a_code_and_the_store_log_says_so(uow, store):
    bad = order_payload(id=1700009999)
    bad["products"][0]["quantity"] = "1.5"
    report = import_orders(uow, store.id, [bad, order_payload()], POLICY)

    assert [r.outcome for r in report.results].count(Outcome.FAILED) == 1
    (failure,) = uow.failures.list(store.id)
    assert failure.error_code == "nuvemshop.payload_invalid" and "quantidade" in failure.error
    assert failure.payload["id"] == 1700009999 and failure.retryable
    (entry,) = uow.store_log.for_store(store.id)
    assert entry.type == "import_failed" and entry.params["external_id"] == "1700009999"


def test_an_order_the_database_refuses_fails_alone_and_the_rest_of_the_page_arrives(uow, store):
    from lojasync.shared.errors import DataRefused

    def refuse_order_two(fake):
        if any(getattr(b, "external_id", None) == "1700000002" for b in fake.bindings.rows):
            raise DataRefused(reason="DataError")

    uow.refuse = refuse_order_two
    report = import_orders(uow, store.id, [order_payload(id=1700000001), order_payload(id=1700000002),
                                           order_payload(id=1700000003)], POLICY)

    outcomes = {r.external_id: r.outcome for r in report.results}
    assert outcomes == {"1700000001": Outcome.CREATED, "1700000003": Outcome.CREATED, "1700000002": Outcome.FAILED}
    (failure,) = uow.failures.list(store.id)
    assert failure.error_code == "nuvemshop.database_refused" and "DataError" in failure.error


# -- link a customer by hand -------------------------------------------------------------------------------------

def test_link_customer_creates_the_customer_and_the_history_names_it_when_shown(uow, store):
    number = import_order(uow, store.id, order_payload(identification=""), POLICY).order_number

    customer = link_customer(uow, number, "529.982.247-25", name="Maria Souza")

    assert customer["tax_id"] == "52998224725"
    entry = show_order(uow, number)["log"][-1]
    assert (entry["event"], entry["actor"]) == ("customer_linked", "operator")
    assert entry["message"] == "Cliente Maria Souza (*******4725) vinculado manualmente."
    with uow:
        (stored,) = [e for e in uow.order_history.for_order(number) if e.type == "customer_linked"]
    assert stored.params == {"customer_id": customer["id"]}  # a reference: the name is read when shown


def test_a_hand_made_change_on_an_order_that_never_came_from_a_store_is_in_its_history(uow):
    from lojasync.sales.orders import Order

    with uow:
        order = Order()  # made in the back office: no store, no binding
        order.subtotal = order.discount = order.freight = order.total = Decimal("0.00")
        uow.orders.add(order)
        uow.commit()
    link_customer(uow, order.id, cpf("111444777"), name="Balcão Ltda")
    (entry,) = show_order(uow, order.id)["log"]
    assert entry["event"] == "customer_linked" and "Balcão Ltda" in entry["message"]
    assert show_order(uow, order.id)["store"] is None


def test_link_customer_errors_carry_codes_and_resolutions(uow, store):
    number = import_order(uow, store.id, order_payload(identification=""), POLICY).order_number
    with pytest.raises(InvalidTaxId) as invalid:
        link_customer(uow, number, "123.456.789-00")
    assert invalid.value.message == "CPF inválido: 123.456.789-00." and invalid.value.code == "sales.invalid_tax_id"
    with pytest.raises(CustomerNameRequired) as unknown:
        link_customer(uow, number, cpf("111444777"))
    assert "Informe o nome" in unknown.value.resolution
    with pytest.raises(OrderNotFound):
        link_customer(uow, 999_999, cpf("111444777"), name="X")


# -- stores -----------------------------------------------------------------------------------------------------

def test_find_store_explains_which_store_is_missing(uow):
    with uow, pytest.raises(NoStoreConnected) as none:
        find_store(uow, None)
    assert none.value.action is Action.CONNECT_STORE
    cipher = TokenCipher("chave de teste")
    add_store(uow, cipher, "111", "token-a", "http://127.0.0.1:9/2025-03")
    add_store(uow, cipher, "222", "token-b", "http://127.0.0.1:9/2025-03")
    with uow, pytest.raises(StoreNotChosen) as two:
        find_store(uow, None)
    assert "111, 222" in two.value.message and two.value.action is Action.CHOOSE_STORE
    with uow, pytest.raises(StoreNotFound) as missing:
        find_store(uow, "333")
    assert missing.value.message == "Loja 333 não está conectada."
    with uow:
        assert cipher.decrypt(find_store(uow, "222").access_token) == "token-b"


def test_app_events_write_the_store_log(uow, store):
    with uow:
        app_suspended(uow, store)
        app_resumed(uow, store)
        app_uninstalled(uow, store)
        uow.commit()
    assert [e.type for e in reversed(uow.store_log.for_store(store.id))] == [
        "app_suspended", "app_resumed", "app_uninstalled"]
    assert store.active is False and store.paused is False



def test_an_inactive_store_says_whether_to_reconnect_or_to_enable_it(uow, store):
    with uow:
        app_uninstalled(uow, store)
        uow.commit()
    with uow:
        uninstalled = inactive_error(uow, store)
    assert uninstalled.action is Action.RECONNECT_STORE and "desinstalado" in uninstalled.message
    set_store_enabled(uow, store.external_id, False)
    with uow:
        disabled = inactive_error(uow, store)
    assert isinstance(disabled, StoreDisabled) and disabled.action is Action.ENABLE_STORE
    assert disabled.code == "nuvemshop.store_disabled"


# -- webhooks: drain, retry ----------------------------------------------------------------------------------------

def test_drain_reads_each_notified_order_once_and_marks_the_events_done(uow, store):
    payload = order_payload(id=1700000555)
    client = FakeStoreClient({"1700000555": payload})
    for _ in range(3):  # the platform delivers at least once
        pending_event(uow, store, "order/paid", "1700000555")

    report = drain_store_events(uow, lambda _: client, POLICY, store.id)

    assert report.events == 3 and client.api_calls == 1 and client.closed
    assert [r.outcome for r in report.imports.results] == [Outcome.CREATED]
    assert {e.status for e in uow.webhook_events.rows} == {"done"}
    (order,) = list_orders(uow)
    assert [e["actor"] for e in show_order(uow, order["number"])["log"]] == ["webhook"]


def test_a_notification_of_a_deleted_order_fails_with_its_reason_and_can_be_retried(uow, store):
    event = pending_event(uow, store, "order/created", "404404")
    drain_store_events(uow, lambda _: FakeStoreClient(), POLICY, store.id)

    (view,) = list_events(uow, failed_only=True)
    assert view.id == event.id and view.error_code == "nuvemshop.not_found" and view.retryable
    assert "não existe na loja" in view.error and "reprocesse a notificação" in view.resolution
    assert retry_events(uow, event.id).stores == [(store.id, store.external_id)]
    assert event.status == "pending"


def test_a_bug_in_the_client_is_not_dressed_as_advice(uow, store):
    pending_event(uow, store, "order/created", "1")

    def broken(_store):
        raise KeyError("bug")

    with pytest.raises(KeyError):
        drain_store_events(uow, broken, POLICY, store.id)
    (event,) = uow.webhook_events.rows
    assert event.status == "pending" and event.attempts == 1  # retried later; failed after 5 attempts


# -- installation and periodic jobs ----------------------------------------------------------------------------------

def test_webhook_registration_is_idempotent(uow):
    client = FakeStoreClient()
    first = ensure_webhooks(client, "https://lojasync.example/webhooks/nuvemshop")
    again = ensure_webhooks(client, "https://lojasync.example/webhooks/nuvemshop")
    assert len(first.created) == len(SUBSCRIBED_EVENTS) and first.complete
    assert again.created == [] and len(again.present) == len(SUBSCRIBED_EVENTS)
    assert first.external_store_id == "1234567"


def test_due_work_and_one_claim_per_round(uow, store):
    now = datetime.now(timezone.utc)
    pending_event(uow, store, "order/paid", "1")
    due = due_work(uow, now, timedelta(minutes=10))
    assert due.stores_to_sync == [store.id] and due.stores_to_drain == [store.id]
    store.last_sync_at = now
    assert due_work(uow, now, timedelta(minutes=10)).stores_to_sync == []
    assert claim_round(uow, "housekeeping", now, timedelta(seconds=50))
    assert not claim_round(uow, "housekeeping", now + timedelta(seconds=10), timedelta(seconds=50))


def test_every_error_a_person_meets_is_a_lojasync_error_with_a_stable_code():
    from lojasync.nuvemshop import errors as connector_errors
    from lojasync.sales import errors as sales_errors

    classes = [c for module in (connector_errors, sales_errors) for c in vars(module).values()
               if isinstance(c, type) and issubclass(c, LojasyncError) and c is not LojasyncError]
    codes = [c.code for c in classes]
    assert len(classes) >= 15 and len(set(codes)) == len(codes)
    assert all(code.startswith(("nuvemshop.", "sales.")) for code in codes)
