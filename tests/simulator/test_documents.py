"""Seeded CPF/CNPJ generation agrees with validate-docbr, including the alphanumeric CNPJ."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from validate_docbr import CNPJ, CPF

from lojasync.simulators.nuvemshop import documents

seeds = st.integers(min_value=0, max_value=2**32)


def test_official_alphanumeric_cnpj_example_check_digits() -> None:
    # The Receita Federal example of the new format.
    assert documents.cnpj_check_digits("12ABC34501DE") == "35"
    assert CNPJ().validate(documents.format_cnpj("12ABC34501DE35"))


def test_known_numeric_documents() -> None:
    assert documents.cpf_check_digits("529982247") == "25"
    assert documents.cnpj_check_digits("112223330001") == "81"


@settings(max_examples=200, deadline=None)
@given(seeds)
def test_generated_valid_documents_validate(seed: int) -> None:
    rng = random.Random(seed)
    cpf, cnpj, alnum = documents.make_cpf(rng), documents.make_cnpj(rng), documents.make_alnum_cnpj(rng)
    assert len(cpf) == 11 and cpf.isdigit() and CPF().validate(cpf)
    assert CPF().validate(documents.format_cpf(cpf))
    assert len(cnpj) == 14 and cnpj.isdigit() and CNPJ().validate(cnpj)
    assert len(alnum) == 14 and alnum[-2:].isdigit() and any(c.isalpha() for c in alnum)
    assert CNPJ().validate(alnum) and CNPJ().validate(documents.format_cnpj(alnum))


@settings(max_examples=200, deadline=None)
@given(seeds)
def test_invalid_documents_do_not_validate(seed: int) -> None:
    doc = documents.make_invalid(random.Random(seed))
    assert not CPF().validate(doc)
    assert not CNPJ().validate(doc)


def test_formats() -> None:
    assert documents.format_cpf("52998224725") == "529.982.247-25"
    assert documents.format_cnpj("12ABC34501DE35") == "12.ABC.345/01DE-35"


def test_identity_is_deterministic_per_seed() -> None:
    first = [documents.make_identity(random.Random(s)) for s in range(50)]
    again = [documents.make_identity(random.Random(s)) for s in range(50)]
    assert first == again
    assert len({i.kind for i in first}) > 3
