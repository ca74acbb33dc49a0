"""NF-e access key: published keys, the alphanumeric CNPJ, erpbrasil.base's ChaveDFe as a second opinion, and
the random code (cNF) SEFAZ accepts."""

from __future__ import annotations

import string
from datetime import date, datetime, timedelta, timezone

import pytest
from erpbrasil.base.fiscal import dfe
from erpbrasil.base.misc import modulo11
from hypothesis import given
from hypothesis import strategies as st

from lojasync.fiscal.access_key import (
    EMISSION_TYPES,
    AccessKeyParts,
    InvalidAccessKey,
    build_access_key,
    check_digit,
    draw_random_code,
    is_rejected_random_code,
    is_valid_access_key,
    parse_access_key,
)
from lojasync.fiscal.municipalities import UF_CODES
from lojasync.shared.tax_id import cnpj_check_digits

# nfelib's sample NF-e (see shared/fiscal/NFE.md).
PUBLISHED = ("35200159594315000157550010000000012062777161", "41170706117473000150550010000463202612756525")
ALNUM_CNPJ = "12ABC34501DE35"

cnpjs = st.text(string.digits + string.ascii_uppercase, min_size=12, max_size=12).filter(
    lambda base: len(set(base)) > 1).map(lambda base: base + cnpj_check_digits(base))
numbers = st.integers(1, 999_999_999)
key_arguments = st.fixed_dictionaries({
    "uf_code": st.sampled_from(sorted(UF_CODES.values())),
    "issued": st.dates(date(2006, 1, 1), date(2099, 12, 31)),
    "cnpj": cnpjs,
    "series": st.integers(0, 999),
    "number": numbers,
    "emission_type": st.sampled_from(EMISSION_TYPES),
    "model": st.sampled_from((55, 65)),
})

# Every cNF of rejection 897: one digit repeated, ascending and descending runs (wrapping 9 -> 0).
RUNS = ({d * 8 for d in string.digits}
        | {("0123456789" * 2)[i:i + 8] for i in range(10)}
        | {("9876543210" * 2)[i:i + 8] for i in range(10)})


class Draws:
    """A stand-in for secrets.randbelow that returns the values it is given, in order."""

    def __init__(self, *values: int) -> None:
        self.values = list(values)
        self.bounds: list[int] = []

    def __call__(self, bound: int) -> int:
        self.bounds.append(bound)
        return self.values.pop(0)


# --- check digit and published keys -------------------------------------------------------------------------

@pytest.mark.parametrize("key", PUBLISHED)
def test_published_keys_are_valid_and_parse_to_their_fields(key):
    assert check_digit(key[:43]) == key[43]
    assert is_valid_access_key(key)
    assert parse_access_key(key).key == key


def test_published_key_fields():
    parts = parse_access_key(PUBLISHED[0])
    assert parts == AccessKeyParts(uf_code="35", year_month="2001", cnpj="59594315000157", model=55, series=1,
                                   number=1, emission_type=2, random_code="06277716", check_digit="1")
    assert (parts.year, parts.month) == (2020, 1)


@pytest.mark.parametrize("key", PUBLISHED)
@pytest.mark.parametrize("position", range(44))
def test_any_changed_digit_breaks_a_published_key(key, position):
    # Mod 11 with weights 2..9 catches every single-digit substitution.
    for digit in string.digits:
        if digit != key[position]:
            assert not is_valid_access_key(key[:position] + digit + key[position + 1:])


def test_a_swap_of_adjacent_characters_breaks_the_key():
    key = PUBLISHED[1]
    swapped = key[:30] + key[31] + key[30] + key[32:]
    assert swapped != key
    assert not is_valid_access_key(swapped)


@given(st.text(string.digits, min_size=6, max_size=6), cnpjs, st.text(string.digits, min_size=23, max_size=23))
def test_check_digit_agrees_with_erpbrasil_modulo11(head, cnpj, tail):
    first43 = head + cnpj + tail
    assert check_digit(first43) == str(modulo11(first43))


@pytest.mark.parametrize("bad", ["", PUBLISHED[0][:42], PUBLISHED[0], "a" * 43,
                                 "35200159594315000157550010000000012062777A6"])
def test_check_digit_wants_the_43_first_characters(bad):
    with pytest.raises(ValueError):
        check_digit(bad)


# --- alphanumeric CNPJ --------------------------------------------------------------------------------------

def test_alphanumeric_cnpj_key_round_trips_and_agrees_with_chave_dfe():
    key = build_access_key(35, date(2026, 8, 3), "12.ABC.345/01DE-35", series=1, number=42, random_code="52806143")
    assert key[6:20] == ALNUM_CNPJ
    parts = parse_access_key(key)
    assert (parts.cnpj, parts.number, parts.random_code, parts.year_month) == (ALNUM_CNPJ, 42, "52806143", "2608")
    reference = dfe.ChaveDFe(cUF=35, dhEmi="2608", CNPJ=ALNUM_CNPJ, mod="55", serie="001", nNF="000000042",
                             cNF="52806143")
    assert reference.chave == key
    dfe.ChaveDFe(chave=key, validar=True)  # raises ValueError if erpbrasil.base disagrees


def test_letters_outside_the_cnpj_are_refused():
    key = build_access_key(35, date(2026, 8, 3), ALNUM_CNPJ, series=1, number=42, random_code="52806143")
    with pytest.raises(InvalidAccessKey) as raised:
        parse_access_key(key[:30] + "A" + key[31:])
    assert "só as posições do CNPJ" in raised.value.message


# --- build -> parse -----------------------------------------------------------------------------------------

@given(key_arguments)
def test_build_then_parse_gives_back_every_field(args):
    key = build_access_key(**args)
    assert len(key) == 44
    parts = parse_access_key(key)
    assert parts.uf_code == args["uf_code"]
    assert (parts.year, parts.month) == (args["issued"].year, args["issued"].month)
    assert parts.cnpj == args["cnpj"]
    assert (parts.model, parts.series, parts.number) == (args["model"], args["series"], args["number"])
    assert parts.emission_type == args["emission_type"]
    assert not is_rejected_random_code(parts.random_code, args["number"])
    assert parts.key == key
    assert dfe.ChaveDFe(chave=key).cNF == parts.random_code


@given(key_arguments)
def test_keys_erpbrasil_accepts(args):
    # ChaveDFe reads series 910-969 as a CPF issuer's and refuses 970+; an application's own series are 0..889.
    args = {**args, "series": args["series"] % 890}
    dfe.ChaveDFe(chave=build_access_key(**args), validar=True)


def test_key_of_a_datetime_uses_its_own_month():
    brt = timezone(timedelta(hours=-3))
    key = build_access_key("35", datetime(2026, 12, 31, 23, 59, tzinfo=brt), ALNUM_CNPJ, 1, 7, random_code="52806143")
    assert key[2:6] == "2612"


@pytest.mark.parametrize(("changes", "what"), [
    ({"uf_code": 99}, "UF"), ({"cnpj": "12ABC34501DE36"}, "CNPJ"), ({"cnpj": "1234"}, "CNPJ"),
    ({"series": 1000}, "series"), ({"series": -1}, "series"), ({"number": 0}, "number"),
    ({"number": 1_000_000_000}, "number"), ({"emission_type": 8}, "emission"), ({"model": 57}, "model"),
    ({"random_code": "1234"}, "random code"), ({"random_code": "12345678"}, "897"),
    ({"random_code": "00000042"}, "897"),
])
def test_build_refuses_arguments_out_of_the_layout(changes, what):
    args = dict(uf_code=35, issued=date(2026, 8, 3), cnpj=ALNUM_CNPJ, series=1, number=42, random_code="52806143")
    with pytest.raises(ValueError, match=what):
        build_access_key(**{**args, **changes})


# --- parse: what a person is told ---------------------------------------------------------------------------

def test_parse_accepts_the_key_as_the_danfe_prints_it():
    grouped = " ".join(PUBLISHED[0][i:i + 4] for i in range(0, 44, 4))
    assert parse_access_key(f"  {grouped}\n").key == PUBLISHED[0]


def _with_check_digit(first43: str) -> str:
    return first43 + check_digit(first43)


@pytest.mark.parametrize(("key", "reason"), [
    ("", "tem 0 caracteres"),
    (PUBLISHED[0][:40], "tem 40 caracteres"),
    (PUBLISHED[0][:43] + "2", "dígito verificador"),
    (_with_check_digit("99" + PUBLISHED[0][2:43]), "código de UF 99"),
    (_with_check_digit("352013" + PUBLISHED[0][6:43]), "mês de emissão 13"),
    (_with_check_digit(PUBLISHED[0][:20] + "57" + PUBLISHED[0][22:43]), "modelo 57"),
    (_with_check_digit("352001" + "59594315000158" + PUBLISHED[0][20:43]), "CNPJ/CPF do emitente"),
    (_with_check_digit("352001" + "0" * 14 + PUBLISHED[0][20:43]), "CNPJ/CPF do emitente"),
])
def test_invalid_keys_say_why_in_portuguese(key, reason):
    with pytest.raises(InvalidAccessKey) as raised:
        parse_access_key(key)
    error = raised.value
    assert reason in error.message
    assert error.message.startswith("Chave de acesso ")
    assert "DANFE" in error.resolution
    assert not is_valid_access_key(key)


def test_a_cpf_issuer_key_is_valid():
    # A rural producer issues with a CPF: three zeros, then the CPF (529.982.247-25), in series 920+.
    key = _with_check_digit("35260800052998224725" + "55" + "920" + "000000001" + "1" + "52806143")
    assert is_valid_access_key(key)
    dfe.ChaveDFe(chave=key, validar=True)


# --- the random code (cNF) ----------------------------------------------------------------------------------

@given(numbers)
def test_drawn_code_is_never_a_refused_value_nor_the_number(number):
    code = draw_random_code(number)
    assert len(code) == 8 and code.isdigit()
    assert code not in RUNS
    assert int(code) != number


@pytest.mark.parametrize("refused", sorted(RUNS))
def test_every_refused_run_is_drawn_again(refused):
    draws = Draws(int(refused), 52806143)
    assert draw_random_code(42, draw=draws) == "52806143"
    assert draws.bounds == [10**8, 10**8]


def test_a_code_equal_to_the_number_is_drawn_again():
    draws = Draws(3589, 61724053)
    assert draw_random_code(3589, draw=draws) == "61724053"


def test_refused_draws_are_skipped_until_one_is_accepted():
    draws = Draws(0, 42, 4711)
    assert draw_random_code(42, draw=draws) == "00004711"
    assert draws.values == []


def test_build_draws_a_new_code_each_time():
    keys = {build_access_key(35, date(2026, 8, 3), ALNUM_CNPJ, 1, 42) for _ in range(20)}
    assert len(keys) > 1  # drawn each time, not derived from the other fields


def _chave_dfe_random_code(number: int, draws: list[int]) -> str:
    """The cNF ChaveDFe keeps when its `secrets.randbelow` returns `draws` in order."""

    class Secrets:
        @staticmethod
        def randbelow(bound: int) -> int:
            return draws.pop(0)

    real = dfe.secrets
    dfe.secrets = Secrets
    try:
        return dfe.ChaveDFe(cUF=35, dhEmi="2608", CNPJ=ALNUM_CNPJ, mod="55", serie="001", nNF=f"{number:09d}").cNF
    finally:
        dfe.secrets = real


@given(st.one_of(st.integers(0, 10**8 - 1), st.sampled_from(sorted(int(r) for r in RUNS))), numbers)
def test_refuses_all_that_chave_dfe_refuses_and_only_descending_runs_more(value, number):
    """erpbrasil.base's ChaveDFe draws the cNF the same way: fed the same value, it keeps it unless its rule
    refuses it. Ours refuses everything it refuses, plus the descending runs (87654321) that rejection 897's
    text also names."""
    code = f"{value:08d}"
    fallback = 52806143 if number != 52806143 else 61724053
    chave_refuses = _chave_dfe_random_code(number, [value, fallback]) != code
    assert is_rejected_random_code(code, number) == (chave_refuses or code in "9876543210" * 2)


def test_chave_dfe_and_ours_agree_on_the_number_itself():
    assert _chave_dfe_random_code(3589, [3589, 61724053]) == "61724053"
    assert is_rejected_random_code("00003589", 3589)
    assert not is_rejected_random_code("00003589", 3590)
