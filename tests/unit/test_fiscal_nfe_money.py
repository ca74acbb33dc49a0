"""The NF-e's money: shares of freight, discount and other charges that add up, taxes rounded half up per
item, totals that are the sums of the items, and vNF equal to the store's total to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lojasync.fiscal.nfe_data import Crt, InvoiceItem, Payment, TaxSettings
from lojasync.fiscal.nfe_money import amount_problems, brl, cents, invoice_amounts, item_value, percent_of
from lojasync.fiscal.tax_rules import destination, line_tax_rule

D = Decimal
CENT = D("0.01")


def rules_for(items, crt=Crt.REGIME_NORMAL, recipient_uf="BA", settings_=None):
    settings_ = settings_ or TaxSettings(destination_icms_rates={"BA": D("20.5")})
    dest = destination("SP", recipient_uf, None)
    return [line_tax_rule(crt, settings_, dest, "SP", recipient_uf, item.origin) for item in items]


def item(quantity, price, origin=0):
    return InvoiceItem("SKU", "Produto", "61091000", D(quantity), D(price), origin=origin)


# --- examples ------------------------------------------------------------------------------------------------

def test_freight_and_discount_are_split_by_item_value_and_the_cents_left_go_to_the_largest_remainders():
    items = [item(1, "10.00"), item(1, "10.00"), item(1, "10.00")]
    amounts = invoice_amounts(items, rules_for(items), freight=D("10.00"), discount=D("1.00"))
    assert [x.freight for x in amounts.lines] == [D("3.34"), D("3.33"), D("3.33")]
    assert [x.discount for x in amounts.lines] == [D("0.34"), D("0.33"), D("0.33")]
    assert amounts.totals.invoice_total == D("39.00")


def test_shares_follow_the_item_values():
    items = [item(3, "30.00"), item(1, "10.00")]
    amounts = invoice_amounts(items, rules_for(items), freight=D("20.00"), discount=D("5.00"))
    assert [x.freight for x in amounts.lines] == [D("18.00"), D("2.00")]
    assert [x.discount for x in amounts.lines] == [D("4.50"), D("0.50")]


def test_item_value_is_quantity_times_price_rounded_half_up():
    assert item_value(item("3", "0.335")) == D("1.01")        # 1.005 -> 1.01, never banker's 1.00
    assert item_value(item("0.125", "10.00")) == D("1.25")
    assert item_value(item("2.5", "3.33")) == D("8.33")        # 8.325 -> 8.33


def test_taxes_round_half_up_to_the_cent():
    assert percent_of(D("0.50"), D("1")) == D("0.01")          # 0.005
    assert percent_of(D("10.05"), D("0.9")) == D("0.09")       # 0.09045
    assert percent_of(D("116.50"), D("0.9")) == D("1.05")      # 1.0485
    assert percent_of(D("250.00"), D("0")) == D("0.00")


def test_regime_normal_item_values_follow_the_layout_formulas():
    [line] = invoice_amounts([item(2, "50.00")], rules_for([item(2, "50.00")]), freight=D("10.00"),
                             discount=D("5.00")).lines
    assert line.icms_base == D("105.00")                         # vProd + vFrete - vDesc
    assert line.icms == D("7.35")                                # SP -> BA: 7%
    assert line.pis_base == D("97.65")                           # ICMS out of the PIS/COFINS base
    assert (line.pis, line.cofins) == (D("0.63"), D("2.93"))     # 0.65% and 3% (0.634725, 2.9295)
    assert line.difal == D("14.18")                              # (20.5% - 7%) of 105.00 = 14.175
    assert line.ibs_cbs_base == D("105.00") - D("7.35") - D("0.63") - D("2.93") - D("14.18")
    assert (line.ibs_uf, line.ibs_municipal, line.cbs) == (D("0.08"), D("0.00"), D("0.72"))


def test_simples_nacional_items_carry_no_tax_values():
    items = [item(2, "50.00")]
    [line] = invoice_amounts(items, rules_for(items, Crt.SIMPLES_NACIONAL), freight=D("10.00"),
                             discount=D("5.00")).lines
    assert (line.icms_base, line.icms, line.pis, line.cofins, line.difal, line.cbs) == (0, 0, 0, 0, 0, 0)
    assert line.total == D("105.00")


def test_amount_problems_lists_what_cannot_make_a_valid_nfe():
    items = [item(1, "100.00")]
    pay = (Payment("pix", D("100.00")),)
    assert amount_problems(items, freight=D("0"), discount=D("0"), order_total=D("100.00"), payments=pay) == []
    assert "maior que o valor dos produtos" in amount_problems(items, freight=D(0), discount=D("100.01"),
                                                               payments=pay)[0]
    [mismatch] = amount_problems(items, freight=D("15.00"), discount=D(0), order_total=D("110.00"),
                                 payments=(Payment("pix", D("115.00")),))
    assert mismatch.startswith("o total do pedido na loja (R$ 110,00) difere")
    assert amount_problems(items, freight=D(0), discount=D(0), payments=(Payment("pix", D("99.99")),)) == [
        "os pagamentos (R$ 99,99) não cobrem o total da NF-e (R$ 100,00)"]
    assert amount_problems(items, freight=D(0), discount=D(0)) == ["pedido sem forma de pagamento"]
    assert amount_problems(items, freight=D("-1"), discount=D(0), payments=pay) == ["frete negativo: R$ -1,00"]
    assert "quantidade deve ser maior que zero" in amount_problems([item(0, "1.00")], freight=D(0),
                                                                   discount=D(0), payments=pay)[0]


def test_brl_formats_as_a_merchant_reads_it():
    assert brl(D("1234567.891")) == "R$ 1.234.567,89"
    assert brl(D("0.5")) == "R$ 0,50"


# --- properties ----------------------------------------------------------------------------------------------

prices = st.integers(min_value=1, max_value=99_999_99).map(lambda c: D(c) / 100)
quantities = st.one_of(st.integers(min_value=1, max_value=50).map(D),
                       st.integers(min_value=1, max_value=500_000).map(lambda q: D(q) / 1000))
items_st = st.lists(st.builds(item, quantities, prices, st.sampled_from([0, 1, 2, 5, 8])), min_size=1,
                    max_size=12)
money_st = st.integers(min_value=0, max_value=500_00).map(lambda c: D(c) / 100)


@st.composite
def orders(draw):
    items = draw(items_st)
    goods = sum((item_value(x) for x in items), D(0))
    discount_cents = draw(st.integers(min_value=0, max_value=int(goods * 100)))
    return items, draw(money_st), D(discount_cents) / 100, draw(st.integers(0, 50_00).map(lambda c: D(c) / 100))


@settings(max_examples=300, deadline=None)
@given(orders(), st.sampled_from([Crt.SIMPLES_NACIONAL, Crt.REGIME_NORMAL]), st.sampled_from(["SP", "RJ", "BA"]))
def test_shares_add_up_vnf_is_the_store_total_and_nothing_goes_negative(order, crt, recipient_uf):
    items, freight, discount, other = order
    amounts = invoice_amounts(items, rules_for(items, crt, recipient_uf), freight=freight, discount=discount,
                              other=other)
    lines, totals = amounts.lines, amounts.totals
    # The parts add up to the whole.
    assert sum(x.freight for x in lines) == freight
    assert sum(x.discount for x in lines) == discount
    assert sum(x.other for x in lines) == other
    # vNF is what the store charged: its lines (rounded as the store rounds them), less discount, plus freight.
    store_total = sum((cents(x.quantity * x.unit_price) for x in items), D(0)) - discount + freight + other
    assert totals.invoice_total == store_total
    assert sum(x.total for x in lines) == totals.invoice_total
    # No item goes below zero, and every value is in cents.
    for line in lines:
        assert 0 <= line.discount <= line.goods
        assert line.freight >= 0 and line.other >= 0 and line.total >= 0
        for value in (line.icms, line.pis, line.cofins, line.difal, line.ibs_uf, line.ibs_municipal, line.cbs):
            assert value >= 0 and value == value.quantize(CENT)
    # The totals are the sums of the items (what SEFAZ checks).
    assert totals.icms == sum(x.icms for x in lines) and totals.icms_base == sum(x.icms_base for x in lines)
    assert totals.cbs == sum(x.cbs for x in lines) and totals.ibs == sum(x.ibs for x in lines)
    assert amount_problems(items, freight=freight, discount=discount, other=other, order_total=store_total,
                           payments=[Payment("pix", store_total)]) == []


@settings(max_examples=200, deadline=None)
@given(orders())
def test_each_tax_is_its_rate_of_its_base_rounded_half_up(order):
    items, freight, discount, other = order
    rules = rules_for(items)
    for line, rule in zip(invoice_amounts(items, rules, freight=freight, discount=discount, other=other).lines,
                          rules, strict=True):
        assert line.icms_base == line.goods + line.freight + line.other - line.discount
        assert line.icms == (line.icms_base * rule.icms_rate / 100).quantize(CENT, "ROUND_HALF_UP")
        assert line.pis_base == line.icms_base - line.icms
        assert line.cbs == (line.ibs_cbs_base * D("0.9") / 100).quantize(CENT, "ROUND_HALF_UP")
        assert line.ibs_cbs_base == line.icms_base - line.icms - line.pis - line.cofins - line.difal


@pytest.mark.parametrize("discount", ["0.00", "0.01", "99.99", "100.00"])
def test_a_discount_up_to_the_goods_never_makes_an_item_negative(discount):
    items = [item(1, "0.01"), item(3, "33.33")]
    amounts = invoice_amounts(items, rules_for(items), freight=D(0), discount=D(discount))
    assert all(0 <= x.discount <= x.goods for x in amounts.lines)
