"""The import keeps the currency the store priced an order in: lojasync's documents are in reais, and an order in
another (the platform's own example orders are in USD and ARS) is shown with its own sign and gets none."""

from __future__ import annotations

import pytest

from lojasync.entrypoints.cli import formats
from lojasync.nuvemshop.mapper import map_order
from lojasync.nuvemshop.payloads import parse_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.import_prepare import prepare
from lojasync.sales.status import default_status_rules
from lojasync.shared.money import foreign_currency, in_currency
from tests.factories import order_payload

POLICY = ImportPolicy()


@pytest.mark.parametrize(("currency", "expected"), [
    ("BRL", "BRL"), ("brl", "BRL"), (" USD ", "USD"), ("ARS", "ARS"), (None, None), ("", None), ("  ", None),
    ("a-currency-code-far-too-long", "a-currenc…".upper()),
])
def test_the_currency_as_the_store_says_it(currency, expected):
    data = map_order(parse_order(order_payload(currency=currency)), default_status_rules())
    assert data.currency == expected


def test_reais_and_nothing_said_are_reais():
    assert foreign_currency(None) is None and foreign_currency("BRL") is None
    assert foreign_currency("USD") == "USD"


def test_amounts_in_another_currency_carry_its_sign_not_the_real():
    assert in_currency("1234.50", None) == in_currency("1234.50", "BRL") == "R$ 1.234,50"
    assert in_currency("1234.50", "USD") == "US$ 1.234,50"
    assert in_currency("1234.50", "ARS") == "ARS 1.234,50"
    assert formats.money("10", "EUR") == "€ 10,00" and formats.money(None, "USD") == formats.EMPTY


def test_the_digest_is_unchanged_for_orders_in_reais_and_news_for_another_currency():
    (unsaid,), _ = prepare([order_payload(id=1700000021, number=21, currency=None)], POLICY)
    (reais,), _ = prepare([order_payload(id=1700000021, number=21, currency="BRL")], POLICY)
    (dollars,), _ = prepare([order_payload(id=1700000021, number=21, currency="USD")], POLICY)
    assert unsaid.digest == reais.digest != dollars.digest
