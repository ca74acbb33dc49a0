"""A product's fiscal data (what its NF-e item needs), checked before it is kept."""

from __future__ import annotations

from dataclasses import dataclass, fields

from lojasync.shared.cfop import is_sale_cfop
from lojasync.shared.errors import LojasyncError
from lojasync.shared.numbers import ascii_digits
from lojasync.shared.text import is_unit_code
from lojasync.stock.ports import StockUnitOfWork
from lojasync.stock.views import fiscal_fields, product_by_sku, product_reference, required_sku


class FiscalDataInvalid(LojasyncError):
    code = "stock.fiscal_data_invalid"
    message_template = "Dados fiscais do produto {sku} não gravados: {problems}."
    resolution_template = "Corrija o que foi indicado e tente de novo."


@dataclass(frozen=True)
class ProductFiscalData:
    """None leaves a field as it is; "" clears it (the company's default applies again)."""

    ncm: str | None = None
    cest: str | None = None
    origin: str | None = None
    unit: str | None = None
    gtin: str | None = None
    cfop: str | None = None


def gtin_is_well_formed(gtin: str) -> bool:
    """8, 12, 13 or 14 digits, whatever the check digit."""
    return bool(ascii_digits(gtin, 14)) and len(gtin) in (8, 12, 13, 14)


def gtin_is_valid(gtin: str) -> bool:
    """GTIN-8/12/13/14: digits, with the GS1 mod-10 check digit."""
    if not gtin_is_well_formed(gtin):
        return False
    body, check = gtin[:-1], int(gtin[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def gtin_is_restricted(gtin: str) -> bool:
    """A GTIN of GS1's restricted circulation (a store's own code, variable weight, coupons): SEFAZ checks the prefix
    against GS1's table and refuses these with 882. GTIN-13 (and GTIN-12/14 read as one) prefixes 020-029, 040-049,
    200-299 and 980-999; GTIN-8 starting with 0 or 2."""
    if len(gtin) == 8:
        return gtin[0] in "02"
    thirteen = gtin[1:] if len(gtin) == 14 else gtin.rjust(13, "0")
    prefix = int(thirteen[:3])
    return 20 <= prefix <= 29 or 40 <= prefix <= 49 or 200 <= prefix <= 299 or prefix >= 980


def _problems(data: ProductFiscalData) -> list[str]:
    checks = (
        ("ncm", lambda v: ascii_digits(v, 8) and len(v) == 8, "NCM deve ter 8 dígitos"),
        ("cest", lambda v: ascii_digits(v, 7) and len(v) == 7, "CEST deve ter 7 dígitos"),
        ("origin", lambda v: v in "012345678" and len(v) == 1, "origem deve ser de 0 a 8"),
        # The NF-e keeps Latin-1 only (uCom): "😀" or "шт" were kept here, then every NF-e said "unidade não informada".
        ("unit", is_unit_code,
         "unidade deve ter até 6 caracteres, sem emoji nem letras de outros alfabetos (UN, KG, M2...)"),
        # The length first: a 6-digit code was "inválido (dígito verificador)", and a digit was checked in vain.
        ("gtin", gtin_is_well_formed, "GTIN/EAN inválido (8, 12, 13 ou 14 dígitos)"),
        ("gtin", lambda v: not gtin_is_well_formed(v) or gtin_is_valid(v), "GTIN/EAN inválido (dígito verificador)"),
        ("gtin", lambda v: not gtin_is_valid(v) or not gtin_is_restricted(v),
         "GTIN/EAN de circulação restrita (código interno, peso variável, cupom): a SEFAZ o recusa; deixe vazio"),
        # The NF-e's own rule (`fiscal.tax_rules.cfop_problem`): 8102 or 5910 were kept, then refused on every NF-e.
        ("cfop", lambda v: ascii_digits(v, 4) and is_sale_cfop(v),
         "CFOP de venda: 5101 a 5124, 6101 a 6124 ou 5405 (ICMS retido por substituição)"),
    )
    return [f"{words}: {getattr(data, name)}" for name, ok, words in checks
            if getattr(data, name) and not ok(getattr(data, name))]


def _cleaned(name: str, value: str) -> str:
    if name == "unit":
        return value.strip().upper()
    if name == "gtin" and "".join(value.split()).upper() == "SEMGTIN":
        return ""   # the words the NF-e writes for no GTIN, typed as they read: the same as leaving it empty
    if name == "gtin":   # as printed under a barcode: "789 1000 315507", "789-1000-31550-7"
        return "".join(value.split()).replace(".", "").replace("-", "")
    return value.strip().replace(".", "")


def set_fiscal_data(uow: StockUnitOfWork, sku: str, data: ProductFiscalData) -> dict:
    """Keep the product's NCM, CEST, origem, unidade, GTIN and CFOP (all checked first)."""
    sku = required_sku(sku)
    cleaned = ProductFiscalData(**{f.name: _cleaned(f.name, v) if isinstance(v := getattr(data, f.name), str) else None
                                   for f in fields(data)})
    problems = _problems(cleaned)
    if problems:
        raise FiscalDataInvalid(sku=sku, problems="; ".join(problems))
    with uow:
        product = product_by_sku(uow, sku)
        for f in fields(cleaned):
            value = getattr(cleaned, f.name)
            if value is not None:
                setattr(product, f.name, value or None)
        uow.commit()
        return {"sku": product.sku, "reference": product_reference(product.sku, product.id), "name": product.name,
                **fiscal_fields(product)}
