"""The store's promotion on each line, read from `promotional_discount`: kept when it is the lines' own part of the
order's discount, left out (None: the discount is shared by value, as before) when it is not, never a refusal."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest

from lojasync.nuvemshop.mapper import map_order
from lojasync.nuvemshop.payloads import parse_order
from lojasync.nuvemshop.promotions import line_promotions
from lojasync.sales.status import default_status_rules
from tests.factories import order_payload
from tests.integration.test_invoice_money import ONE_LINE_PROMOTED, PROMOTION

D = Decimal


def promotions_of(**payload):
    return [line.promotion for line in map_order(parse_order(order_payload(**payload)), default_status_rules()).lines]


def test_each_line_gets_its_promotion_and_the_others_none():
    assert promotions_of(**ONE_LINE_PROMOTED) == [D("20.00"), D("0.00")]


def test_a_real_order_as_the_api_sends_it_json_numbers_and_all():
    payload = json.loads(json.dumps(order_payload(**PROMOTION), default=str), parse_float=D)
    promotions = line_promotions(parse_order(payload))
    assert promotions == {"993838565": D("379.90"), "993842616": D("129.90"), "993843208": D("129.90"),
                          "993836429": D("349.90")}


def test_an_order_without_a_promotion_keeps_no_per_line_data():
    empty = {"id": None, "total_discount_amount": "0.00", "contents": [], "promotions_applied": []}
    assert promotions_of(promotional_discount=empty) == [None, None]
    assert promotions_of() == [None, None]


def _promotion(**changes) -> dict:
    promotion = copy.deepcopy(ONE_LINE_PROMOTED["promotional_discount"])
    promotion["contents"][0].update(changes.pop("content", {}))
    return {**promotion, **changes}


@pytest.mark.parametrize("promotion, why", [
    (_promotion(total_discount_amount="25.00"), "the entries are not the whole promotion"),
    (_promotion(content={"id": 99}), "an entry for a line the order does not have"),
    (_promotion(content={"total_discount_amount": "vinte"}), "no amount"),
    (_promotion(content={"total_discount_amount": -20}, total_discount_amount="-20.00"), "negative"),
    (_promotion(contents="nada"), "contents not a list"),
    ("promoção", "not an object"),
    ([], "the platform's empty object"),
])
def test_promotion_data_that_does_not_add_up_is_left_out_and_the_order_still_read(promotion, why):
    assert promotions_of(**{**ONE_LINE_PROMOTED, "promotional_discount": promotion}) == [None, None], why


def test_a_promotion_beyond_its_lines_value_is_left_out():
    # R$ 120,00 off a line of R$ 100,00, within an order's discount that could hold it (a freight-covering coupon).
    beyond = _promotion(total_discount_amount="120.00", content={"total_discount_amount": 120})
    assert promotions_of(**{**ONE_LINE_PROMOTED, "promotional_discount": beyond, "discount": "133.00",
                            "total": "37.00"}) == [None, None]


def test_a_promotion_the_discount_does_not_hold_is_left_out():
    # The platform counts the promotion in `discount`: one beyond it is not what the discount is made of.
    assert promotions_of(**{**ONE_LINE_PROMOTED, "discount": "13.00", "total": "157.00"}) == [None, None]
