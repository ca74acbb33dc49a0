"""Phones as Brazilians read them: "(11) 98765-4321", "(11) 3456-7890"; anything that is not a Brazilian number of
10 or 11 digits shown as given."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lojasync.entrypoints.cli import formats
from lojasync.shared.phone import AREA_CODES, format_phone, national_digits


@pytest.mark.parametrize(("stored", "shown"), [
    ("11987654321", "(11) 98765-4321"), ("1134567890", "(11) 3456-7890"),
    ("+5511987654321", "(11) 98765-4321"), ("+55 (11) 98765-4321", "(11) 98765-4321"),
    ("5511987654321", "(11) 98765-4321"), ("551134567890", "(11) 3456-7890"),   # 55 without "+": 12/13 digits
    ("(11) 3456-7890", "(11) 3456-7890"), ("11 98765.4321", "(11) 98765-4321"),
    ("55991234567", "(55) 99123-4567"),   # Santa Maria (DDD 55): 11 digits are a national number
    ("(011) 98765-4321", "(11) 98765-4321"), ("011 3456-7890", "(11) 3456-7890"),   # the long-distance 0
    ("0 21 11 98765-4321", "(11) 98765-4321"), ("0152134567890", "(21) 3456-7890"),  # and a carrier's code
])
def test_brazilian_numbers_read_as_brazilians_write_them(stored, shown):
    assert format_phone(stored) == shown


@pytest.mark.parametrize("stored", [
    "+1 415 555 2671", "+351912345678", "+44 20 7946 0958",   # other countries
    "12345", "119876543210",                                  # too short, too long
    "10987654321", "2034567890",                              # no such DDD (10, 20)
    "11887654321",                                            # 11 digits that are no mobile (no 9)
    "0800123456", "1101234567",                               # service numbers
    "11 98765-4321 ramal 2", "não tem", "", "+55+11987654321",
])
def test_anything_else_is_shown_as_given(stored):
    assert format_phone(stored) == stored


def test_the_cli_shows_a_dash_for_no_phone():
    assert (formats.phone(None), formats.phone(""), formats.phone("+5511987654321")) == ("—", "—", "(11) 98765-4321")


_DDD = st.sampled_from(sorted(AREA_CODES))
_MOBILE = st.tuples(_DDD, st.from_regex(r"9[0-9]{8}", fullmatch=True)).map(lambda p: f"{p[0]}{p[1]}")
_LANDLINE = st.tuples(_DDD, st.from_regex(r"[2-9][0-9]{7}", fullmatch=True)).map(lambda p: f"{p[0]}{p[1]}")


@given(st.one_of(_MOBILE, _LANDLINE), st.sampled_from(["", "+55", "+55 ", "55", "0", "(0", "0 21 ", "015"]))
def test_formatting_keeps_the_digits_and_reads_as_ddd_and_number(digits, prefix):
    shown = format_phone(prefix + digits)
    assert "".join(c for c in shown if c.isdigit()) == digits
    assert shown.startswith(f"({digits[:2]}) ") and shown[-5] == "-"
    assert format_phone(shown) == shown and national_digits(shown) == digits   # idempotent


@given(st.text(max_size=20))
def test_any_text_is_either_a_brazilian_number_or_left_as_it_is(text):
    shown = format_phone(text)
    assert shown == text or "".join(c for c in shown if c.isdigit()) == national_digits(text)
