"""Money: strict parsing to cents, and splitting a total without losing a cent."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lojasync.shared.money import CENT, ZERO, MoneyError, split_by_weights, to_money

# --- to_money ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5190.00", "5190.00"),
        ("19", "19.00"),
        ("0.1", "0.10"),
        (" 3.5 ", "3.50"),
        ("-12.30", "-12.30"),
        ("1e3", "1000.00"),
        (12, "12.00"),
        (0, "0.00"),
        (Decimal("7.25"), "7.25"),
        (Decimal("1.005"), "1.01"),  # half up
        (Decimal("1.004"), "1.00"),
        ("2.675", "2.68"),  # a float would say 2.67
        ("-0.005", "-0.01"),  # half away from zero
        (None, "0.00"),
        ("", "0.00"),
    ],
)
def test_to_money_parses_and_quantizes_to_cents(raw, expected):
    result = to_money(raw)
    assert isinstance(result, Decimal)
    assert result == Decimal(expected)
    assert str(result) == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize("raw", [1.5, 0.0, 5190.0, float("nan"), True, False])
def test_to_money_refuses_floats_and_booleans(raw):
    with pytest.raises(MoneyError, match="texto decimal"):
        to_money(raw)


@pytest.mark.parametrize(
    "raw",
    ["abc", "1,50", "R$ 10,00", "10.00.00", " ", "NaN", "Infinity", "-inf", "sNaN", [], {}, [1], object(), "1e30",
     Decimal("NaN"), Decimal("Infinity")],
)
def test_to_money_refuses_garbage(raw):
    with pytest.raises(MoneyError):
        to_money(raw)


def test_money_error_is_a_value_error():
    # Pydantic turns ValueError raised in validators into a ValidationError; anything else escapes it.
    assert issubclass(MoneyError, ValueError)


def test_huge_amount_is_a_money_error_not_a_decimal_exception():
    with pytest.raises(MoneyError, match="fora do limite"):
        to_money("1E+26")


money_decimals = st.decimals(
    min_value=Decimal("-1000000000"), max_value=Decimal("1000000000"), places=2,
    allow_nan=False, allow_infinity=False,
)


@settings(max_examples=200, deadline=None)
@given(money_decimals)
def test_two_place_strings_round_trip_exactly(amount):
    assert to_money(str(amount)) == amount
    assert to_money(format(amount, "f")) == amount
    assert to_money(amount) == amount


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=-10**9, max_value=10**9, places=6, allow_nan=False, allow_infinity=False))
def test_result_is_within_half_a_cent_of_the_input(amount):
    result = to_money(str(amount))
    assert result.as_tuple().exponent == -2
    assert abs(result - amount) <= Decimal("0.005")


# --- split_by_weights -------------------------------------------------------------------------------------


def test_split_empty_weights():
    assert split_by_weights(Decimal("10.00"), []) == []


def test_split_equal_weights_gives_leftover_cents_to_the_first():
    assert split_by_weights(Decimal("10.00"), [Decimal(1)] * 3) == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]
    assert split_by_weights(Decimal("0.02"), [Decimal(1)] * 3) == [Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]


def test_split_largest_remainder_goes_to_the_biggest_loss():
    # exact shares 3.333.., 6.666..: the second lost more in the flooring and gets the cent
    assert split_by_weights(Decimal("10.00"), [Decimal(1), Decimal(2)]) == [Decimal("3.33"), Decimal("6.67")]


def test_split_proportional_exact():
    parts = split_by_weights(Decimal("60.00"), [Decimal("10.00"), Decimal("20.00"), Decimal("30.00")])
    assert parts == [Decimal("10.00"), Decimal("20.00"), Decimal("30.00")]


def test_split_all_zero_weights_splits_equally():
    assert split_by_weights(Decimal("1.00"), [ZERO, ZERO]) == [Decimal("0.50"), Decimal("0.50")]


def test_split_zero_total():
    assert split_by_weights(ZERO, [Decimal(1), Decimal(5)]) == [ZERO, ZERO]


def test_split_single_weight_takes_everything():
    assert split_by_weights(Decimal("123.45"), [Decimal("0.01")]) == [Decimal("123.45")]


def test_split_zero_weight_part_gets_nothing():
    parts = split_by_weights(Decimal("9.99"), [Decimal(1), ZERO, Decimal(2)])
    assert parts[1] == ZERO
    assert sum(parts) == Decimal("9.99")


totals = st.integers(min_value=0, max_value=10**11).map(lambda cents: Decimal(cents) * CENT)
weights = st.lists(
    st.decimals(min_value=0, max_value=Decimal("1000000"), places=2, allow_nan=False, allow_infinity=False),
    min_size=1, max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(totals, weights)
def test_split_parts_sum_exactly_and_each_is_within_a_cent_of_its_share(total, ws):
    parts = split_by_weights(total, ws)
    assert len(parts) == len(ws)
    assert sum(parts, ZERO) == total
    weight_sum = sum((Fraction(w) for w in ws), Fraction(0))
    for part, w in zip(parts, ws, strict=True):
        assert part.as_tuple().exponent == -2
        assert part >= 0
        share = Fraction(total) * Fraction(w) / weight_sum if weight_sum else Fraction(total) / len(ws)
        assert abs(Fraction(part) - share) < Fraction(1, 100)


@settings(max_examples=100, deadline=None)
@given(totals, st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=12))
def test_split_is_stable_under_scaling_the_weights(total, ints):
    ws = [Decimal(i) for i in ints]
    assert split_by_weights(total, ws) == split_by_weights(total, [w * 10 for w in ws])


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=-10**9, max_value=0).map(lambda c: Decimal(c) * CENT), weights)
def test_split_negative_total_still_sums_exactly(total, ws):
    parts = split_by_weights(total, ws)
    assert sum(parts, ZERO) == total
    assert all(part <= 0 for part in parts)
