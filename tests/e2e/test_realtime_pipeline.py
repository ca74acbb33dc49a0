"""Store → signed webhook → `lojasync serve` → queue → worker → Pedidos/Orçamentos, over real HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lojasync.nuvemshop.services.events_admin import list_events
from lojasync.sales.views import list_orders
from tests.e2e.live import LiveInstallation, wait_until


def erp_orders(app) -> dict[str, dict]:
    return {o["store_order_id"]: o for o in list_orders(app.read_uow())}


@pytest.fixture()
def live(app, tmp_path, monkeypatch):
    with LiveInstallation(app, tmp_path, monkeypatch) as installation:
        yield installation


def test_orders_placed_and_paid_arrive_within_seconds(app, live):
    sim = live.simulator
    ids = sim.create_orders(5)
    sim.pay_order(ids[0])
    sim.cancel_order(ids[1])

    def arrived():
        orders = erp_orders(app)
        return all(str(i) in orders for i in ids) and orders[str(ids[0])]["status"] == "Confirmado" \
            and orders[str(ids[1])]["status"] == "Cancelado"
    wait_until(arrived, timeout=30)
    orders = erp_orders(app)
    assert {orders[str(i)]["status"] for i in ids[2:]} == {"Em Aberto"}
    assert all(o["origin"] == "nuvemshop" for o in orders.values())


def test_duplicated_and_reversed_deliveries_give_one_order_in_the_right_state(app, live):
    sim = live.simulator
    sim.set_webhook_behaviour(duplicate=3, reorder=4, reorder_mode="reverse", reorder_window=0.5)
    order_id = sim.create_order()["id"]
    sim.pay_order(order_id)
    others = sim.create_orders(2)
    assert sim.wait_deliveries_idle(30)

    wait_until(lambda: str(order_id) in erp_orders(app) and all(str(i) in erp_orders(app) for i in others))
    wait_until(lambda: not [e for e in list_events(app.read_uow(), limit=500) if e.status == "pendente"])
    orders = list_orders(app.read_uow())
    # A coalesced read may bring other recently changed orders too; none may appear twice.
    assert len(orders) == len({o["store_order_id"] for o in orders})
    assert {str(order_id), *map(str, others)} <= {o["store_order_id"] for o in orders}
    assert erp_orders(app)[str(order_id)]["status"] == "Confirmado"
    events = list_events(app.read_uow(), limit=500)
    assert len(events) >= 9 and all(e.status == "processado" for e in events)


def test_a_dropped_webhook_is_healed_by_the_periodic_reconciliation(app, live):
    sim = live.simulator
    sim.set_webhook_behaviour(drop=1)
    lost = sim.create_order()["id"]
    assert sim.wait_deliveries_idle(30)
    assert sim.stats()["webhooks_dropped"] == 1
    seen = sim.create_order()["id"]
    wait_until(lambda: str(seen) in erp_orders(app))
    assert str(lost) not in erp_orders(app)

    # Time passes: the store is due for its reconciliation (every 10 minutes by default).
    with app.uow() as uow:
        uow.stores.get(live.store_id).last_sync_at = datetime.now(timezone.utc) - timedelta(minutes=11)
        uow.commit()
    live.queue.housekeeping()
    wait_until(lambda: str(lost) in erp_orders(app), timeout=30)


def test_lgpd_notifications_the_platform_sends_to_their_own_addresses_are_applied(app, live):
    """LGPD review: the platform sends customers/redact, customers/data_request and store/redact to the address set
    for each in the partner portal, with no "event" in the body; every one was refused with 400 ("Notificação sem os
    campos 'event' e 'store_id'") and nobody's data was ever erased or exported."""
    from lojasync.entrypoints.web.webhooks import lgpd_webhook_paths
    from lojasync.nuvemshop.services.lgpd.exports import list_exports
    from lojasync.sales.views import show_order

    sim = live.simulator
    base = f"http://127.0.0.1:{live.port}"
    assert lgpd_webhook_paths() == ["/webhooks/nuvemshop/customers/data_request", "/webhooks/nuvemshop/customers/redact",
                                    "/webhooks/nuvemshop/store/redact"]
    sim.set_lgpd_urls({path.removeprefix("/webhooks/nuvemshop/"): base + path for path in lgpd_webhook_paths()})
    placed = sim.create_order()
    wait_until(lambda: erp_orders(app).get(str(placed["id"]), {}).get("customer") is not None)
    person = placed["customer"]["id"]

    asked = sim.request_customer_data(person)
    wait_until(lambda: list_exports(app.read_uow()))
    (export,) = list_exports(app.read_uow())
    assert str(asked["data_request"]["id"]) in str(export)

    sim.redact_customer(person)
    number = erp_orders(app)[str(placed["id"])]["number"]
    wait_until(lambda: any(e["event"] == "lgpd_customer_redact" for e in show_order(app.read_uow(), number)["log"]))
    assert erp_orders(app)[str(placed["id"])]["contact_name"] is None
    lgpd = [entry for entry in sim.webhook_log() if entry["kind"] == "lgpd"]
    assert [entry["event"] for entry in lgpd] == ["customers/data_request", "customers/redact"], lgpd
    assert {entry["status"] for entry in lgpd} == {200}, lgpd
