"""End to end: `sync_store` against the store simulator over real HTTP."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest

from lojasync.nuvemshop.client.errors import TemporaryError
from lojasync.nuvemshop.order_listing import LISTED_APART
from lojasync.nuvemshop.services.outcomes import Outcome
from lojasync.nuvemshop.services.stores import add_store, list_stores
from lojasync.nuvemshop.services.sync_store import sync_store
from lojasync.sales.views import list_customers, list_orders
from lojasync.shared.tax_id import TaxId, parse_tax_id
from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.server import SimulatorServer


def expected_status(payload: dict) -> str:
    if payload["status"] == "cancelled":
        return "Cancelado"
    return "Confirmado" if payload["payment_status"] == "paid" else "Em Aberto"


def expected_document(payload: dict) -> str | None:
    customer = payload.get("customer") or {}
    for raw in (customer.get("identification"), payload.get("contact_identification")):
        parsed = parse_tax_id(raw)
        if isinstance(parsed, TaxId):
            return parsed.value
    return None


def listing_pages(orders: list[dict], per_page: int, skip: int = 0) -> tuple[int, int]:
    """(pages with orders, calls) of a full sync: the default listing (`skip` of its pages already read), then one
    listing apart for each payment status it leaves out, each asked at least once."""
    default = -(-sum(o["payment_status"] not in LISTED_APART for o in orders) // per_page) - skip
    apart = [-(-sum(o["payment_status"] == status for o in orders) // per_page) for status in LISTED_APART]
    return default + sum(apart), default + sum(max(1, n) for n in apart)


@pytest.fixture()
def server():
    with SimulatorServer(config=SimulatorConfig(orders=450, seed=11, leak_per_second=50.0)) as srv:
        yield srv


@pytest.fixture()
def connected(app, server):
    add_store(app.uow(), app.cipher, server.store_id, server.access_token, server.api_url)
    return server


def run_sync(app, server, page_size=200, client_factory=None, **kwargs):
    return sync_store(app.uow(), client_factory or app.client_for, app.policy(), external_store_id=server.store_id,
                      page_size=page_size, **kwargs)


def test_full_sync_imports_every_order_exactly_once_with_status_and_customer(app, connected):
    report = run_sync(app, connected, page_size=100)

    store_orders = {str(o["id"]): o for o in connected.simulator.orders()}
    pages, calls = listing_pages(connected.simulator.orders(), 100)
    assert report.pages == pages and report.fetched == 450
    assert report.api_calls == calls  # one call per page (and per listing apart): nothing fetched twice
    orders = list_orders(app.read_uow())
    assert len(orders) == 450
    assert {o["store_order_id"] for o in orders} == set(store_orders)
    for order in orders:
        source = store_orders[order["store_order_id"]]
        assert order["status"] == expected_status(source)
        assert order["origin"] == "nuvemshop" and order["store_order_number"] == str(source["number"])
        assert order["total"] == source["total"]
        document = expected_document(source)
        if document:
            assert order["customer"]["tax_id"] == document
        else:
            assert order["customer"] is None and order["customer_problem"]
    documents = [c["tax_id"] for c in list_customers(app.read_uow())]
    assert len(documents) == len(set(documents))
    assert any(not d.isdigit() for d in documents), "the generated store has alphanumeric CNPJs"
    statuses = {o["status"] for o in orders}
    assert statuses == {"Em Aberto", "Confirmado", "Cancelado"}


def test_running_sync_again_duplicates_nothing_and_picks_up_store_changes(app, connected):
    run_sync(app, connected)
    sim = connected.simulator
    pending = next(o for o in sim.orders() if o["status"] == "open" and o["payment_status"] == "pending")
    no_document = next(o for o in sim.orders() if expected_document(o) is None and o["status"] != "cancelled")
    sim.pay_order(pending["id"])
    sim.set_order_identification(no_document["id"], "529.982.247-25")

    report = run_sync(app, connected)
    counts = report.imports.counts()
    assert counts[Outcome.CREATED] == 0
    assert counts[Outcome.UPDATED] == 2
    assert report.since is not None  # incremental: updated_at_min with the overlap window
    orders = {o["store_order_id"]: o for o in list_orders(app.read_uow())}
    assert len(orders) == 450
    assert orders[str(pending["id"])]["status"] == "Confirmado"
    assert orders[str(no_document["id"])]["customer"]["tax_id"] == "52998224725"


def test_a_store_cancellation_that_voided_or_refunded_the_payment_arrives_on_the_next_sync(app, connected):
    """review: the listing without `payment_status` is the platform's "any", which means authorized, pending and paid
    orders; a cancelled order whose payment went voided or refunded was never read again, and stayed Confirmado."""
    run_sync(app, connected)
    sim = connected.simulator
    paid = next(o for o in sim.orders() if o["status"] == "open" and o["payment_status"] == "paid")
    pending = next(o for o in sim.orders() if o["status"] == "open" and o["payment_status"] == "pending")
    for order in (paid, pending):
        sim.cancel_order(order["id"])
    assert {o["payment_status"] for o in sim.orders() if o["id"] in (paid["id"], pending["id"])} == {"refunded",
                                                                                                   "voided"}
    report = run_sync(app, connected)
    assert report.imports.counts()[Outcome.UPDATED] == 2
    orders = {o["store_order_id"]: o for o in list_orders(app.read_uow())}
    assert orders[str(paid["id"])]["status"] == orders[str(pending["id"])]["status"] == "Cancelado"


def test_orders_partially_paid_or_refunded_are_read_and_a_platform_that_knows_no_such_filter_is_no_failure(
        app, connected):
    """Review: the default listing (authorized, pending, paid) leaves out the statuses the newer docs name,
    partially_paid and partially_refunded; nothing asked for them, so such orders were never imported. They are
    listed apart now; a platform that refuses them as a filter (it does not know them) is skipped, not a failure."""
    from lojasync.nuvemshop.client.errors import BadRequestError

    partial = {str(o["id"]) for o in connected.simulator.orders() if o["payment_status"].startswith("partially_")}
    assert partial, "the generated store has orders partially paid"
    refused = []

    def older_platform(store):
        client = app.client_for(store)
        listing = client.iter_order_pages

        def iter_order_pages(params, **kwargs):
            if str(params.get("payment_status", "")).startswith("partially_"):
                refused.append(params["payment_status"])
                raise BadRequestError("payment_status is invalid", status_code=422)
            return listing(params, **kwargs)

        client.iter_order_pages = iter_order_pages
        return client

    report = run_sync(app, connected, client_factory=older_platform)
    assert sorted(refused) == ["partially_paid", "partially_refunded"]
    assert report.fetched == 450 - len(partial)   # on such a platform the default listing would have held them

    run_sync(app, connected, full=True)
    assert partial <= {o["store_order_id"] for o in list_orders(app.read_uow())}


def _cancelling_after_page(app, sim, number: int, cancelled: list[str]):
    """A client factory whose client, once it has read page `number` of the default listing, has the store cancel
    one of that page's orders (its payment voided or refunded: out of the default listing), once."""
    def factory(store):
        client = app.client_for(store)
        listing = client.list_orders_page

        def list_orders_page(params=None, **kwargs):
            page = listing(params, **kwargs)
            default = "payment_status" not in str(kwargs.get("url") or params or "")
            if not cancelled and default and page.page == number:
                victim = next(o for o in page.orders if o["payment_status"] in ("paid", "pending"))
                sim.cancel_order(victim["id"])
                cancelled.append(str(victim["id"]))
            return page

        client.list_orders_page = list_orders_page
        return client
    return factory


def test_an_order_cancelled_on_a_page_already_read_does_not_hide_the_next_pages_first_order(app, connected):
    """Review: pages are positions in a list that changes while it is read. The store cancelled an order of page 1
    after it was read (its payment voided or refunded: out of the default listing), every later order moved back one
    place, and the first of page 2 slid onto page 1: never read, and skipped by the next incremental run too."""
    sim, cancelled = connected.simulator, []
    run_sync(app, connected, page_size=100, client_factory=_cancelling_after_page(app, sim, 1, cancelled))
    imported = {o["store_order_id"]: o for o in list_orders(app.read_uow())}
    assert set(imported) == {str(o["id"]) for o in sim.orders()} and len(imported) == 450
    assert imported[cancelled[0]]["status"] == "Cancelado"   # read again among the refunded or voided


def test_an_order_cancelled_before_the_last_page_of_one_order_does_not_hide_it(app, connected):
    """Review: when the next page had held one order, the shift emptied it (404 past the last page, no total to
    compare): the order that slid back was never read."""
    sim, cancelled = connected.simulator, []
    listed = sum(o["payment_status"] not in LISTED_APART for o in sim.orders())
    per_page = next(n for n in range(200, 1, -1) if listed % n == 1)   # the last page holds one order
    run_sync(app, connected, page_size=per_page,
             client_factory=_cancelling_after_page(app, sim, listed // per_page, cancelled))
    assert cancelled
    imported = {o["store_order_id"] for o in list_orders(app.read_uow())}
    assert imported == {str(o["id"]) for o in sim.orders()}


def test_new_orders_placed_in_the_store_arrive_on_the_next_sync(app, connected):
    run_sync(app, connected)
    new_ids = connected.simulator.create_orders(3)
    report = run_sync(app, connected)
    assert report.imports.counts()[Outcome.CREATED] == 3
    assert {str(i) for i in new_ids} <= {o["store_order_id"] for o in list_orders(app.read_uow())}


def test_interrupted_sync_resumes_where_it_stopped(app, connected):
    calls = {"n": 0}

    def flaky_client(store):
        client = app.client_for(store)
        real = client.list_orders_page

        def list_orders_page(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                raise TemporaryError("Nuvemshop fora do ar (teste)")
            return real(*args, **kwargs)

        client.list_orders_page = list_orders_page
        return client

    with pytest.raises(TemporaryError):
        run_sync(app, connected, page_size=100, client_factory=flaky_client)
    assert len(list_orders(app.read_uow())) == 200
    (store,) = list_stores(app.read_uow())
    assert store.interrupted_run and store.sync_cursor is None

    resumed = run_sync(app, connected, page_size=100)
    pages, calls = listing_pages(connected.simulator.orders(), 100, skip=2)   # from its third page on
    assert resumed.resumed and resumed.pages == pages and resumed.api_calls == calls
    orders = list_orders(app.read_uow())
    assert len(orders) == 450 and len({o["store_order_id"] for o in orders}) == 450
    (store,) = list_stores(app.read_uow())
    assert not store.interrupted_run and store.sync_cursor is not None


def test_sync_survives_429_bursts_from_a_shared_bucket(app):
    config = SimulatorConfig(orders=300, seed=5, bucket_size=6, leak_per_second=20.0)
    with SimulatorServer(config=config) as srv:
        add_store(app.uow(), app.cipher, srv.store_id, srv.access_token, srv.api_url)
        stop = threading.Event()

        def noisy_neighbour():
            # Another app of the same store drains the bucket, so our client meets real 429s.
            with httpx.Client(headers={"Authentication": f"bearer {srv.access_token}", "User-Agent": "vizinho"}) as c:
                while not stop.is_set():
                    for _ in range(8):  # a burst that empties the bucket, then a pause
                        c.get(f"{srv.api_url}/{srv.store_id}/orders", params={"per_page": 1})
                    stop.wait(0.3)

        neighbour = threading.Thread(target=noisy_neighbour, daemon=True)
        neighbour.start()
        try:
            report = run_sync(app, srv, page_size=20)
        finally:
            stop.set()
            neighbour.join(timeout=5)
        assert report.fetched == 300
        assert len(list_orders(app.read_uow())) == 300
        assert srv.simulator.stats()["rate_limited"] > 0


def test_overlap_window_rereads_recent_changes(app, connected):
    run_sync(app, connected)
    (store,) = list_stores(app.read_uow())
    report = run_sync(app, connected)
    cursor = report.since + timedelta(seconds=app.settings.sync_overlap_seconds)
    assert cursor.isoformat() == store.sync_cursor
    assert report.imports.counts()[Outcome.CREATED] == 0


def test_wrong_token_gives_a_portuguese_error_and_keeps_the_run_resumable(app, server):
    add_store(app.uow(), app.cipher, server.store_id, "token-errado", server.api_url)
    from lojasync.nuvemshop.client.errors import UnauthorizedError

    with pytest.raises(UnauthorizedError) as error:
        run_sync(app, server)
    assert "token" in error.value.message.lower() and "token-errado" not in str(error.value)
    assert list_orders(app.read_uow()) == []
