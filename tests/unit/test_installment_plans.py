"""The installments of a receivable plan: they add up to the total to the cent, none is R$ 0,00, and the due
dates follow the payment method's rule."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from lojasync.finance.plans import DEFAULT_RULES, InstallmentRule, installment_plan

START = date(2026, 12, 1)


@given(cents=st.integers(min_value=1, max_value=10**9), installments=st.integers(min_value=-2, max_value=60),
       method=st.sampled_from([*DEFAULT_RULES, "other", None, "CREDIT_CARD"]))
@example(cents=1, installments=2, method="pix")
def test_installments_add_up_to_the_total_and_none_is_zero(cents, installments, method):
    total = Decimal(cents) / 100
    plan = installment_plan(total, installments, method, START)
    assert sum(part.amount for part in plan) == total
    assert all(part.amount > 0 for part in plan)
    assert [part.number for part in plan] == list(range(1, len(plan) + 1))
    assert 1 <= len(plan) <= max(1, installments)


def test_a_total_smaller_than_the_installments_makes_fewer_installments_of_at_least_a_cent():
    plan = installment_plan(Decimal("0.02"), 3, "credit_card", START)
    assert [part.amount for part in plan] == [Decimal("0.01"), Decimal("0.01")]


def test_card_installments_fall_due_every_30_days_and_the_rule_is_the_integrators():
    plan = installment_plan(Decimal("100.00"), 3, "credit_card", START)
    assert [p.amount for p in plan] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert [p.due_date for p in plan] == [START + timedelta(days=d) for d in (30, 60, 90)]
    boleto = installment_plan(Decimal("10.00"), 2, "boleto", START, {"boleto": InstallmentRule(5, 15)})
    assert [p.due_date for p in boleto] == [START + timedelta(days=5), START + timedelta(days=20)]


def test_an_installment_the_rule_puts_before_not_before_falls_due_that_day_and_the_later_ones_keep_theirs():
    plan = installment_plan(Decimal("90.00"), 3, "credit_card", START, not_before=START + timedelta(days=45))
    assert [p.due_date for p in plan] == [START + timedelta(days=d) for d in (45, 60, 90)]
    assert installment_plan(Decimal("9.00"), 1, "pix", START, not_before=START - timedelta(days=3))[0].due_date == START


def test_a_method_written_in_words_takes_the_rule_of_what_its_nfe_says_it_is() -> None:
    """review: "Cartão de Crédito" (tPag 03 on its NF-e) got OTHER's rule, its first installment due at once."""
    from lojasync.fiscal.tax_rules import payment_kind

    def due(method: str) -> list[date]:
        return [p.due_date for p in installment_plan(Decimal("300.00"), 3, method, START, kind=payment_kind(method))]

    assert due("Cartão de Crédito") == due("credit_card") == [START + timedelta(days=d) for d in (30, 60, 90)]
    assert due("Boleto Bancário") == due("boleto")
    assert payment_kind("Cartão de Débito") == "debit_card" and payment_kind("Vale presente") is None
    # A rule the integrator gave for the store's own name still wins over its kind's.
    rules = {**DEFAULT_RULES, "wallet": InstallmentRule(first_days=2, every_days=30)}
    plan = installment_plan(Decimal("10.00"), 1, "wallet", START, rules, kind=payment_kind("wallet"))
    assert plan[0].due_date == START + timedelta(days=2)
