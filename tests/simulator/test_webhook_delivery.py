"""Signed webhook delivery over real HTTP: retries, app and LGPD events, delivery switches, throughput."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from lojasync.simulators.nuvemshop import (
    DEFAULT_CLIENT_SECRET,
    SIGNATURE_HEADER,
    Simulator,
    SimulatorConfig,
    SimulatorServer,
    retry_offsets,
)

from .conftest import NOW, client_for
from .receiver import Receiver

SCALE = 0.001  # 5 minutes -> 0.3 s


@pytest.fixture()
def make_sim() -> Iterator[Callable[..., Simulator]]:
    made: list[Simulator] = []

    def make(**options) -> Simulator:
        settings = {"orders": 5, "seed": 3, "now": NOW, "webhook_time_scale": SCALE, "bucket_size": 100_000,
                    "leak_per_second": 1000.0, **options}
        made.append(Simulator(SimulatorConfig(**settings)))
        return made[-1]

    yield make
    for sim in made:
        sim.close()


def register(sim: Simulator, event: str, url: str, store_id: str | None = None) -> None:
    sim.mutate_store(lambda s, now: s.create_webhook({"event": event, "url": url}, now), store_id)


def expected_signature(body: bytes, secret: str = DEFAULT_CLIENT_SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_signed_delivery_for_api_registered_webhooks(make_sim, receiver: Receiver, http: httpx.Client) -> None:
    sim = make_sim()
    with SimulatorServer(sim) as server, client_for(server) as api:
        for event in ("order/created", "order/paid"):
            assert api.post("/webhooks", json={"event": event, "url": receiver.url("/nuvemshop")}).status_code == 201
        created = http.post(f"{server.url}/_simulator/{server.store_id}/orders", json={"count": 1}).json()["ids"]
        order_id = created[0]
        assert http.post(f"{server.url}/_simulator/{server.store_id}/orders/{order_id}/pay").status_code == 200
        assert sim.wait_deliveries_idle(30)
        hits = receiver.at("/nuvemshop")
        assert sorted((h.json()["event"], h.json()["id"]) for h in hits) == [
            ("order/created", order_id), ("order/paid", order_id)]
        for hit in hits:
            assert hit.json()["store_id"] == int(server.store_id) and set(hit.json()) == {"store_id", "event", "id"}
            assert hit.headers["x-linkedstore-hmac-sha256"] == expected_signature(hit.body)
            assert hit.headers["x-linkedstore-hmac-sha256"] != expected_signature(hit.body, "another-secret")
            assert hit.headers["content-type"] == "application/json"
            assert hit.headers["user-agent"].startswith("Nuvemshop-Webhooks")
        stats = http.get(f"{server.url}/_simulator/stats").json()
        assert stats["webhooks_sent"] == 2 and stats["webhooks_failed_attempts"] == 0
        assert stats["webhooks_dropped"] == 0 and stats["webhooks_pending"] == 0
        log = http.get(f"{server.url}/_simulator/webhooks/log").json()
        assert sorted((e["event"], e["id"], e["status"], e["attempt"], e["outcome"]) for e in log) == [
            ("order/created", order_id, 200, 1, "ok"), ("order/paid", order_id, 200, 1, "ok")]


def test_signature_uses_configured_secret_over_raw_bytes(make_sim, receiver: Receiver) -> None:
    sim = make_sim(client_secret="00ff" * 8, store_id="98765")
    register(sim, "order/cancelled", receiver.url())
    order = sim.orders()[0]
    sim.cancel_order(order["id"], "fraud")
    assert sim.wait_deliveries_idle(30)
    (hit,) = receiver.at("/hook")
    assert hit.body == json.dumps({"store_id": 98765, "event": "order/cancelled", "id": order["id"]},
                                  separators=(",", ":")).encode()
    assert hit.headers[SIGNATURE_HEADER.lower()] == expected_signature(hit.body, "00ff" * 8)


def test_retries_on_500_follow_compressed_schedule_and_stop_on_2xx(make_sim, receiver: Receiver) -> None:
    # Twice the suite's scale: each attempt may start up to 0.5 s late on a busy machine (CI runs four test
    # processes on two cores), and a schedule read as gaps (the 4th attempt at 2.4 s) is still told apart.
    scale = 2 * SCALE
    sim = make_sim(webhook_time_scale=scale)
    register(sim, "order/created", receiver.url("/flaky"))
    receiver.fail("/flaky", 500, 503, 500)
    order_id = sim.create_order()["id"]
    assert sim.wait_deliveries_idle(30)
    hits = receiver.at("/flaky")
    assert [h.status for h in hits] == [500, 503, 500, 200]
    assert {h.json()["id"] for h in hits} == {order_id} and len({h.body for h in hits}) == 1
    log = sim.webhook_log()
    offsets = [e["at"] - log[0]["at"] for e in log]  # when each attempt started
    expected = [o * scale for o in retry_offsets()[:4]]  # 0, 0, 0.6, 1.8 s
    assert expected == pytest.approx([0, 0, 0.6, 1.8])
    for got, want in zip(offsets, expected, strict=True):
        assert want - 0.01 <= got <= want + 0.5
    assert hits[3].at - hits[0].at > 1.4  # and as seen by the receiver
    assert [(e["attempt"], e["status"], e["outcome"]) for e in log] == [
        (1, 500, "failed"), (2, 503, "failed"), (3, 500, "failed"), (4, 200, "ok")]
    stats = sim.stats()
    assert stats["webhooks_sent"] == 1 and stats["webhooks_failed_attempts"] == 3 and stats["webhooks_gave_up"] == 0
    time.sleep(0.4)
    assert len(receiver.at("/flaky")) == 4  # nothing more after the 2xx


def test_gives_up_after_max_attempts_and_counts_unreachable(make_sim, receiver: Receiver) -> None:
    sim = make_sim(webhook_max_attempts=3, webhook_timeout=2.0)
    receiver.always("/down", 500)
    register(sim, "order/paid", receiver.url("/down"))
    register(sim, "order/paid", "http://127.0.0.1:9/closed")  # nothing listens on the discard port
    sim.pay_order(sim.create_order()["id"])
    assert sim.wait_deliveries_idle(30)
    assert [h.status for h in receiver.at("/down")] == [500, 500, 500]
    refused = [e for e in sim.webhook_log() if e["url"].endswith("/closed")]
    assert [e["attempt"] for e in refused] == [1, 2, 3] and all(e["status"] is None and e["error"] for e in refused)
    assert [e["outcome"] for e in refused] == ["failed", "failed", "gave_up"]
    stats = sim.stats()
    assert stats["webhooks_failed_attempts"] == 6 and stats["webhooks_gave_up"] == 2 and stats["webhooks_sent"] == 0


def test_platform_schedule_shape() -> None:
    offsets = retry_offsets()
    assert offsets[:5] == [0, 0, 300, 900, 1800]
    gaps = [b - a for a, b in itertools.pairwise(offsets)]
    assert gaps[4:] == pytest.approx([g * 1.4 for g in gaps[3:-1]])
    assert offsets[-1] <= 48 * 3600 and len(offsets) <= 18
    assert retry_offsets(4) == [0, 0, 300, 900]


def test_duplicate_count_and_seeded_probability(make_sim, receiver: Receiver) -> None:
    sim = make_sim()
    register(sim, "order/created", receiver.url())
    sim.set_webhook_behaviour(duplicate=3)
    ids = sim.create_orders(2)
    assert sim.wait_deliveries_idle(30)
    counts = Counter(h.json()["id"] for h in receiver.at("/hook"))
    assert counts == {ids[0]: 3, ids[1]: 3}

    def pattern() -> list[int]:
        start = len(receiver.hits)
        sim.set_webhook_behaviour(duplicate=0.5, seed=1234)
        made = sim.create_orders(30)
        assert sim.wait_deliveries_idle(30)
        got = Counter(h.json()["id"] for h in receiver.hits[start:])
        return [got[i] for i in made]

    first, second = pattern(), pattern()
    assert first == second and set(first) == {1, 2}  # same seed, same copies; both kinds occur


def test_drop_next_and_drop_probability(make_sim, receiver: Receiver) -> None:
    sim = make_sim()
    register(sim, "order/created", receiver.url())
    receiver.always("/hook", 500)  # a dropped delivery must not even be tried, let alone retried
    sim.set_webhook_behaviour(drop=3)
    dropped = sim.create_orders(3)
    assert sim.wait_deliveries_idle(30)
    assert receiver.at("/hook") == []
    assert [(e["id"], e["outcome"], e["status"]) for e in sim.webhook_log()] == [(i, "dropped", None) for i in dropped]
    receiver.always("/hook", 200)
    kept = sim.create_orders(2)
    assert sim.wait_deliveries_idle(30)
    assert sorted(h.json()["id"] for h in receiver.at("/hook")) == sorted(kept)
    sim.set_webhook_behaviour(drop=1.0)
    sim.create_orders(4)
    assert sim.wait_deliveries_idle(30)
    stats = sim.stats()
    assert stats["webhooks_dropped"] == 7 and stats["webhooks_sent"] == 2 and len(receiver.hits) == 2


def test_reorder_reverse_groups_and_partial_group_flush(make_sim, receiver: Receiver) -> None:
    sim = make_sim(webhook_workers=1)
    register(sim, "order/created", receiver.url())
    sim.set_webhook_behaviour(reorder=4, reorder_mode="reverse", reorder_window=0.2)
    ids = sim.create_orders(6)
    assert sim.wait_deliveries_idle(30)
    seen = [h.json()["id"] for h in receiver.at("/hook")]
    assert seen == ids[3::-1] + ids[:3:-1]  # a full group of 4 reversed, then the last 2 after the window


def test_reorder_shuffle_is_seeded(make_sim, receiver: Receiver) -> None:
    sim = make_sim(webhook_workers=1)
    register(sim, "order/created", receiver.url())

    def run() -> list[int]:
        start = len(receiver.hits)
        # A window far longer than creating 8 orders takes on a loaded machine: the group is always whole (with the
        # default half second, CI under load released part of it early, and the two orders differed).
        sim.set_webhook_behaviour(reorder=8, reorder_mode="shuffle", seed=99, reorder_window=30)
        ids = sim.create_orders(8)
        assert sim.wait_deliveries_idle(30)
        seen = [h.json()["id"] for h in receiver.hits[start:]]
        assert sorted(seen) == sorted(ids) and seen != ids
        return [ids.index(i) for i in seen]

    assert run() == run()


def test_delay_switch(make_sim, receiver: Receiver) -> None:
    sim = make_sim()
    register(sim, "order/created", receiver.url())
    sim.set_webhook_behaviour(delay=0.4)
    started = time.monotonic()
    sim.create_order()
    assert sim.wait_deliveries_idle(30)
    # The first hit's own time (the receiver's clock), not a look 0.2 s later, which a busy machine could take
    # past the delay: no hit came before the 0.4 s.
    assert receiver.hits[0].at - started >= 0.4


def test_admin_behaviour_endpoint_and_wait(make_sim, receiver: Receiver, http: httpx.Client) -> None:
    sim = make_sim()
    register(sim, "order/created", receiver.url())
    with SimulatorServer(sim) as server:
        admin = f"{server.url}/_simulator"
        answer = http.post(f"{admin}/webhooks/behaviour", json={"duplicate": 2, "delay": 0.05, "seed": 7})
        assert answer.status_code == 200
        assert answer.json()["duplicate_count"] == 2 and answer.json()["delay"] == 0.05
        assert http.post(f"{admin}/webhooks/behaviour", json={"drop": -1}).status_code == 422
        assert http.post(f"{admin}/webhooks/behaviour", json={"explode": True}).status_code == 422
        http.post(f"{admin}/{server.store_id}/orders", json={"count": 2})
        waited = http.post(f"{admin}/webhooks/wait", params={"timeout": 5}).json()
        assert waited["idle"] is True and waited["webhooks_sent"] == 4 and len(receiver.hits) == 4
        reset = http.post(f"{admin}/webhooks/behaviour", json={"reset": True}).json()
        assert reset["duplicate_count"] == 1 and reset["delay"] == 0 and reset["seed"] == 7
        assert http.post(f"{admin}/stats/reset").json()["webhooks_sent"] == 0
        assert http.get(f"{admin}/webhooks/log").json() == []


def test_app_events_suspension_and_uninstall(make_sim, receiver: Receiver, http: httpx.Client) -> None:
    sim = make_sim()
    for event in ("app/suspended", "app/resumed", "app/uninstalled", "order/created"):
        register(sim, event, receiver.url())
    with SimulatorServer(sim) as server, client_for(server) as api:
        admin = f"{server.url}/_simulator/{server.store_id}"
        http.post(f"{admin}/suspend")
        sim.create_order()  # a suspended store sends no order webhooks
        http.post(f"{admin}/resume")
        assert sim.wait_deliveries_idle(30)
        store_id = int(server.store_id)  # (workers run in parallel: arrival order is not guaranteed)
        assert sorted(h.body for h in receiver.hits) == sorted(
            json.dumps({"store_id": store_id, "event": e, "id": store_id}, separators=(",", ":")).encode()
            for e in ("app/suspended", "app/resumed"))
        assert api.get("/orders").status_code == 200
        assert http.post(f"{admin}/uninstall").json()["uninstalled"] is True
        assert sim.wait_deliveries_idle(30)
        assert receiver.hits[-1].json()["event"] == "app/uninstalled"
        assert receiver.hits[-1].headers["x-linkedstore-hmac-sha256"] == expected_signature(receiver.hits[-1].body)
        assert api.get("/orders").status_code == 401  # tokens revoked
        assert sim.webhooks() == [] and sim.stats()["stores"][server.store_id]["installed"] is False
        sim.create_order()
        assert sim.wait_deliveries_idle(30) and len(receiver.hits) == 3
        assert sim.uninstall_app() is False


def test_lgpd_events_go_to_partner_urls(make_sim, receiver: Receiver, http: httpx.Client) -> None:
    sim = make_sim()
    with SimulatorServer(sim) as server:
        admin = f"{server.url}/_simulator"
        assert http.post(f"{admin}/{server.store_id}/redact").status_code == 422  # no URL configured yet
        urls = {"store/redact": receiver.url("/lgpd/store"), "customers/redact": receiver.url("/lgpd/redact"),
                "customers/data_request": receiver.url("/lgpd/request")}
        settings = http.post(f"{admin}/app", json={"lgpd_urls": urls}).json()
        assert settings["lgpd_urls"] == urls
        assert http.post(f"{admin}/app", json={"lgpd_urls": {"store/explode": urls["store/redact"]}}).status_code == 422
        order = sim.orders()[0]
        customer = order["customer"]
        mine = sorted(o["id"] for o in sim.orders() if o["customer"]["id"] == customer["id"])
        assert http.post(f"{admin}/{server.store_id}/redact").status_code == 202
        assert http.post(f"{admin}/{server.store_id}/customers/{customer['id']}/redact").status_code == 202
        answer = http.post(f"{admin}/{server.store_id}/customers/{customer['id']}/data_request",
                            json={"data_request_id": 555})
        assert answer.status_code == 202
        assert http.post(f"{admin}/{server.store_id}/customers/1/redact").status_code == 404
        assert sim.wait_deliveries_idle(30)
    store_id = int(server.store_id)
    person = {"id": customer["id"], "email": customer["email"], "phone": customer["phone"],
              "identification": customer["identification"]}
    (store_hit,) = receiver.at("/lgpd/store")
    assert store_hit.json() == {"store_id": store_id}
    (redact,) = receiver.at("/lgpd/redact")
    assert redact.json() == {"store_id": store_id, "customer": person, "orders_to_redact": mine}
    (request,) = receiver.at("/lgpd/request")
    assert request.json() == {"store_id": store_id, "customer": person, "orders_requested": mine,
                              "data_request": {"id": 555}}
    for hit in receiver.hits:
        assert hit.headers["x-linkedstore-hmac-sha256"] == expected_signature(hit.body)


def test_storm_of_1000_orders_all_delivered_once(make_sim) -> None:
    """Every one of 1,000 webhooks held and then released is delivered, once. How fast is the benchmark's to say
    (benchmarks/webhook_storm.py sends them at >= 500/s): a rate asserted here failed CI on a slower machine (401/s)."""
    script = Path(__file__).with_name("receiver.py")
    process = subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    try:
        base = process.stdout.readline().strip()
        sim = make_sim()
        register(sim, "order/created", f"{base}/storm")
        sim.set_webhook_behaviour(hold=True)
        ids = sim.create_orders(1000)
        stats = sim.stats()
        assert stats["webhooks_queued"] == 1000 and stats["webhooks_pending"] == 1000
        sim.set_webhook_behaviour(hold=False)
        assert sim.wait_deliveries_idle(30)
        assert sim.stats()["webhooks_sent"] == 1000 and sim.stats()["webhooks_failed_attempts"] == 0
        assert sorted(e["id"] for e in sim.webhook_log()) == sorted(ids)
    finally:
        process.stdin.close()
        received = process.stdout.readline().strip()
        process.wait(30)
    assert received == "1000"
