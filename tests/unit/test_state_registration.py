"""Inscrição estadual: the form the NF-e takes, and each UF's rule (erpbrasil.base's, called the way it works)."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lojasync.fiscal.municipalities import UF_CODES
from lojasync.shared.address import UnknownState
from lojasync.shared.state_registration import (
    ISENTO,
    InvalidStateRegistration,
    check_ie,
    format_ie,
    is_valid_ie,
    normalise_ie,
)

# Valid registrations per UF, from erpbrasil.base 2.5.1's own tests (tests/test_fiscal_ie_validar.py), and the
# same numbers with the last digit changed (their DV no longer matches).
VALID = {
    "AC": "0102190200165", "AL": "241065550", "AM": "042933684", "AP": "030380340", "BA": "41902653",
    "CE": "063873770", "DF": "0732709900174", "ES": "082376123", "GO": "103450599", "MA": "121498298",
    "MG": "2615950220092", "MS": "283370645", "MT": "00133337413", "PA": "151925941", "PB": "161435947",
    "PE": "18171203059328", "PI": "169609154", "PR": "4100161414", "RJ": "78890169", "RN": "2074337760",
    "RO": "00000001656554", "RR": "240151303", "RS": "0240130111", "SC": "255830696", "SE": "271126973",
    "SP": "110042490114", "TO": "290021014",
}


def _last_digit_changed(ie: str) -> str:
    return ie[:-1] + str((int(ie[-1]) + 1) % 10)


def test_every_uf_has_an_example():
    assert set(VALID) == set(UF_CODES)


@pytest.mark.parametrize(("uf", "ie"), sorted(VALID.items()))
def test_valid_registrations(uf, ie):
    check_ie(ie, uf)
    assert is_valid_ie(ie, uf.lower())


@pytest.mark.parametrize(("uf", "ie"), sorted(VALID.items()))
def test_a_wrong_check_digit_is_refused_in_portuguese(uf, ie):
    wrong = _last_digit_changed(ie)
    with pytest.raises(InvalidStateRegistration) as raised:
        check_ie(wrong, uf)
    error = raised.value
    assert error.code == "fiscal.invalid_state_registration"
    assert error.message == f"Inscrição estadual {wrong} inválida para {uf}."
    assert "Corrija a inscrição estadual do cliente" in error.resolution


@pytest.mark.parametrize(("uf", "other"), [("SP", "MG"), ("MG", "SP"), ("RJ", "SP"), ("SP", "RJ"), ("BA", "PE")])
def test_a_registration_of_another_uf_is_refused(uf, other):
    assert not is_valid_ie(VALID[uf], other)


def test_a_short_number_is_refused():
    with pytest.raises(InvalidStateRegistration) as raised:
        check_ie("123", "SP")
    assert raised.value.message == "Inscrição estadual 123 inválida para SP."


def test_formatted_registrations_and_state_names():
    check_ie("110.042.490.114", "SP")
    check_ie("110.042.490.114", "São Paulo")
    check_ie("261.595.022.0092", "minas gerais")


@pytest.mark.parametrize("uf", sorted(UF_CODES))
def test_all_zeros_is_refused_everywhere(uf):
    # erpbrasil.base pads short values with zeros: "0" and "000000000" pass its rule in many UFs.
    for zeros in ("0", "00", "0" * 9, "0" * 13, "0" * 14):
        assert not is_valid_ie(zeros, uf)


def test_too_long_is_refused():
    assert not is_valid_ie("0" + VALID["PE"], "PE")  # 15 digits: the schema takes 14 at most


@pytest.mark.parametrize("value", ["ISENTO", "isento", " Isento ", "ISENTA", "isento."])
def test_isento_is_valid_in_any_uf(value):
    assert normalise_ie(value) == ISENTO
    for uf in UF_CODES:
        check_ie(value, uf)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_no_registration_is_not_valid(value):
    with pytest.raises(InvalidStateRegistration) as raised:
        check_ie(value, "SP")
    assert raised.value.message == "Inscrição estadual não informada para SP."


def test_an_unknown_uf():
    with pytest.raises(UnknownState):
        check_ie(VALID["SP"], "XX")


def test_sao_paulo_rural_producer():
    # Rural producer: "P", then 0, seven digits, a DV, and three digits (erpbrasil.base's example).
    check_ie("P-04527418.2/118", "SP")
    check_ie("P045274182118", "sp")
    assert normalise_ie("P-04527418.2/118") == "045274182118"  # what the NF-e carries
    assert not is_valid_ie("045274182118", "SP")  # without the P it is read as a commercial IE
    assert not is_valid_ie("P-04527418.3/118", "SP")  # its DV (ninth digit) changed


# --- normalising ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("110.042.490.114", "110042490114"), (" 110042490114 ", "110042490114"), ("IE: 110042490114", "110042490114"),
    ("isento", ISENTO), ("Isenta", ISENTO), (None, None), ("", None), ("  ", None), ("-", None),
    ("não tenho", None), ("Não contribuinte", None),
])
def test_normalise_ie(raw, expected):
    assert normalise_ie(raw) == expected


@given(st.text(string.digits + string.ascii_letters + " .-/", max_size=20))
def test_normalise_gives_digits_isento_or_nothing_and_is_idempotent(raw):
    value = normalise_ie(raw)
    assert value is None or value == ISENTO or value.isdigit()
    assert normalise_ie(value) == value


# --- São Paulo's rule computed here, independently of erpbrasil.base ----------------------------------------

def _sp_dv(digits: str, weights: tuple[int, ...]) -> str:
    # SEFAZ-SP: the DV is the rightmost digit of the remainder of the weighted sum by 11.
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


@st.composite
def sp_registrations(draw) -> str:
    base = draw(st.text(string.digits, min_size=8, max_size=8))
    first = base + _sp_dv(base, (1, 3, 4, 5, 6, 7, 8, 10))
    middle = first + draw(st.text(string.digits, min_size=2, max_size=2))
    ie = middle + _sp_dv(middle, (3, 2, 10, 9, 8, 7, 6, 5, 4, 3, 2))
    if set(ie) == {"0"}:
        ie = "110042490114"
    return ie


@given(sp_registrations(), st.sampled_from([8, 11]), st.integers(1, 9))
def test_sao_paulo_rule(ie, position, shift):
    check_ie(ie, "SP")
    changed = ie[:position] + str((int(ie[position]) + shift) % 10) + ie[position + 1:]
    assert not is_valid_ie(changed, "SP")


# -- shown to people -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("ie", "uf", "shown"), [
    ("110042490114", "SP", "110.042.490.114"), ("110042490114", "São Paulo", "110.042.490.114"),
    ("2615950220092", "MG", "261.595.022/0092"), ("78890169", "RJ", "78.890.16-9"),
    ("0240130111", "RS", "024/0130111"), ("255830696", "SC", "255.830.696"),
    # Without the UF (or with one we cannot read), the number decides when it is valid in one UF only.
    ("110042490114", None, "110.042.490.114"), ("78890169", None, "78.890.16-9"),
    ("110042490114", "Atlântida", "110.042.490.114"),
])
def test_an_ie_is_shown_with_the_punctuation_of_its_uf(ie, uf, shown):
    assert format_ie(ie, uf) == shown
    assert normalise_ie(shown) == ie   # typed back as shown, it is the same registration


@pytest.mark.parametrize(("ie", "uf"), [
    ("41902653", "BA"), ("18171203059328", "PE"),   # two lengths in the UF: no single mask
    ("0240130111", None), ("255830696", None),       # valid in more than one UF: which mask is not certain
    ("110042490114", "MG"), ("78890169", "SP"),      # not a registration of that UF
    ("110042490115", "SP"), ("110042490115", None),  # wrong check digit
    ("ISENTO", "SP"), ("P011004243002", "SP"),        # exempt, rural producer
])
def test_an_ie_is_shown_as_stored_when_its_mask_is_not_certain(ie, uf):
    assert format_ie(ie, uf) == ie


# The length of each UF's mask and where its check digits are (SP: the 9th and the 12th).
_MASKED = {"SP": (12, (8, 11)), "MG": (13, (11, 12)), "RJ": (8, (6, 7)), "RS": (10, (8, 9)), "SC": (9, (7, 8))}


def _with_check_digits(uf: str, base: str) -> str | None:
    """`base` with the check digits that make it a valid registration of `uf` (found by trying them all)."""
    first, second = _MASKED[uf][1]
    for a in range(10):
        for b in range(10):
            ie = "".join(str(a) if i == first else str(b) if i == second else c for i, c in enumerate(base))
            if is_valid_ie(ie, uf):
                return ie
    return None


@given(st.sampled_from(sorted(_MASKED)), st.data())
def test_formatting_a_valid_ie_keeps_its_digits_and_normalises_back(uf, data):
    base = data.draw(st.from_regex(rf"[0-9]{{{_MASKED[uf][0]}}}", fullmatch=True))
    ie = _with_check_digits(uf, base)
    assume(ie is not None)
    shown = format_ie(ie, uf)
    assert shown != ie and "".join(c for c in shown if c.isdigit()) == ie and normalise_ie(shown) == ie


def test_an_invalid_ie_in_a_uf_that_refuses_isento_is_not_told_to_type_isento() -> None:
    """CLI walkthrough: in MG the advice said "informe ISENTO", which the next command refused (805)."""
    with pytest.raises(InvalidStateRegistration) as mg:
        check_ie("12345", "MG")
    assert "MG não admite contribuinte isento" in mg.value.resolution and "informe ISENTO" not in mg.value.resolution
    with pytest.raises(InvalidStateRegistration) as rj:
        check_ie("12345", "RJ")
    assert "informe ISENTO" in rj.value.resolution


def test_goias_registrations_beginning_21_to_29_are_valid():
    """review: erpbrasil accepts only 10, 11 and 20 (Sintegra: 10, 11, 20 to 29); the check digit still counts."""
    assert is_valid_ie("211234567", "GO") and is_valid_ie("201234564", "GO") and is_valid_ie("109876547", "GO")
    assert not is_valid_ie("211234568", "GO") and not is_valid_ie("301234567", "GO")


def test_sao_paulo_rural_producer_whose_remainder_is_ten_has_check_digit_zero():
    """review: erpbrasil compared the ninth digit with the remainder itself, which cannot match when it is 10; Sintegra
    takes its rightmost digit: P-0100000 4: 1*3 + 4*10 = 43, 43 mod 11 = 10, check digit 0."""
    check_ie("P-01000004.0/001", "SP")
    assert not is_valid_ie("P-01000004.1/001", "SP")
    check_ie("P-01100424.3/002", "SP")   # Sintegra's own example: remainder 3
    # P-0MMMSSSS: the digit after the P is 0 (review: the own rule dropped that check erpbrasil made).
    assert not is_valid_ie("P912345673000", "SP") and not is_valid_ie("P-11100424.3/002", "SP")


def test_pernambuco_former_fourteen_digit_registration_with_remainder_one_has_check_digit_zero():
    """review: CACEPE's rule subtracts 10 when 11 minus the remainder is above 9; erpbrasil did so only above 10, so
    18.1.001.0000009-0 (sum 67, remainder 1) was refused."""
    check_ie("18.1.001.0000009-0", "PE")
    assert not is_valid_ie("18100100000091", "PE")
    assert is_valid_ie(VALID["PE"], "PE") and is_valid_ie("18100100000049", "PE")
    assert is_valid_ie("032141840", "PE")   # the 9-digit e-Fisco number: erpbrasil's rule, as before


@pytest.mark.parametrize(("short", "uf", "kept"), [("60000015", "CE", "060000015"), ("130000019", "MT", "00130000019"),
                                                  ("63873770", "CE", "063873770")])
def test_an_ie_missing_its_leading_zeros_is_kept_at_its_ufs_length(short, uf, kept):
    """review: accepted (the rule pads it), it was kept and sent short; the state registers it with the zeros."""
    from lojasync.shared.state_registration import full_length, registration_to_keep

    assert registration_to_keep(short, uf) == kept and full_length(kept, uf) == kept
    assert full_length("2074337760", "RN") == "2074337760" and full_length("20743377", "BA") == "20743377"
