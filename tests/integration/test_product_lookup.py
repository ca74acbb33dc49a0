"""How a person names a product (review of 2026-12-04): a SKU in another case with accents on SQLite as on
PostgreSQL, a SKU pasted with spaces, an id out of range; and the fiscal data typed for it (CFOP, GTIN)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lojasync.stock.fiscal_data import FiscalDataInvalid, ProductFiscalData, set_fiscal_data
from lojasync.stock.products import Product
from lojasync.stock.views import ProductNotFound, SkuAmbiguous, product_by_sku


@pytest.fixture()
def products(app) -> None:
    with app.uow() as uow:
        for sku in ("CAFÉ-1", "café-1", "ÓLEO", "ABC-1"):
            uow.products.add(Product(sku, f"Produto {sku}", Decimal("10.00")))
        uow.products.add(Product(None, "Sem SKU", Decimal("5.00")))
        uow.commit()


def _found(app, sku: str) -> str | None:
    with app.read_uow() as uow:
        return product_by_sku(uow, sku).sku


def test_a_sku_in_another_case_is_found_with_its_accents(app, products):
    """SQLite's lower() folds ASCII only: "óleo" was "Nenhum produto", and "Café-1" picked "café-1" although
    "CAFÉ-1" matches it as well (PostgreSQL said it was ambiguous, as it is)."""
    assert _found(app, "óleo") == "ÓLEO"
    with pytest.raises(SkuAmbiguous) as ambiguous:
        _found(app, "Café-1")
    assert "CAFÉ-1" in ambiguous.value.message and "café-1" in ambiguous.value.message
    assert _found(app, "CAFÉ-1") == "CAFÉ-1" and _found(app, "café-1") == "café-1"   # typed exactly: that one


def test_a_sku_pasted_with_spaces_around_it_is_found(app, products):
    assert _found(app, "  abc-1 ") == "ABC-1"


def test_an_id_beyond_any_row_is_no_product_not_a_database_error(app, products):
    """PostgreSQL refused "id:2147483648" (integer out of range): "O banco recusou os dados" (409)."""
    with pytest.raises(ProductNotFound):
        _found(app, "id:2147483648")


@pytest.mark.parametrize("cfop", ["8102", "7102", "5000", "5910", "5401"])
def test_a_cfop_no_nfe_takes_is_refused_when_typed(app, products, cfop: str):
    """It was kept ("5xxx ou 6xxx" was the whole check), then refused by every NF-e of the product."""
    with pytest.raises(FiscalDataInvalid) as refused:
        set_fiscal_data(app.uow(), "ABC-1", ProductFiscalData(cfop=cfop))
    assert "5101 a 5124, 6101 a 6124 ou 5405" in refused.value.message


@pytest.mark.parametrize("cfop", ["5102", "6108", "5405"])
def test_a_sale_cfop_is_kept(app, products, cfop: str):
    assert set_fiscal_data(app.uow(), "ABC-1", ProductFiscalData(cfop=cfop))["cfop"] == cfop


def test_a_gtin_typed_as_printed_under_the_barcode_is_kept(app, products):
    """"789 1000 315507" was refused as a wrong check digit: its spaces were kept."""
    for typed in ("789 1000 315507", "789-1000-31550-7"):
        assert set_fiscal_data(app.uow(), "ABC-1", ProductFiscalData(gtin=typed))["gtin"] == "7891000315507"



@pytest.mark.parametrize("unit", ["😀", "шт", "UN😀"])
def test_a_unit_the_nfe_cannot_write_is_refused_when_typed(app, products, unit: str):
    """review (CLI): "😀" or "шт" was kept, and every NF-e of the product then said "unidade comercial não
    informada" (the NF-e writes Latin-1 only, and nothing was left of it)."""
    with pytest.raises(FiscalDataInvalid) as refused:
        set_fiscal_data(app.uow(), "ABC-1", ProductFiscalData(unit=unit))
    assert "sem emoji nem letras de outros alfabetos" in refused.value.message


def test_a_unit_in_latin_letters_is_kept(app, products):
    assert set_fiscal_data(app.uow(), "ABC-1", ProductFiscalData(unit="m²"))["unit"] == "M²"
