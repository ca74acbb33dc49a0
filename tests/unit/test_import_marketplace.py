"""The import keeps the marketplace an order was sold on (the store's `storefront` "meli": Mercado Livre), which
the NF-e must declare as intermediary; the orders of the store's own site, app, API or form have none."""

from __future__ import annotations

import pytest

from lojasync.nuvemshop.mapper import map_order
from lojasync.nuvemshop.payloads import parse_order
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.import_prepare import prepare
from lojasync.sales.marketplaces import MERCADO_LIVRE
from lojasync.sales.status import default_status_rules
from lojasync.sales.views import show_order
from tests.factories import order_payload, ts

POLICY = ImportPolicy()


@pytest.mark.parametrize(("storefront", "expected"), [
    ("meli", MERCADO_LIVRE), ("MELI", MERCADO_LIVRE), ("store", None), ("mobile", None), ("api", None),
    ("form", None), (None, None), ("", None), ("a-new-channel", None),
])
def test_the_marketplace_from_the_storefront(storefront, expected):
    data = map_order(parse_order(order_payload(storefront=storefront)), default_status_rules())
    assert data.marketplace == expected


def test_the_digest_is_unchanged_for_the_stores_own_orders_and_news_for_a_marketplace_sale():
    (own,), _ = prepare([order_payload(id=1700000011, number=11)], POLICY)
    (site,), _ = prepare([order_payload(id=1700000011, number=11, storefront="store")], POLICY)
    (meli,), _ = prepare([order_payload(id=1700000011, number=11, storefront="meli")], POLICY)
    assert own.digest == site.digest != meli.digest


def test_an_order_imported_before_gets_its_marketplace_silently_on_its_next_read(uow, store):
    # As an earlier version left it: the store's Mercado Livre order imported without its marketplace.
    number = import_order(uow, store, order_payload(id=1700000012), POLICY).order_number
    import_order(uow, store, order_payload(id=1700000012, storefront="meli", updated_at=ts(60)), POLICY)
    order = show_order(uow, number)
    assert order["marketplace"] == "Mercado Livre"
    assert [e["event"] for e in order["log"]] == ["created"]   # filled in, not reported as a change
