"""CPF/CNPJ parsing (rule 3): raw or formatted, numeric or alphanumeric CNPJ, with reasons in Portuguese."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lojasync.shared.tax_id import (
    TaxId,
    TaxIdKind,
    TaxIdProblem,
    TaxIdProblemCode,
    cnpj_check_digits,
    cpf_check_digits,
    mod11_digit,
    normalize_tax_id,
    parse_tax_id,
)

NO_DOCUMENT = "cliente sem CPF/CNPJ na loja"

# --- documents generated with the shared check-digit helpers (validation uses another library) ----------


def _not_repeated(doc: str) -> bool:
    return len(set(doc)) > 1


cpfs = st.text(string.digits, min_size=9, max_size=9).map(lambda b: b + cpf_check_digits(b)).filter(_not_repeated)
numeric_cnpjs = (
    st.text(string.digits, min_size=12, max_size=12).map(lambda b: b + cnpj_check_digits(b)).filter(_not_repeated)
)
alnum_cnpjs = (
    st.text(string.digits + string.ascii_uppercase, min_size=12, max_size=12)
    .filter(lambda b: any(c.isalpha() for c in b))
    .map(lambda b: b + cnpj_check_digits(b))
)
any_valid = st.one_of(
    cpfs.map(lambda v: (v, TaxIdKind.CPF)),
    numeric_cnpjs.map(lambda v: (v, TaxIdKind.CNPJ)),
    alnum_cnpjs.map(lambda v: (v, TaxIdKind.CNPJ)),
)


@st.composite
def formatted_variant(draw, value: str) -> str:
    """The same document with random separators, surrounding spaces and letter case."""
    separators = st.text(".-/ ", max_size=2)
    out = [draw(separators)]
    for char in value:
        if char.isalpha() and draw(st.booleans()):
            char = char.lower()
        out.append(char)
        out.append(draw(separators))
    return "".join(out)


def _flip(char: str) -> str:
    return str((int(char) + 1) % 10)


# --- the check digits agree with published examples --------------------------------------------------


@pytest.mark.parametrize(
    "document",
    ["52998224725", "11144477735", "11222333000181", "00000000000191", "12ABC34501DE35"],
)
def test_check_digits_match_known_valid_documents(document):
    if len(document) == 11:
        assert cpf_check_digits(document[:9]) == document[9:]
    else:
        assert cnpj_check_digits(document[:12]) == document[12:]


@pytest.mark.parametrize("key", ["35200159594315000157550010000000012062777161",
                                 "41170706117473000150550010000463202612756525"])
def test_mod11_digit_is_the_nfe_access_key_rule(key):
    # Published keys (nfelib's samples): the 44th digit, weights 2..9 from the right.
    weights = [2 + i % 8 for i in range(43)][::-1]
    assert mod11_digit([ord(c) - 48 for c in key[:43]], weights) == int(key[43])


# --- valid documents ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "kind"),
    [
        ("529.982.247-25", "52998224725", TaxIdKind.CPF),
        ("52998224725", "52998224725", TaxIdKind.CPF),
        (" 529 982 247 25 ", "52998224725", TaxIdKind.CPF),
        (52998224725, "52998224725", TaxIdKind.CPF),
        ("11.222.333/0001-81", "11222333000181", TaxIdKind.CNPJ),
        ("11222333000181", "11222333000181", TaxIdKind.CNPJ),
        ("00.000.000/0001-91", "00000000000191", TaxIdKind.CNPJ),
        ("12.ABC.345/01DE-35", "12ABC34501DE35", TaxIdKind.CNPJ),
        ("12abc34501de35", "12ABC34501DE35", TaxIdKind.CNPJ),
        ("12.abc.345/01de-35", "12ABC34501DE35", TaxIdKind.CNPJ),
    ],
)
def test_parse_valid_documents(raw, value, kind):
    result = parse_tax_id(raw)
    assert result == TaxId(value, kind)


@settings(max_examples=150, deadline=None)
@given(st.data(), any_valid)
def test_any_formatting_of_a_valid_document_parses_to_the_normal_form(data, valid):
    value, kind = valid
    raw = data.draw(formatted_variant(value))
    result = parse_tax_id(raw)
    assert isinstance(result, TaxId), (raw, result)
    assert result.value == value
    assert result.kind is kind
    assert normalize_tax_id(raw) == value


@settings(max_examples=100, deadline=None)
@given(any_valid)
def test_formatted_output_parses_back_and_has_the_official_mask(valid):
    value, kind = valid
    tax_id = parse_tax_id(value)
    assert isinstance(tax_id, TaxId)
    text = tax_id.formatted()
    if kind is TaxIdKind.CPF:
        assert re.fullmatch(r"\d{3}\.\d{3}\.\d{3}-\d{2}", text)
    else:
        assert re.fullmatch(r"[0-9A-Z]{2}\.[0-9A-Z]{3}\.[0-9A-Z]{3}/[0-9A-Z]{4}-\d{2}", text)
    assert parse_tax_id(text) == tax_id


def test_formatted_examples():
    assert TaxId("52998224725", TaxIdKind.CPF).formatted() == "529.982.247-25"
    assert TaxId("11222333000181", TaxIdKind.CNPJ).formatted() == "11.222.333/0001-81"
    assert TaxId("12ABC34501DE35", TaxIdKind.CNPJ).formatted() == "12.ABC.345/01DE-35"


@settings(max_examples=60, deadline=None)
@given(any_valid)
def test_masked_hides_all_but_the_last_four_characters(valid):
    value, kind = valid
    masked = TaxId(value, kind).masked()
    assert len(masked) == len(value)
    assert masked[-4:] == value[-4:]
    assert set(masked[:-4]) == {"*"}


def test_masked_example():
    assert TaxId("52998224725", TaxIdKind.CPF).masked() == "*******4725"


# --- invalid documents ---------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.data(), any_valid, st.sampled_from([-1, -2]))
def test_changing_a_check_digit_makes_the_document_invalid(data, valid, position):
    value, kind = valid
    broken = value[:position] + _flip(value[position]) + (value[position + 1 :] if position == -2 else "")
    assert len(broken) == len(value)
    raw = data.draw(formatted_variant(broken))
    result = parse_tax_id(raw)
    assert isinstance(result, TaxIdProblem)
    prefix = "CPF inválido: " if kind is TaxIdKind.CPF else "CNPJ inválido: "
    assert result.reason == prefix + raw.strip()[:40]


@pytest.mark.parametrize("digit", string.digits)
def test_repeated_digits_are_invalid_even_though_their_check_digits_match(digit):
    cpf = digit * 11
    cnpj = digit * 14
    assert parse_tax_id(cpf).reason == f"CPF inválido: {cpf}"
    assert parse_tax_id(cnpj).reason == f"CNPJ inválido: {cnpj}"
    formatted_cpf = f"{digit * 3}.{digit * 3}.{digit * 3}-{digit * 2}"
    assert parse_tax_id(formatted_cpf).reason == f"CPF inválido: {formatted_cpf}"


@pytest.mark.parametrize("raw", [None, "", "   ", "...", "./-", [], "\t\n"])
def test_missing_document_reason(raw):
    assert parse_tax_id(raw).reason == NO_DOCUMENT


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("123.456.789-00", "CPF inválido: 123.456.789-00"),
        ("12345678900", "CPF inválido: 12345678900"),
        ("  123.456.789-00  ", "CPF inválido: 123.456.789-00"),
        ("11.222.333/0001-82", "CNPJ inválido: 11.222.333/0001-82"),
        ("12.ABC.345/01DE-36", "CNPJ inválido: 12.ABC.345/01DE-36"),
        ("41913703", "documento não é CPF nem CNPJ: 41913703"),
        ("123", "documento não é CPF nem CNPJ: 123"),
        ("1234567890", "documento não é CPF nem CNPJ: 1234567890"),
        ("123456789012", "documento não é CPF nem CNPJ: 123456789012"),
        ("123456789012345", "documento não é CPF nem CNPJ: 123456789012345"),
        ("12ABC34501DEAB", "documento não é CPF nem CNPJ: 12ABC34501DEAB"),  # letters in the check digits
        ("1234567890A", "documento não é CPF nem CNPJ: 1234567890A"),  # CPF is numeric only
        ("AR-41913703", "documento não é CPF nem CNPJ: AR-41913703"),
    ],
)
def test_problem_reasons(raw, reason):
    assert parse_tax_id(raw).reason == reason


def test_reason_shows_at_most_40_characters_of_the_raw_text():
    raw = "9" * 100
    result = parse_tax_id(raw)
    assert isinstance(result, TaxIdProblem)
    assert result.reason == "documento não é CPF nem CNPJ: " + "9" * 40


# --- normalisation and robustness ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        (None, ""),
        ("", ""),
        ("529.982.247-25", "52998224725"),
        ("12.abc.345/01de-35", "12ABC34501DE35"),
        (" 11 222 333 / 0001 - 81 ", "11222333000181"),
        (52998224725, "52998224725"),
    ],
)
def test_normalize_tax_id(raw, normal):
    assert normalize_tax_id(raw) == normal


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=30), st.integers()))
def test_parse_never_raises_and_normal_form_is_digits_and_capitals(raw):
    normal = normalize_tax_id(raw)
    assert re.fullmatch(r"[0-9A-Z]*", normal)
    assert normalize_tax_id(normal) == normal
    result = parse_tax_id(raw)
    assert isinstance(result, (TaxId, TaxIdProblem))
    if isinstance(result, TaxId):
        assert result.value == normal
        assert len(result.value) == (11 if result.kind is TaxIdKind.CPF else 14)
    else:
        assert result.reason


def test_label_inside_the_field_is_ignored():
    assert parse_tax_id("CPF: 529.982.247-25") == TaxId("52998224725", TaxIdKind.CPF)
    assert parse_tax_id("cnpj 11.222.333/0001-81") == TaxId("11222333000181", TaxIdKind.CNPJ)
    # review: an alphanumeric CNPJ may begin with the letters of a label; glued to the rest, they are its own.
    for base in ("CPF123456789", "CNPJAB123456"):
        document = base + cnpj_check_digits(base)
        assert parse_tax_id(document) == TaxId(document, TaxIdKind.CNPJ)
    assert parse_tax_id("CNPJ:11.222.333/0001-81") == TaxId("11222333000181", TaxIdKind.CNPJ)
    # ...and a label glued to a document still reads as a label (review: a regression made these invalid).
    assert parse_tax_id("CPF52998224725") == TaxId("52998224725", TaxIdKind.CPF)
    assert parse_tax_id("CNPJ11222333000181") == TaxId("11222333000181", TaxIdKind.CNPJ)


def test_cpf_sent_as_a_number_gets_its_leading_zeros_back():
    assert parse_tax_id(4282355069) == TaxId("04282355069", TaxIdKind.CPF)


def test_a_labelled_cpf_is_that_cpf_even_where_its_characters_with_the_label_pass_a_cnpjs_digits():
    """review (regression): "CPF: 315.942.594-02" was read whole as CNPJ CPF31594259402, whose check digits pass;
    about 1 in 500 labelled CPFs became a fake CNPJ on the NF-e."""
    from validate_docbr import CPF

    assert parse_tax_id("CPF: 315.942.594-02") == TaxId("31594259402", TaxIdKind.CPF)
    for cpf in CPF().generate_list(3000):
        assert parse_tax_id(f"CPF: {cpf}") == TaxId(cpf, TaxIdKind.CPF)


def test_a_mistyped_labelled_cpf_is_an_invalid_cpf_not_a_cnpj():
    """review: "CPF: 625.851.781-28" (wrong check digits) was read whole as CNPJ CPF62585178128."""
    problem = parse_tax_id("CPF: 625.851.781-28")
    assert isinstance(problem, TaxIdProblem) and problem.code is TaxIdProblemCode.INVALID_CPF



@pytest.mark.parametrize(("raw", "expected"), [
    ("CPF nº 529.982.247-25", TaxId("52998224725", TaxIdKind.CPF)),        # review: "nº" left its "N" behind
    ("CNPJ nº 11.222.333/0001-81", TaxId("11222333000181", TaxIdKind.CNPJ)),
    ("CPF n° 529.982.247-25", TaxId("52998224725", TaxIdKind.CPF)),
    ("CPF Nº: 529.982.247-25", TaxId("52998224725", TaxIdKind.CPF)),
    ("CNPJ: CPF12345000131", TaxId("CPF12345000131", TaxIdKind.CNPJ)),     # an alphanumeric CNPJ after its label
    ("CNPJ: CNPJ1234000156", TaxId("CNPJ1234000156", TaxIdKind.CNPJ)),
    ("CPF12345000131", TaxId("CPF12345000131", TaxIdKind.CNPJ)),
    ("CPF52998224725", TaxId("52998224725", TaxIdKind.CPF)),               # a label glued to a CPF
])
def test_labels_as_stores_write_them(raw, expected):
    assert parse_tax_id(raw) == expected


def test_a_company_whose_alphanumeric_cnpj_begins_with_a_labels_letters_has_its_access_keys():
    """review: normalising the company's own CNPJ took "CPF" for a label and every NF-e failed (invalid issuer)."""
    from datetime import date

    from lojasync.fiscal.access_key import build_access_key

    assert build_access_key("35", date(2026, 8, 1), "CPF12345000131", 1, 1)[6:20] == "CPF12345000131"
