"""Seeded CPF/CNPJ generation agrees with validate-docbr, including the alphanumeric CNPJ."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from validate_docbr import CNPJ, CPF

from lojasync.shared.tax_id import (
    cnpj_check_digits,
    cpf_check_digits,
    format_cnpj,
    format_cpf,
)
from lojasync.simulators.nuvemshop import documents

seeds = st.integers(min_value=0, max_value=2**32)


# The generator relies on the shared check digits; these pin them to published documents.
def test_official_alphanumeric_cnpj_example_check_digits() -> None:
    # The Receita Federal example of the new format.
    assert cnpj_check_digits("12ABC34501DE") == "35"
    assert CNPJ().validate(format_cnpj("12ABC34501DE35"))


def test_known_numeric_documents() -> None:
    assert cpf_check_digits("529982247") == "25"
    assert cnpj_check_digits("112223330001") == "81"


@settings(max_examples=200, deadline=None)
@given(seeds)
def test_generated_valid_documents_validate(seed: int) -> None:
    rng = random.Random(seed)
    cpf, cnpj, alnum = documents.make_cpf(rng), documents.make_cnpj(rng), documents.make_alnum_cnpj(rng)
    assert len(cpf) == 11 and cpf.isdigit() and CPF().validate(cpf)
    assert CPF().validate(format_cpf(cpf))
    assert len(cnpj) == 14 and cnpj.isdigit() and CNPJ().validate(cnpj)
    assert len(alnum) == 14 and alnum[-2:].isdigit() and any(c.isalpha() for c in alnum)
    assert CNPJ().validate(alnum) and CNPJ().validate(format_cnpj(alnum))


@settings(max_examples=200, deadline=None)
@given(seeds)
def test_invalid_documents_do_not_validate(seed: int) -> None:
    doc = documents.make_invalid(random.Random(seed))
    assert not CPF().validate(doc)
    assert not CNPJ().validate(doc)


def test_formats() -> None:
    assert format_cpf("52998224725") == "529.982.247-25"
    assert format_cnpj("12ABC34501DE35") == "12.ABC.345/01DE-35"


def test_identity_is_deterministic_per_seed() -> None:
    first = [documents.make_identity(random.Random(s)) for s in range(50)]
    again = [documents.make_identity(random.Random(s)) for s in range(50)]
    assert first == again
    assert len({i.kind for i in first}) > 3


@pytest.mark.parametrize(("seed", "kind", "identification", "contact"), [
    (0, "missing", None, None),
    (1, "cpf", "14177763152", "14177763152"),
    (2, "contact_only", "", "01152449303"),
    (5, "cpf_formatted", "580.730.215-01", "580.730.215-01"),
    (6, "cnpj_alnum", "5V.G20.9UN/0001-72", "5V.G20.9UN/0001-72"),
    (19, "cnpj", "81836584000131", "81836584000131"),
    (20, "invalid", "241.592.066-56", "241.592.066-56"),
    (86, "cnpj_alnum", "1ZK04WJO000178", "1ZK04WJO000178"),
    (106, "cnpj", "88.704.137/0002-59", "88.704.137/0002-59"),
])
def test_identity_per_seed_is_pinned(seed: int, kind: str, identification, contact) -> None:
    # A change to the generator or to shared.tax_id must not silently alter the documents of a seed.
    assert documents.make_identity(random.Random(seed)) == documents.Identity(kind, identification, contact)
