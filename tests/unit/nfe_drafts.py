"""Factories of NF-e drafts for the fiscal tests: a São Paulo store (alphanumeric CNPJ) selling to people and
companies inside and outside its UF."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from lojasync.fiscal.access_key import build_access_key
from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.municipalities import UF_CODES
from lojasync.fiscal.nfe_data import (
    Crt,
    FiscalAddress,
    InvoiceDraft,
    InvoiceItem,
    Issuer,
    Payment,
    Recipient,
    TaxSettings,
    TechnicalResponsible,
)

BRASILIA = timezone(timedelta(hours=-3))
ISSUED_AT = datetime(2026, 10, 5, 14, 30, 5, 123456, tzinfo=BRASILIA)
ALPHANUMERIC_CNPJ = "12ABC34501DE35"
NUMERIC_CNPJ = "11222333000181"
RANDOM_CODE = "20627771"
CPF = "52998224725"

SAO_PAULO = FiscalAddress("Rua das Flores", "100", "Centro", "3550308", "São Paulo", "SP", "01001-000",
                          complement="Loja 2", phone="(11) 3333-4444")
RIO = FiscalAddress("Av. Atlântica", "500", "Copacabana", "3304557", "Rio de Janeiro", "RJ", "22010-000")
CAMPINAS = FiscalAddress("Rua Barão de Jaguara", "", "Centro", "3509502", "Campinas", "SP", "13015-000")
BELO_HORIZONTE = FiscalAddress("Rua da Bahia", "1000", "Lourdes", "3106200", "Belo Horizonte", "MG", "30160-011")


def issuer(crt: Crt = Crt.SIMPLES_NACIONAL, cnpj: str = ALPHANUMERIC_CNPJ) -> Issuer:
    return Issuer("Loja Exemplo Comércio Ltda", cnpj, "110.042.490.114", SAO_PAULO, trade_name="Loja Exemplo",
                  crt=crt)


def person(address: FiscalAddress = CAMPINAS) -> Recipient:
    return Recipient("Maria da Silva", "529.982.247-25", address, email="maria@example.com")


def company(address: FiscalAddress = RIO, ie: str | None = "78.045.302") -> Recipient:
    return Recipient("Papelaria Boa Vista Ltda", "11.222.333/0001-81", address, state_registration=ie,
                     email="compras@boavista.example")


def shirts(count: int = 5) -> tuple[InvoiceItem, ...]:
    return tuple(InvoiceItem(f"CAM-{n:03d}", f"Camiseta básica tamanho {n}", "61091000", Decimal(n),
                             Decimal("49.90") + n, gtin="7891000100103" if n == 1 else None)
                 for n in range(1, count + 1))


def goods_total(items: tuple[InvoiceItem, ...]) -> Decimal:
    return sum((item.quantity * item.unit_price for item in items), Decimal(0)).quantize(Decimal("0.01"))


def draft(*, issuer_: Issuer | None = None, recipient: Recipient | None = None, items=None,
          freight: Decimal = Decimal("25.90"), discount: Decimal = Decimal("10.00"), payments=None,
          method: str = "pix", environment: Environment = Environment.HOMOLOGATION, number: int = 42,
          series: int = 1, taxes: TaxSettings | None = None, **changes) -> InvoiceDraft:
    """A draft whose payments, when not given, pay the order's total with one `method`."""
    issuer_ = issuer_ or issuer()
    items = shirts() if items is None else tuple(items)
    total = goods_total(items) - discount + freight
    if payments is None:
        payments = (Payment(method, total, 3 if method == "credit_card" else 1),)
    key = build_access_key(UF_CODES[issuer_.address.uf], ISSUED_AT, issuer_.cnpj, series, number,
                           random_code=RANDOM_CODE)
    result = InvoiceDraft(
        issuer=issuer_, recipient=recipient if recipient is not None else person(), items=items,
        payments=tuple(payments), series=series, number=number, access_key=key, random_code=RANDOM_CODE,
        issued_at=ISSUED_AT, order_number="1042", freight=freight, discount=discount, order_total=total,
        environment=environment, taxes=taxes or TaxSettings(destination_icms_rates={"RJ": Decimal("20"),
                                                                                  "MG": Decimal("18")}),
        technical_responsible=TechnicalResponsible("12ABC34501DE35", "Equipe lojasync", "nfe@lojasync.example",
                                                   "(11) 99999-8888"))
    return replace(result, **changes)
