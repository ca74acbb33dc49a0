"""The simulator's own check digits of CNPJ, CPF and GTIN (written apart from lojasync's, so that a mistake in either
shows as a rejection), against published and hand-checked values."""

from __future__ import annotations

import pytest

from lojasync.simulators.sefaz.document_ids import cnpj_ok, cpf_ok, gtin_ok


@pytest.mark.parametrize(("cnpj", "ok"), [
    ("11222333000181", True), ("59594315000157", True), ("12ABC34501DE35", True),   # the last: Receita's example
    ("11222333000182", False), ("00000000000000", False), ("1122233300018", False), ("11222333/00018", False)])
def test_cnpj(cnpj, ok):
    assert cnpj_ok(cnpj) is ok


@pytest.mark.parametrize(("cpf", "ok"), [("52998224725", True), ("52998224724", False), ("00000000000", False),
                                         ("11111111111", False)])
def test_cpf(cpf, ok):
    assert cpf_ok(cpf) is ok


@pytest.mark.parametrize(("gtin", "ok"), [("7891000315507", True), ("7891000315508", False), ("96385074", True),
                                          ("SEM GTIN", False)])
def test_gtin(gtin, ok):
    assert gtin_ok(gtin) is ok
