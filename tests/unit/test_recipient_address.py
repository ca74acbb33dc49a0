"""The NF-e recipient's address, as the draft and the IE check both read it (sales.recipient)."""

from __future__ import annotations

from types import SimpleNamespace

from lojasync.sales.orders import CustomerLink
from lojasync.sales.recipient import recipient_address
from lojasync.shared.address import Address

SP = Address(street="Rua das Flores", number="123", city="São Paulo", state="SP", zipcode="01001-000")
RJ = Address(street="Avenida Atlântica", number="500", city="Rio de Janeiro", state="RJ", zipcode="22010-000")


def order(billing=None, shipping=None, link=CustomerLink.STORE):
    return SimpleNamespace(billing_address=billing, shipping_address=shipping, customer_link=link)


def test_the_sales_own_billing_address_comes_before_the_customers_newest():
    assert recipient_address(order(SP), SimpleNamespace(address=RJ)) == SP


def test_a_customer_a_person_linked_keeps_its_own_address_first():
    assert recipient_address(order(SP, link=CustomerLink.MANUAL), SimpleNamespace(address=RJ)) == RJ


def test_a_billing_address_with_a_name_and_phone_alone_is_passed_over():
    """review: such a billing address was picked over the customer's complete one, and the NF-e was refused."""
    partial = Address(name="Ana", phone="+5511999999999")
    assert recipient_address(order(partial), SimpleNamespace(address=SP)) == SP
    assert recipient_address(order(partial), SimpleNamespace(address=None)) == partial   # for the refusal to name
    assert recipient_address(None, SimpleNamespace(address=RJ)) == RJ                   # no order: the customer's
