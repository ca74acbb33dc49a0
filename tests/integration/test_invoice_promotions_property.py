"""Random promoted store orders (promotion per line, coupon, freight, a coupon that covers the freight, quantities,
lines of R$ 0,01, promotions of a line's whole value) imported, invoiced and sent to the SEFAZ simulator, in Simples
Nacional and in regime normal to a consumer in another UF (DIFAL): every NF-e authorised at the store's total, and
each item's vDesc holds its promotion and no more than its value."""

from __future__ import annotations

import itertools
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from lojasync.fiscal.services.company import CompanyData, install_test_certificate, set_company
from lojasync.fiscal.services.company_taxes import CompanyTaxes, set_company_taxes
from lojasync.fiscal.services.invoice_files import invoice_xml
from lojasync.fiscal.services.invoices import approve_invoice, generate_invoice
from tests.factories import order_payload
from tests.integration.test_customer_state_registration import imported

NS = {"n": "http://www.portalfiscal.inf.br/nfe"}
CENT = Decimal("0.01")
_ids = itertools.count(2700000001)
RIO = {"address": "Rua do Ouvidor", "number": "50", "floor": "", "locality": "Centro", "zipcode": "20040-030",
       "city": "Rio de Janeiro", "province": "Rio de Janeiro", "country": "BR"}


def _company(app, crt: int) -> None:
    set_company(app.uow(), CompanyData(legal_name="Loja Exemplo Ltda", cnpj="11222333000181", ie="110042490114",
                                       crt=crt, street="Rua A", number="10", district="Centro", city="São Paulo",
                                       uf="SP", zipcode="01001000", default_ncm="61091000"))
    install_test_certificate(app.uow(), app.cipher)
    if crt == 3:
        set_company_taxes(app.uow(), CompanyTaxes(destination_icms_rates={"rj": "20"}))


line_st = st.tuples(st.one_of(st.just(1), st.integers(1, 50_000)), st.integers(1, 4),
                    st.sampled_from(["none", "rate", "whole", "split"]), st.sampled_from(["0.10", "0.15", "0.50"]))
order_st = st.tuples(st.lists(line_st, min_size=1, max_size=6), st.integers(0, 5_000), st.integers(0, 100))


def _payload(lines, freight_cents, coupon_share, rio: bool) -> tuple[dict, list[Decimal]]:
    products, contents, promos = [], [], []
    for n, (price_cents, quantity, kind, rate) in enumerate(lines, start=1):
        price = Decimal(price_cents) * CENT
        value = price * quantity
        promo = Decimal(0)
        if kind == "rate":
            promo = (price * Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_UP) * quantity
        elif kind in ("whole", "split"):
            promo = value
        if promo:
            if kind == "split" and promo >= 2 * CENT:
                half = (promo / 2).quantize(CENT)
                contents += [{"id": n, "total_discount_amount": float(half)},
                             {"id": n, "total_discount_amount": float(promo - half)}]
            else:
                contents.append({"id": n, "total_discount_amount": float(promo)})
        promos.append(promo)
        products.append({"id": n, "product_id": 800 + n, "variant_id": 900 + n, "name": f"Produto {n}",
                         "sku": f"P{n}", "price": str(price), "quantity": quantity})
    subtotal = sum((Decimal(p["price"]) * p["quantity"] for p in products), Decimal(0))
    promoted = sum(promos, Decimal(0))
    freight = Decimal(freight_cents) * CENT
    # The coupon: up to what is left after the promotion plus the freight (a coupon may cover the shipping too).
    coupon = ((subtotal - promoted + freight) * Decimal(coupon_share) / 100).quantize(CENT, rounding="ROUND_FLOOR")
    discount = promoted + coupon
    total = subtotal - discount + freight
    payload = {"id": next(_ids), "subtotal": str(subtotal), "discount": str(discount), "discount_coupon": str(coupon),
               "discount_gateway": "0.00", "shipping_cost_customer": str(freight), "total": str(total),
               "products": products,
               "promotional_discount": {"id": 1, "total_discount_amount": str(promoted), "contents": contents,
                                        "promotions_applied": []}}
    if rio:
        payload.update(billing_address=RIO["address"], billing_number=RIO["number"], billing_floor="",
                       billing_locality=RIO["locality"], billing_zipcode=RIO["zipcode"], billing_city=RIO["city"],
                       billing_province=RIO["province"], shipping_address={"name": "João", **RIO})
    return payload, promos


def _d(det, path, default="0"):
    return Decimal(det.findtext(path, default, namespaces=NS))


@pytest.mark.parametrize("crt", [1, 3])
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(order=order_st)
def test_random_promoted_orders_are_authorised_at_the_store_total(app, sefaz, crt, order):
    lines, freight_cents, coupon_share = order
    if getattr(app, "_promotions_company", None) != crt:
        _company(app, crt)
        app._promotions_company = crt
    payload, promos = _payload(lines, freight_cents, coupon_share, rio=crt == 3)
    (number,) = imported(app, order_payload(**payload))
    invoice = generate_invoice(app.uow(), app.cipher, number)
    authorised, _ = approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)
    assert authorised.status == "authorised", (authorised.rejection_code, authorised.rejection_reason, payload)
    proc = etree.fromstring(invoice_xml(app.uow(), invoice.id))
    assert Decimal(proc.findtext(".//n:ICMSTot/n:vNF", namespaces=NS)) == Decimal(payload["total"])
    dets = proc.xpath("//n:det", namespaces=NS)
    goods = [_d(det, "n:prod/n:vProd") for det in dets]
    discounts = [_d(det, "n:prod/n:vDesc") for det in dets]
    assert all(p <= d <= g for p, d, g in zip(promos, discounts, goods, strict=True)), (promos, discounts, goods)
    assert sum(discounts) == min(Decimal(payload["discount"]), sum(goods))
    if crt == 3:
        for det in dets:
            operation = (_d(det, "n:prod/n:vProd") - _d(det, "n:prod/n:vDesc") + _d(det, "n:prod/n:vFrete")
                         + _d(det, "n:prod/n:vOutro"))
            assert _d(det, ".//n:ICMS00/n:vBC") == operation
            assert _d(det, ".//n:ICMSUFDest/n:vBCUFDest") == operation
