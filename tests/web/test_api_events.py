"""`/api/v1/events`: the store's notifications with the error and "Resolução" of the failed ones; retrying one
or all puts them back in the queue and asks the worker to drain their store (what `lojasync events retry` does)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from lojasync.nuvemshop.model.webhook_events import WebhookEvent
from tests.factories import make_store

ERROR = "O pedido 1700000001 não pôde ser importado: SKU desconhecido."
RESOLUTION = "Cadastre o produto com esse SKU e reprocesse."


@pytest.fixture()
def events(app) -> dict[str, int]:
    """A processed notification and a failed one of the same store (recorded as the receiver records them)."""
    store = make_store(app)
    now = datetime.now(timezone.utc)
    with app.uow() as uow:
        done = WebhookEvent(store, "1234567", "order/created", "1700000000", {"id": 1700000000}, now)
        done.mark_done(now)
        failed = WebhookEvent(store, "1234567", "order/paid", "1700000001", {"id": 1700000001}, now)
        failed.mark_failed(now, ERROR, RESOLUTION, code="nuvemshop.import_failed")
        uow.webhook_events.add(done)
        uow.webhook_events.add(failed)
        uow.commit()
        return {"store": store, "done": done.id, "failed": failed.id}


@pytest.fixture()
def api(web, api_token):
    web.headers["Authorization"] = f"Bearer {api_token}"
    return web


def test_failed_events_show_their_error_and_resolution(api, events):
    listed = api.get("/api/v1/events").json()
    assert {e["id"] for e in listed} == {events["done"], events["failed"]}
    (failed,) = api.get("/api/v1/events", params={"failed": "true"}).json()
    assert (failed["id"], failed["status"], failed["retryable"]) == (events["failed"], "com erro", True)
    assert (failed["error"], failed["resolution"], failed["event"]) == (ERROR, RESOLUTION, "order/paid")
    # Moments in UTC with "Z", as the rest of the API (they were the stored text, "+00:00" or no zone at all).
    assert failed["received_at"].endswith("Z") and failed["processed_at"].endswith("Z")
    assert api.get("/api/v1/events", params={"limit": 0}).status_code == 422


def test_the_list_pages_back_by_id_past_the_newest(api, events):
    """limit stops at 1000 and there was no way past it: after a webhook storm the older failures were out of
    reach. `before` is the next page (by id: the events arriving meanwhile do not shift it)."""
    (newest,) = api.get("/api/v1/events", params={"limit": 1}).json()
    assert newest["id"] == events["failed"]
    (older,) = api.get("/api/v1/events", params={"limit": 1, "before": newest["id"]}).json()
    assert older["id"] == events["done"]
    assert api.get("/api/v1/events", params={"before": older["id"]}).json() == []
    assert api.get("/api/v1/events", params={"before": 2**31}).status_code == 422


def test_retrying_puts_the_event_back_and_drains_its_store(api, events):
    answer = api.post(f"/api/v1/events/{events['failed']}/retry")
    # The store as the rest of the API names it (its Nuvemshop id): what `/orders?store=` takes.
    assert answer.status_code == 200 and answer.json() == {"stores": ["1234567"], "retried": True, "left": 0,
                                                          "left_stores": [], "left_uninstalled": []}
    assert api.get("/api/v1/orders", params={"store": answer.json()["stores"][0]}).status_code == 200
    assert api.get("/api/v1/events", params={"failed": "true"}).json() == []
    assert [args for name, args, _ in api.queue.calls if name == "drain_soon"] == [(events["store"],)]

    assert api.post("/api/v1/events/retry").json() == {"stores": [], "retried": False, "left": 0,
                                                       "left_stores": [], "left_uninstalled": []}   # none failed now
    missing = api.post("/api/v1/events/424242/retry")
    assert missing.status_code == 404 and missing.json()["codigo"] == "nuvemshop.event_not_found"


def test_an_event_that_did_not_fail_is_not_applied_again(api, events):
    """It was put back as pending and applied again: an old "app suspended" would pause the store now."""
    answer = api.post(f"/api/v1/events/{events['done']}/retry")
    assert answer.status_code == 409 and answer.json()["codigo"] == "nuvemshop.event_not_retryable"
    assert answer.json()["erro"] == (f"O evento {events['done']} está processado: só um evento com erro é "
                                     "reprocessado.")
    assert answer.json()["resolucao"] == "Para ler um pedido da loja de novo, use Reprocessar na página do pedido."
    (done,) = [e for e in api.get("/api/v1/events").json() if e["id"] == events["done"]]
    assert done["status"] == "processado"
    assert not [args for name, args, _ in vars(api.queue).get("calls", []) if name == "drain_soon"]


def test_a_processed_event_of_an_imported_order_names_that_order_to_read_again(app, api, events):
    """Both the resolution and na_api said NÚMERO though the event's order was known (review)."""
    from lojasync.nuvemshop.services.import_orders import import_order
    from lojasync.nuvemshop.services.import_policy import ImportPolicy
    from tests.factories import order_payload

    number = import_order(app.uow(), events["store"], order_payload(id=1700000000), ImportPolicy()).order_number
    answer = api.post(f"/api/v1/events/{events['done']}/retry").json()
    assert answer["resolucao"] == f"Para ler o pedido {number} da loja de novo, use Reprocessar na página do pedido."
    assert answer["na_api"].startswith(f"POST /api/v1/orders/{number}/resync")


def test_a_notification_of_a_deactivated_store_is_not_said_retried(app, api, events):
    """It answered 200 "retried" and the worker then ignored it (the store is off): the order was never read."""
    from lojasync.nuvemshop.services.stores import set_store_enabled

    set_store_enabled(app.uow(), "1234567", False)
    answer = api.post(f"/api/v1/events/{events['failed']}/retry")
    assert answer.status_code == 409 and answer.json()["codigo"] == "nuvemshop.event_store_disabled"
    assert answer.json()["erro"] == (f"A notificação {events['failed']} é da loja 1234567, que está desativada no "
                                     "lojasync: reprocessada agora, ela seria ignorada. Ela fica como está.")
    assert answer.json()["resolucao"] == "Reative a loja e depois reprocesse a notificação."
    (failed,) = api.get("/api/v1/events", params={"failed": "true"}).json()
    assert (failed["id"], failed["status"], failed["retryable"]) == (events["failed"], "com erro", True)
    assert not [args for name, args, _ in vars(api.queue).get("calls", []) if name == "drain_soon"]


def test_retrying_all_leaves_the_notifications_of_deactivated_stores_and_says_how_many(app, api, events):
    from lojasync.nuvemshop.services.stores import set_store_enabled

    other = make_store(app, "7654321")
    now = datetime.now(timezone.utc)
    with app.uow() as uow:
        failed = WebhookEvent(other, "7654321", "order/paid", "1700000002", {"id": 1700000002}, now)
        failed.mark_failed(now, ERROR, RESOLUTION, code="nuvemshop.import_failed")
        uow.webhook_events.add(failed)
        uow.commit()
    set_store_enabled(app.uow(), "1234567", False)
    answer = api.post("/api/v1/events/retry")
    assert answer.status_code == 200
    assert answer.json() == {"stores": ["7654321"], "retried": True, "left": 1, "left_stores": ["1234567"],
                             "left_uninstalled": []}
    (still,) = api.get("/api/v1/events", params={"failed": "true"}).json()
    assert still["id"] == events["failed"] and still["retryable"]
    assert [args for name, args, _ in api.queue.calls if name == "drain_soon"] == [(other,)]

    # Only the deactivated store's left: nothing retried, and it says why.
    assert api.post("/api/v1/events/retry").json() == {"stores": [], "retried": False, "left": 1,
                                                       "left_stores": ["1234567"], "left_uninstalled": []}


def test_a_notification_of_an_uninstalled_store_says_to_reconnect_it(app, api, events):
    with app.uow() as uow:   # what app/uninstalled leaves: inactive, and no operator disabled it
        uow.stores.get(events["store"]).active = False
        uow.commit()
    answer = api.post(f"/api/v1/events/{events['failed']}/retry").json()
    assert answer["codigo"] == "nuvemshop.event_store_inactive" and "o app foi desinstalado" in answer["erro"]
    assert answer["resolucao"] == "Reconecte a loja e depois reprocesse a notificação."
    # Retrying all says it of this store too: to reconnect it, not to enable it (review: "Reative a loja" switched on a
    # store whose token died with the uninstall).
    left = api.post("/api/v1/events/retry").json()
    assert (left["left"], left["left_stores"], left["left_uninstalled"]) == (1, ["1234567"], ["1234567"])
