"""The NF-e's tax decisions: destination and CFOP, interstate ICMS, each regime's taxes, payment codes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lojasync.fiscal.nfe_data import Crt, TaxSettings
from lojasync.fiscal.tax_rules import (
    Destination,
    IcmsGroup,
    PisCofinsGroup,
    cfop_problem,
    destination,
    difal_problem,
    interstate_icms_rate,
    item_cfop,
    line_tax_rule,
    payment_type,
)

SP_IE = "110.042.490.114"


@pytest.mark.parametrize(
    ("issuer_uf", "recipient_uf", "ie", "expected"),
    [
        ("SP", "SP", None, Destination("1", "5102", "9")),        # consumer inside the UF
        ("SP", "sp", "", Destination("1", "5102", "9")),
        ("SP", "SP", SP_IE, Destination("1", "5102", "1")),       # contributor inside the UF
        ("SP", "SP", "ISENTO", Destination("1", "5102", "2")),
        ("SP", "RJ", None, Destination("2", "6108", "9")),        # consumer in another UF
        ("SP", "RJ", "78045302", Destination("2", "6102", "1")),  # contributor in another UF
        ("SP", "RJ", "Isento", Destination("2", "6108", "2")),
    ],
)
def test_destination_gives_id_dest_cfop_and_ie_indicator(issuer_uf, recipient_uf, ie, expected):
    assert destination(issuer_uf, recipient_uf, ie) == expected


def test_a_product_cfop_wins_over_the_destination_default():
    inside = destination("SP", "SP", None)
    assert item_cfop(inside, None) == "5102"
    assert item_cfop(inside, " ") == "5102"
    assert item_cfop(inside, "5405") == "5405"
    assert cfop_problem(inside, "5405") is None
    assert cfop_problem(inside, "5101") is None and cfop_problem(destination("SP", "RJ", None), "6108") is None


@pytest.mark.parametrize(
    ("recipient_uf", "override", "fragment"),
    [
        ("RJ", "5405", "para outro estado (use um CFOP 6xxx, ou deixe o do produto em branco"),
        ("SP", "6102", "dentro do estado (use um CFOP 5xxx, ou deixe o do produto em branco"),
        ("SP", "51O2", "inválido"),
        ("SP", "4102", "inválido"),
        # Tax groups lojasync does not build: a substitute's ST, a gift, an interstate 6404.
        ("SP", "5403", "operação que o lojasync não emite"),
        ("SP", "5910", "use um CFOP de venda, 5101 a 5124 ou 5405"),
        ("RJ", "6404", "use um CFOP de venda, 6101 a 6124, ou deixe"),
    ],
)
def test_a_product_cfop_that_does_not_fit_the_sale_is_a_listed_problem(recipient_uf, override, fragment):
    assert fragment in cfop_problem(destination("SP", recipient_uf, None), override)


def test_6107_and_6108_are_the_interstate_sales_to_non_contributors_and_only_those():
    """fiscal review: a product's 6102 went to a consumer in another UF (indIEDest 9), its 6108 to a company there with
    an IE (indIEDest 1)."""
    consumer, company, exempt = (destination("SP", "RJ", ie) for ie in (None, "78045302", "ISENTO"))
    assert "não serve para venda a não contribuinte do ICMS em outro estado" in cfop_problem(consumer, "6102")
    assert "não serve para venda a não contribuinte" in cfop_problem(exempt, "6101")
    assert "é de venda a não contribuinte, e o destinatário tem inscrição estadual" in cfop_problem(company, "6108")
    assert cfop_problem(consumer, "6107") is None and cfop_problem(exempt, "6108") is None
    assert cfop_problem(company, "6101") is None and cfop_problem(company, "6102") is None


@pytest.mark.parametrize(
    ("origin_uf", "destination_uf", "goods_origin", "rate"),
    [
        ("SP", "RJ", 0, "12"),   # south/southeast to south/southeast
        ("SP", "BA", 0, "7"),    # south/southeast to northeast
        ("SP", "ES", 0, "7"),    # ES counts with the north/northeast/centre-west
        ("PR", "DF", 5, "7"),
        ("BA", "SP", 0, "12"),   # northeast to southeast
        ("ES", "SP", 0, "12"),
        ("SP", "RJ", 1, "4"),    # imported goods (Res. 13/2012)
        ("SP", "BA", 8, "4"),
        ("SP", "BA", 6, "7"),    # no national equivalent: outside the 4% rule
    ],
)
def test_interstate_icms_rate(origin_uf, destination_uf, goods_origin, rate):
    assert interstate_icms_rate(origin_uf, destination_uf, goods_origin) == Decimal(rate)


def test_simples_nacional_is_csosn_102_with_pis_cofins_49_and_no_ibs_cbs_by_default():
    rule = line_tax_rule(Crt.SIMPLES_NACIONAL, TaxSettings(), destination("SP", "RJ", None), "SP", "RJ", 0)
    assert (rule.regime.icms_group, rule.regime.icms_code) == (IcmsGroup.SIMPLES_102, "102")
    assert (rule.regime.pis_cofins_group, rule.pis_cofins_cst) == (PisCofinsGroup.OTHER, "49")
    assert rule.icms_rate == rule.pis_rate == rule.cofins_rate == 0
    assert rule.difal is None      # Simples senders are not required to pay the DIFAL (STF, ADI 5464)
    assert rule.ibs_cbs is None


def test_simples_nacional_may_choose_cst_99_and_the_ibs_cbs_group():
    settings = TaxSettings(simples_pis_cofins_cst="99", ibs_cbs_for_simples=True)
    rule = line_tax_rule(Crt.SIMPLES_NACIONAL, settings, destination("SP", "SP", None), "SP", "SP", 0)
    assert rule.pis_cofins_cst == "99"
    assert rule.ibs_cbs is not None and rule.ibs_cbs.cbs_rate == Decimal("0.90")


def test_regime_normal_inside_the_uf_uses_the_company_rates_and_the_2026_ibs_cbs_test_rates():
    settings = TaxSettings(icms_rate=Decimal("18"), pis_rate=Decimal("1.65"), cofins_rate=Decimal("7.60"))
    rule = line_tax_rule(Crt.REGIME_NORMAL, settings, destination("SP", "SP", None), "SP", "SP", 0)
    assert (rule.regime.icms_group, rule.icms_rate) == (IcmsGroup.TAXED_00, Decimal("18"))
    assert (rule.regime.pis_cofins_group, rule.pis_cofins_cst) == (PisCofinsGroup.RATE, "01")
    assert (rule.pis_rate, rule.cofins_rate) == (Decimal("1.65"), Decimal("7.60"))
    assert rule.difal is None
    tax = rule.ibs_cbs
    assert (tax.cst, tax.class_code) == ("000", "000001")
    assert (tax.cbs_rate, tax.ibs_uf_rate, tax.ibs_municipal_rate) == (Decimal("0.90"), Decimal("0.10"), 0)


def test_regime_normal_to_a_consumer_in_another_uf_pays_the_interstate_rate_and_the_difal():
    settings = TaxSettings(destination_icms_rates={"BA": Decimal("20.5")})
    rule = line_tax_rule(Crt.REGIME_NORMAL, settings, destination("SP", "BA", None), "SP", "BA", 0)
    assert rule.icms_rate == Decimal("7")
    assert (rule.difal.destination_rate, rule.difal.interstate_rate) == (Decimal("20.5"), Decimal("7"))
    # A contributor pays its own DIFAL: no ICMSUFDest on the NF-e.
    contributor = line_tax_rule(Crt.REGIME_NORMAL, settings, destination("SP", "BA", "123"), "SP", "BA", 0)
    assert contributor.difal is None


def test_a_missing_destination_rate_is_a_listed_problem_only_where_the_difal_applies():
    settings = TaxSettings(destination_icms_rates={"RJ": Decimal("20")})
    to_bahia = destination("SP", "BA", None)
    assert "alíquota interna de ICMS de BA" in difal_problem(Crt.REGIME_NORMAL, settings, to_bahia, "BA")
    assert difal_problem(Crt.REGIME_NORMAL, settings, destination("SP", "RJ", None), "RJ") is None
    assert difal_problem(Crt.SIMPLES_NACIONAL, settings, to_bahia, "BA") is None
    assert difal_problem(Crt.REGIME_NORMAL, settings, destination("SP", "SP", None), "SP") is None


@pytest.mark.parametrize(
    ("method", "code", "description"),
    [
        ("credit_card", "03", None),
        ("debit_card", "04", None),
        ("boleto", "15", None),
        ("pix", "17", None),
        ("wire_transfer", "18", None),
        ("cash", "01", None),
        ("Cartão de Crédito", "03", None),
        ("cartão de débito", "04", None),
        ("Boleto Bancário", "15", None),
        ("PIX", "17", None),
        ("Mercado Pago wallet", "18", None),          # a digital wallet's balance, as the method "wallet"
        ("Carteira digital", "18", None),
        ("Carteira digital - cartão de crédito", "03", None),   # a card inside the wallet: the card's code
        ("account_money", "18", None),                 # the buyer's Mercado Pago balance: a digital wallet
        # The store's own codes for "other" in words the buyer reads on the DANFE; a merchant's text as it is.
        ("custom", "99", "Meio de pagamento personalizado da loja"),
        ("other", "99", "Outros"),
        ("Cheque", "02", None),
        # A store's custom methods (review: "Crédito em loja" was a credit card, a deposit "outros").
        ("Crédito em loja", "05", None), ("Crediário próprio", "05", None), ("Vale-presente", "12", None),
        ("Gift card", "12", None), ("Depósito bancário", "16", None), ("Transferência ou depósito", "18", None),
        ("Cartão de crédito", "03", None), ("Cartão de débito", "04", None),
        ("Cartão de crédito na loja", "03", None),   # by card, at the pickup: a card, not the store's credit
        ("", "99", "Outros"),
        (None, "99", "Outros"),
    ],
)
def test_payment_type_from_the_store_method(method, code, description):
    kind = payment_type(method)
    assert (kind.code, kind.description) == (code, description)
