"""The NF-e's money from a store order, end to end on a real database and the SEFAZ simulator: vNF is the store's
total, and the discount, freight and other charges say what the buyer paid for."""

from __future__ import annotations

import pytest

from lojasync.fiscal.errors import DocumentNotPossible
from lojasync.fiscal.services.invoices import generate_invoice
from tests.factories import order_payload
from tests.integration.test_customer_state_registration import imported
from tests.integration.test_invoice_transport import NS, PICKUP, company, issued, one  # noqa: F401 (fixture)

# A R$ 10,00 item shipped for R$ 25,00, with a store coupon that covers the shipping too (Nuvemshop's coupons may
# include it): R$ 30,00 off, R$ 5,00 to pay.
SHIPPING_COUPON = {"subtotal": "10.00", "discount": "30.00", "discount_coupon": "30.00", "discount_gateway": "0.00",
                   "shipping_cost_customer": "25.00", "total": "5.00",
                   "products": [{"id": 1, "product_id": 501, "variant_id": 601, "name": "Chaveiro", "sku": "CHAV",
                                 "price": "10.00", "quantity": 1}]}


def test_a_discount_beyond_the_goods_comes_off_the_freight(app, company, sefaz):  # noqa: F811
    """review (money): a coupon that also covers the shipping can take off more than the goods are worth. The order adds
    up (10,00 - 30,00 + 25,00 = 5,00), but its NF-e was refused for good ("desconto maior que o valor dos produtos"),
    nothing the merchant could change in the store. The goods are given away (vDesc = vProd) and what is left of the
    discount comes off the freight: vNF is the store's total."""
    _, proc = issued(app, sefaz, id=2600000101, **SHIPPING_COUPON)
    totals = [one(proc, f"//n:ICMSTot/n:{tag}") for tag in ("vProd", "vDesc", "vFrete", "vOutro", "vNF")]
    assert totals == ["10.00", "10.00", "5.00", "0.00", "5.00"]
    assert [e.text for e in proc.xpath("//n:detPag/n:vPag", namespaces=NS)] == ["5.00"]


def test_at_a_pickup_what_is_left_of_the_discount_comes_off_the_other_charges(app, company, sefaz):  # noqa: F811
    _, proc = issued(app, sefaz, id=2600000102, **SHIPPING_COUPON, **PICKUP)
    totals = [one(proc, f"//n:ICMSTot/n:{tag}") for tag in ("vProd", "vDesc", "vFrete", "vOutro", "vNF")]
    assert totals == ["10.00", "10.00", "0.00", "5.00", "5.00"]


def test_a_discount_beyond_everything_charged_is_still_refused(app, company):  # noqa: F811
    # The store's total says the buyer pays R$ 0,00 while 10,00 - 40,00 + 25,00 is negative: no NF-e adds up.
    (number,) = imported(app, order_payload(id=2600000103, **{**SHIPPING_COUPON, "discount": "40.00",
                                                              "discount_coupon": "40.00", "total": "0.00"}))
    with pytest.raises(DocumentNotPossible) as refused:
        generate_invoice(app.uow(), app.cipher, number)
    assert any("maior que o valor dos produtos" in p for p in refused.value.problems), refused.value.problems
