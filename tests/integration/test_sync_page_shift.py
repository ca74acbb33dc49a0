"""The listing read by page numbers while it changes (review of the mission's rules): one order leaving the default
listing (its payment voided by a store cancellation) while another arrives keeps the total, and the order that slid
back onto a page already read was never read, by this run nor by the next incremental one (it did not change)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import httpx

from lojasync.nuvemshop.client.resources import NuvemshopClient
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.sync_store import sync_store
from tests.factories import make_store, order_payload, ts

DEFAULT_LISTING = ("pending", "authorized", "paid")


def _store(orders: list[dict], between_pages, size: int | None = None, default=DEFAULT_LISTING,
           listings: list | None = None) -> httpx.MockTransport:
    """A store API that filters by `updated_at_min` and `payment_status`, keeps creation order, pages by number
    (`size` a page whatever was asked), and runs `between_pages` once, after the first page of the first listing."""
    calls = {"listings": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if not request.url.path.endswith("/orders"):
            return httpx.Response(200, json=[])
        calls["listings"] += 1
        if listings is not None:
            listings.append(dict(params))
        if calls["listings"] == 2:
            between_pages()
        wanted = (params["payment_status"],) if "payment_status" in params else default
        since = params.get("updated_at_min", "").replace("+00:00", "+0000")
        listed = [o for o in orders if o["payment_status"] in wanted and o["updated_at"] >= since]
        number, per_page = int(params.get("page", "1")), size or int(params.get("per_page", "30"))
        last = max(1, -(-len(listed) // per_page))
        following = httpx.QueryParams({k: v for k, v in params.items() if k != "page"}).set("page", str(number + 1))
        links = [f'<https://api.nuvemshop.test/2025-03/1234567/orders?{following}>; rel="next"'] if number < last else []
        return httpx.Response(200, json=listed[(number - 1) * per_page:number * per_page],
                              headers={"Link": ", ".join(links), "X-Total-Count": str(len(listed))})
    return httpx.MockTransport(handler)


def _orders() -> tuple[list[dict], Callable[[], None]]:
    orders = [order_payload(id=1800000000 + i, created_at=ts(i), updated_at=ts(i)) for i in range(1, 6)]

    def cancelled_and_new() -> None:   # between page 1 and page 2: the second order voided, a new one placed
        orders[1].update(payment_status="voided", status="cancelled", updated_at=ts(3600))
        orders.append(order_payload(id=1800000099, created_at=ts(3600), updated_at=ts(3600)))
    return orders, cancelled_and_new


def _client(transport: httpx.MockTransport) -> NuvemshopClient:
    return NuvemshopClient(api_url="https://api.nuvemshop.test/2025-03/", external_store_id="1234567",
                           access_token="t", user_agent="lojasync-test (dev@example.com)", transport=transport,
                           sleep=lambda s: None, clock=time.monotonic)


def test_an_order_that_slid_onto_a_page_already_read_is_read_all_the_same(app):
    store_id = make_store(app)
    transport = _store(*_orders())

    def client(_store):
        return _client(transport)

    with app.uow() as uow:
        uow.stores.get(store_id).sync_cursor = datetime(2026, 11, 27, 11, 50, tzinfo=timezone.utc)
        uow.commit()
    started = datetime(2026, 11, 27, 13, 0, 30, tzinfo=timezone.utc)
    report = sync_store(app.uow(), client, ImportPolicy(), page_size=2, now=lambda: started)
    read = {result.external_id for result in report.imports.results}
    assert read == {f"180000000{i}" for i in range(1, 6)} | {"1800000099"}
    with app.read_uow() as uow:
        assert len(uow.orders.list()) == 6
    # And the next incremental run, from the cursor on, finds nothing it had missed.
    again = sync_store(app.uow(), client, ImportPolicy(), page_size=2, now=lambda: started + timedelta(minutes=15))
    assert all(result.outcome.value != "created" for result in again.imports.results)


def test_the_webhook_drains_listing_reads_an_order_that_slid_onto_a_page_already_read(app):
    """The same listing, read by the drain when many notifications wait: the order that slid was taken for unchanged
    (`_already_imported`), and its notification done with the old version kept."""
    from lojasync.nuvemshop.services.drain_orders import DrainReport, _OrderReader

    store_id = make_store(app)
    client = _client(_store(*_orders(), size=2))
    reader = _OrderReader(app.uow(), client, ImportPolicy(), store_id, DrainReport(store_id), None)
    reader._import_listing(datetime(2026, 11, 27, 11, 50, tzinfo=timezone.utc))
    assert reader.seen == {f"180000000{i}" for i in range(1, 6)} | {"1800000099"}


def test_a_resumed_run_reads_again_the_pages_an_earlier_attempt_read(app):
    """review of this session's commits: the pages an order was read on were only known to the attempt that read
    them; a run resumed after a failure (a 5xx outlasting the retries, a lost lease) re-read nothing, and the order
    that slid was lost all the same."""
    import pytest

    from lojasync.nuvemshop.client.errors import NuvemshopError

    store_id = make_store(app)
    orders, between = _orders()
    inner, failing = _store(orders, between), {"apart": True}

    def handler(request: httpx.Request) -> httpx.Response:
        if failing["apart"] and request.url.params.get("payment_status") == "voided":
            return httpx.Response(500, json={})
        return inner.handle_request(request)

    transport = httpx.MockTransport(handler)
    with app.uow() as uow:
        uow.stores.get(store_id).sync_cursor = datetime(2026, 11, 27, 11, 50, tzinfo=timezone.utc)
        uow.commit()
    started = datetime(2026, 11, 27, 13, 0, 30, tzinfo=timezone.utc)
    with pytest.raises(NuvemshopError):   # the listing apart fails after the default one was read whole
        sync_store(app.uow(), lambda _store: _client(transport), ImportPolicy(), page_size=2, now=lambda: started)
    failing["apart"] = False
    resumed = sync_store(app.uow(), lambda _store: _client(transport), ImportPolicy(), page_size=2,
                         now=lambda: started + timedelta(minutes=1))
    assert resumed.resumed
    with app.read_uow() as uow:
        assert len(uow.orders.list()) == 6


def test_an_order_in_both_listings_with_the_same_status_is_no_order_that_left(app):
    """A platform whose default listing holds a status also listed apart (partially refunded): such an order, read in
    both, did not leave, and the pages are not read again (a full sync of a big store would read them all twice)."""
    make_store(app)
    orders = [order_payload(id=1800000000 + i, created_at=ts(i), updated_at=ts(i),
                            payment_status="partially_refunded" if i == 2 else "paid") for i in range(1, 6)]
    listings: list = []
    transport = _store(orders, lambda: None, default=(*DEFAULT_LISTING, "partially_refunded"), listings=listings)
    report = sync_store(app.uow(), lambda _store: _client(transport), ImportPolicy(), full=True, page_size=2,
                        now=lambda: datetime(2026, 11, 27, 13, 0, 30, tzinfo=timezone.utc))
    assert {r.external_id for r in report.imports.results} == {f"180000000{i}" for i in range(1, 6)}
    default_reads = [p for p in listings if "payment_status" not in p]
    assert len(default_reads) == 3   # pages 1 to 3, once
