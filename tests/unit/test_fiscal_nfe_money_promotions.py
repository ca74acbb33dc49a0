"""A store promotion stays on the lines it applied to: each item's vDesc is its own promotion plus its share of the
rest of the discount (coupon, gateway), and an order the store gave no per-line promotion is spread as before."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from lojasync.fiscal.nfe_data import Crt
from lojasync.fiscal.nfe_money import cents, invoice_amounts, item_value
from tests.unit.test_fiscal_nfe_money import item, items_st, orders, rules_for

D = Decimal


def promoted(quantity, price, promotion):
    return replace(item(quantity, price), promotion=None if promotion is None else D(promotion))


def test_a_promotion_stays_on_its_line_and_the_coupon_is_shared_by_what_is_left_of_each():
    # R$ 20,00 of promotion on the first line (100,00), none on the second (50,00), a coupon of R$ 13,00: the coupon
    # is shared by what each line costs after the promotion (80,00 and 50,00: 8,00 and 5,00).
    items = [promoted(2, "50.00", "20.00"), promoted(1, "50.00", "0.00")]
    amounts = invoice_amounts(items, rules_for(items), freight=D("20.00"), discount=D("33.00"))
    assert [x.discount for x in amounts.lines] == [D("28.00"), D("5.00")]
    assert amounts.totals.discount == D("33.00") and amounts.totals.invoice_total == D("137.00")
    # Regime normal: each item's ICMS base is its own value less its own discount (the freight shared by value).
    assert [x.icms_base for x in amounts.lines] == [D("100.00") + D("13.33") - D("28.00"),
                                                    D("50.00") + D("6.67") - D("5.00")]


def test_without_a_coupon_each_line_has_exactly_its_promotion():
    items = [promoted(1, "3799.00", "379.90"), promoted(1, "1299.00", "129.90"), promoted(1, "500.00", "0.00")]
    amounts = invoice_amounts(items, rules_for(items), freight=D("0.00"), discount=D("509.80"))
    assert [x.discount for x in amounts.lines] == [D("379.90"), D("129.90"), D("0.00")]


def test_lines_without_promotion_data_are_spread_by_value_as_before():
    # NULL per line (an order imported before lojasync kept it): the whole discount by value.
    plain = [item(2, "50.00"), item(1, "50.00")]
    unknown = [promoted(2, "50.00", None), promoted(1, "50.00", None)]
    for items in (plain, unknown):
        amounts = invoice_amounts(items, rules_for(items), freight=D("20.00"), discount=D("33.00"))
        assert [x.discount for x in amounts.lines] == [D("22.00"), D("11.00")]


def test_promotions_that_do_not_fit_the_discount_or_the_lines_fall_back_to_the_spread_by_value():
    by_value = [D("22.00"), D("11.00")]
    for first, second, discount in (("120.00", "0.00", "120.00"),   # more than the line is worth
                                    ("20.00", "20.00", "33.00"),    # more than the order's discount
                                    ("20.00", None, "33.00"),       # a line without data beside one with
                                    ("-1.00", "0.00", "33.00")):    # a negative promotion
        items = [promoted(2, "50.00", first), promoted(1, "50.00", second)]
        amounts = invoice_amounts(items, rules_for(items), freight=D("0.00"), discount=D(discount))
        expected = by_value if discount == "33.00" else [D("80.00"), D("40.00")]
        assert [x.discount for x in amounts.lines] == expected, (first, second, discount)
        assert amounts.totals.discount == D(discount)


@st.composite
def promoted_orders(draw):
    """Items with a promotion each (up to its value), and a discount of at least their promotions."""
    items = draw(items_st)
    values = [item_value(x) for x in items]
    promotions = [D(draw(st.integers(0, int(v * 100)))) / 100 for v in values]
    goods, promoted_total = sum(values, D(0)), sum(promotions, D(0))
    rest = D(draw(st.integers(0, int((goods - promoted_total) * 100)))) / 100
    items = [replace(x, promotion=p) for x, p in zip(items, promotions, strict=True)]
    return items, promotions, promoted_total + rest, draw(st.integers(0, 50_00).map(lambda c: D(c) / 100))


@settings(max_examples=300, deadline=None)
@given(promoted_orders(), st.sampled_from([Crt.SIMPLES_NACIONAL, Crt.REGIME_NORMAL]))
def test_each_line_keeps_its_promotion_and_the_discounts_add_up(order, crt):
    items, promotions, discount, freight = order
    amounts = invoice_amounts(items, rules_for(items, crt), freight=freight, discount=discount)
    assert sum(x.discount for x in amounts.lines) == discount
    for line, promotion in zip(amounts.lines, promotions, strict=True):
        assert promotion <= line.discount <= line.goods and line.discount == cents(line.discount)
    assert amounts.totals.invoice_total == sum((item_value(x) for x in items), D(0)) - discount + freight


@settings(max_examples=100, deadline=None)
@given(orders())
def test_all_lines_without_promotion_spread_the_discount_as_lines_without_the_data(order):
    items, freight, discount, other = order
    zero = [replace(x, promotion=D("0.00")) for x in items]
    before = invoice_amounts(items, rules_for(items), freight=freight, discount=discount, other=other)
    after = invoice_amounts(zero, rules_for(zero), freight=freight, discount=discount, other=other)
    assert after == before
