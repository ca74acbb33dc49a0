"""The product's fiscal fields the stock list shows (and the API answers) are the ones its form and
`products set` write: one list, the same names."""

from __future__ import annotations

from dataclasses import fields

from lojasync.stock.fiscal_data import ProductFiscalData
from lojasync.stock.views import FISCAL_FIELDS


def test_the_fields_shown_are_the_fields_written():
    assert tuple(f.name for f in fields(ProductFiscalData)) == FISCAL_FIELDS
