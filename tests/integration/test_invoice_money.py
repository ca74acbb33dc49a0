"""The NF-e's money from a store order, end to end on a real database and the SEFAZ simulator: vNF is the store's
total, and the discount, freight and other charges say what the buyer paid for."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from lojasync.fiscal.errors import DocumentNotPossible
from lojasync.fiscal.services.invoice_files import invoice_xml
from lojasync.fiscal.services.invoices import approve_invoice, generate_invoice
from lojasync.nuvemshop.services.stores import add_store
from lojasync.nuvemshop.services.sync_store import sync_store
from lojasync.sales.views import list_orders
from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.server import SimulatorServer
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


# The money of a real Nuvemshop order with a store promotion ("Promoções", 10% off from 1 unit in two categories),
# as the platform sent it (order 707979677 of store 417567, in a public integration's fixture; amounts kept, the store
# was Argentine). `discount` already holds the promotion (989,60 = promotional_discount.total_discount_amount, no
# coupon, no gateway discount), `total` nets it out (9.896,00 - 989,60 + 647,60 = 9.554,00), and each line's `price`
# is its price before the promotion (3.799,00 - 379,90 = the promotion's final_price 3.419,10).
PROMOTION = {
    "subtotal": "9896.00", "discount": "989.60", "discount_coupon": "0.00", "discount_gateway": "0.00",
    "shipping_cost_customer": "647.60", "total": "9554.00", "coupon": [],
    "promotional_discount": {
        "id": 27374689, "store_id": 417567, "order_id": 707979677, "created_at": "2022-09-07T16:58:36-0300",
        "total_discount_amount": "989.60",
        "contents": [
            {"id": 993842616, "discount_script_type": "NAtX%off", "scope_type": "categories",
             "scope_value_id": 3852205, "scope_value_name": "MUSCULOSAS", "quantity": 1, "original_price": 2450,
             "final_price": 1169.1, "discount_amount": 129.9, "total_discount_amount": 129.9},
            {"id": 993843208, "discount_script_type": "NAtX%off", "scope_type": "categories",
             "scope_value_id": 3852205, "scope_value_name": "MUSCULOSAS", "quantity": 1, "original_price": 2450,
             "final_price": 1169.1, "discount_amount": 129.9, "total_discount_amount": 129.9},
            {"id": 993836429, "discount_script_type": "NAtX%off", "scope_type": "categories",
             "scope_value_id": 3688847, "scope_value_name": "Vestidos", "quantity": 1, "original_price": 6000,
             "final_price": 3149.1, "discount_amount": 349.9, "total_discount_amount": 349.9},
            {"id": 993838565, "discount_script_type": "NAtX%off", "scope_type": "categories",
             "scope_value_id": 3688847, "scope_value_name": "Vestidos", "quantity": 1, "original_price": 4140,
             "final_price": 3419.1, "discount_amount": 379.9, "total_discount_amount": 379.9},
        ],
        "promotions_applied": [
            {"scope_value_id": 3852205, "discount_script_type": "NAtX%off", "total_discount_amount": 259.8,
             "scope_value_name": "MUSCULOSAS", "selected_threshold": {"quantity": 1, "discount_decimal_percentage": 0.1}},
            {"scope_value_id": 3688847, "discount_script_type": "NAtX%off", "total_discount_amount": 729.8,
             "scope_value_name": "Vestidos", "selected_threshold": {"quantity": 1, "discount_decimal_percentage": 0.1}},
        ],
    },
    "payment_details": {"method": "credit_card", "credit_card_company": None, "installments": "1"},
    "products": [
        {"id": 993838565, "product_id": 118357100, "variant_id": "457089268", "name": "VESTIDO FAUNA (CAMEL)",
         "sku": "1002220-CA", "price": "3799.00", "compare_at_price": "4140.00", "quantity": "1"},
        {"id": 993842616, "product_id": 129450067, "variant_id": "506707327", "name": "MUSCULOSA BERNARD (Negro, M)",
         "sku": "1002638-NE-M", "price": "1299.00", "compare_at_price": "2450.00", "quantity": "1"},
        {"id": 993843208, "product_id": 129450067, "variant_id": "506707338", "name": "MUSCULOSA BERNARD (Rosa, M)",
         "sku": "1002638-RS-M", "price": "1299.00", "compare_at_price": "2450.00", "quantity": "1"},
        {"id": 993836429, "product_id": 129841033, "variant_id": "508538870", "name": "VESTIDO PEAK (FUCSIA)",
         "sku": "1002646-FU", "price": "3499.00", "compare_at_price": "6000.00", "quantity": "1"},
    ],
}


def test_a_store_promotion_is_read_once_from_the_discount_and_vnf_is_the_total(app, company, sefaz):  # noqa: F811
    """Nuvemshop's promotions (Promoções: "leve X pague Y", "% off a partir de N unidades") reach the order in
    `promotional_discount`, and the platform already counts them in `discount`; the lines keep their price before the
    promotion. Read from `discount` alone they are taken off once: vProd is the lines at their price, vDesc the store's
    discount, vNF the store's total. Taking `total_discount_amount` off as well would count the promotion twice."""
    _, proc = issued(app, sefaz, id=2600000104, **PROMOTION)
    totals = [one(proc, f"//n:ICMSTot/n:{tag}") for tag in ("vProd", "vDesc", "vFrete", "vOutro", "vNF")]
    assert totals == ["9896.00", "989.60", "647.60", "0.00", "9554.00"]
    prices = {e.findtext("n:cProd", namespaces=NS): e.findtext("n:vUnCom", namespaces=NS)
              for e in proc.xpath("//n:det/n:prod", namespaces=NS)}
    assert {code: Decimal(price) for code, price in prices.items()} == {
        "1002220-CA": Decimal("3799"), "1002638-NE-M": Decimal("1299"), "1002638-RS-M": Decimal("1299"),
        "1002646-FU": Decimal("3499")}
    assert [e.text for e in proc.xpath("//n:detPag/n:vPag", namespaces=NS)] == ["9554.00"]


@pytest.fixture()
def store():
    with SimulatorServer(config=SimulatorConfig(orders=40, seed=3, deliver_webhooks=False)) as server:
        yield server


def test_orders_with_a_store_promotion_from_the_store_simulator_are_invoiced_at_the_store_total(
        app, company, sefaz, store):  # noqa: F811
    """The store simulator sends promotions as the platform does: `promotional_discount` filled, the promotion counted
    in `discount` (beside any coupon or gateway discount) and netted out of `total`, the lines at their price before
    it. Synced over HTTP and invoiced, each NF-e is authorised with vNF = the store's total, vDesc = its discount."""
    promoted = _promoted(store)
    assert len(promoted) >= 3 and any(Decimal(o["discount"]) > Decimal(o["promotional_discount"]
                                                                       ["total_discount_amount"]) for o in promoted)
    for order, proc in _synced_and_authorised(app, sefaz, store, promoted):
        totals = [Decimal(one(proc, f"//n:ICMSTot/n:{tag}")) for tag in ("vProd", "vDesc", "vNF")]
        assert totals == [Decimal(order["subtotal"]), Decimal(order["discount"]), Decimal(order["total"])], order["id"]
        prices = sorted(Decimal(e.text) for e in proc.xpath("//n:det/n:prod/n:vUnCom", namespaces=NS))
        assert prices == sorted(Decimal(line["price"]) for line in order["products"])


def _line_discounts(proc) -> dict[str, Decimal]:
    """Each item's vDesc by its code (0 where the item has none: the XSD leaves a zero out)."""
    return {det.findtext("n:prod/n:cProd", namespaces=NS): Decimal(det.findtext("n:prod/n:vDesc", "0",
                                                                                namespaces=NS))
            for det in proc.xpath("//n:det", namespaces=NS)}


# order_payload's lines: CAM-ALG-P (id 1, 2 x 50,00) and CAN-CER (id 2, 1 x 50,00), freight 20,00. A promotion of
# R$ 20,00 on the first line and a coupon of R$ 13,00: discount 33,00, total 150,00 - 33,00 + 20,00 = 137,00.
ONE_LINE_PROMOTED = {
    "discount": "33.00", "discount_coupon": "13.00", "discount_gateway": "0.00", "total": "137.00",
    "promotional_discount": {
        "id": 27374690, "total_discount_amount": "20.00",
        "contents": [{"id": 1, "discount_script_type": "NAtX%off", "scope_type": "categories", "quantity": 2,
                      "original_price": 50, "final_price": 40, "discount_amount": 10, "total_discount_amount": 20}],
        "promotions_applied": [{"scope_value_id": 3852205, "discount_script_type": "NAtX%off",
                                "total_discount_amount": 20, "scope_value_name": "Roupas"}]},
}


def test_a_promotion_on_one_line_is_that_items_discount_and_only_the_coupon_is_shared(app, company, sefaz):  # noqa: F811
    """review (money): the order's whole discount was shared by the lines' values, so a promotion on one line came off
    the other too (22,00 and 11,00 here): the totals were right, each item's vDesc (its ICMS base in regime normal,
    its DIFAL, its PIS/COFINS bases) was not. The promoted line keeps its promotion (20,00) and its share of the
    coupon by what it costs after it (80,00 of 130,00: 8,00); the other line has only its share of the coupon."""
    _, proc = issued(app, sefaz, id=2600000105, **ONE_LINE_PROMOTED)
    assert _line_discounts(proc) == {"CAM-ALG-P": Decimal("28.00"), "CAN-CER": Decimal("5.00")}
    totals = [one(proc, f"//n:ICMSTot/n:{tag}") for tag in ("vProd", "vDesc", "vFrete", "vNF")]
    assert totals == ["150.00", "33.00", "20.00", "137.00"]


def test_each_line_of_a_real_promoted_order_has_its_own_promotion(app, company, sefaz):  # noqa: F811
    """No coupon: each item's vDesc is what `contents` says came off its line. (This order's promotion is 10% of every
    line, which a share by value gives too: the same order with a line no promotion reached tells them apart.)"""
    own = {"1002220-CA": Decimal("379.90"), "1002638-NE-M": Decimal("129.90"), "1002638-RS-M": Decimal("129.90"),
           "1002646-FU": Decimal("349.90")}
    _, proc = issued(app, sefaz, id=2600000106, **PROMOTION)
    assert _line_discounts(proc) == own
    unpromoted = {"id": 993849999, "product_id": 129841099, "variant_id": "508539999", "name": "BOLSA PALHA",
                  "sku": "1002700-PA", "price": "500.00", "quantity": "1"}
    _, proc = issued(app, sefaz, id=2600000108, **{**PROMOTION, "subtotal": "10396.00", "total": "10054.00",
                                                   "products": [*PROMOTION["products"], unpromoted]})
    assert _line_discounts(proc) == {**own, "1002700-PA": Decimal("0")}
    assert one(proc, "//n:ICMSTot/n:vNF") == "10054.00"


def test_promotion_data_that_does_not_name_the_orders_lines_is_shared_by_value_as_before(app, company, sefaz):  # noqa: F811
    """A promotion entry for a line the order does not have (edited since): which line had what cannot be said, so
    the whole discount is shared by the lines' values as before, and the NF-e is still authorised at the store's
    total."""
    stray = {**ONE_LINE_PROMOTED["promotional_discount"],
             "contents": [{**ONE_LINE_PROMOTED["promotional_discount"]["contents"][0], "id": 99}]}
    _, proc = issued(app, sefaz, id=2600000107, **{**ONE_LINE_PROMOTED, "promotional_discount": stray})
    assert _line_discounts(proc) == {"CAM-ALG-P": Decimal("22.00"), "CAN-CER": Decimal("11.00")}
    assert one(proc, "//n:ICMSTot/n:vNF") == "137.00"


def test_each_line_of_the_store_simulators_promoted_orders_keeps_its_promotion(app, company, sefaz, store):  # noqa: F811
    """Synced over HTTP (the promotion's amounts are JSON numbers there), each promoted line's vDesc holds its
    promotion, and what the items have beyond their promotions is the rest of the discount (coupon, gateway)."""
    promoted = _promoted(store)
    assert promoted
    for order, proc in _synced_and_authorised(app, sefaz, store, promoted):
        own = {}
        for content in order["promotional_discount"]["contents"]:
            own[content["id"]] = own.get(content["id"], Decimal(0)) + Decimal(str(content["total_discount_amount"]))
        given = [own.get(line["id"], Decimal(0)) for line in order["products"]]
        discounts = [Decimal(det.findtext("n:prod/n:vDesc", "0", namespaces=NS))
                     for det in proc.xpath("//n:det", namespaces=NS)]
        assert all(d >= g for d, g in zip(discounts, given, strict=True)), order["id"]
        rest = Decimal(order["discount"]) - Decimal(order["promotional_discount"]["total_discount_amount"])
        assert sum(d - g for d, g in zip(discounts, given, strict=True)) == rest, order["id"]


def test_a_promoted_order_imported_before_lines_kept_their_promotion_gets_it_at_its_next_read(app, company, sefaz):  # noqa: F811
    """review (upgrade): an open order imported before lojasync kept each line's promotion has none (NULL), and the
    import skipped every later read of it whose content was the same (the promotion was out of the digest), a
    "Reprocessar" too: its NF-e shared the whole discount by value (22,00 / 11,00), the very error the promotion
    fixes. Read again, it takes the store's promotion (as the shipping and the marketplace were taken), and its NF-e
    has 28,00 / 5,00."""
    payload = order_payload(id=2600000109, **ONE_LINE_PROMOTED)
    # As the version before it imported the order: `promotional_discount` unread, so the lines' promotions NULL and
    # the digest what it made of the rest.
    (number,) = imported(app, {k: v for k, v in payload.items() if k != "promotional_discount"})
    with app.read_uow() as uow:
        assert [line.promotion for line in uow.orders.get(number).lines] == [None, None]
    imported(app, payload)   # the next full sync (or Reprocessar) reads the same order
    invoice = generate_invoice(app.uow(), app.cipher, number)
    authorised, _ = approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)
    assert authorised.status == "authorised", authorised.rejection_reason
    proc = etree.fromstring(invoice_xml(app.uow(), invoice.id))
    assert _line_discounts(proc) == {"CAM-ALG-P": Decimal("28.00"), "CAN-CER": Decimal("5.00")}


def test_an_invoiced_order_read_again_with_its_promotion_is_not_a_store_change(app, company, sefaz):  # noqa: F811
    """The same read of an order already invoiced before the promotion was kept: its digest differs (the promotion is
    in it now), yet nothing of its sale changed: no store change is flagged, nobody is asked to cancel its NF-e."""
    payload = order_payload(id=2600000110, **ONE_LINE_PROMOTED)
    (number,) = imported(app, {k: v for k, v in payload.items() if k != "promotional_discount"})
    invoice = generate_invoice(app.uow(), app.cipher, number)
    authorised, _ = approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)
    assert authorised.status == "authorised", authorised.rejection_reason
    imported(app, payload)
    with app.read_uow() as uow:
        order = uow.orders.get(number)
        assert not order.needs_attention, order.attention_reasons
        assert [line.promotion for line in order.lines] == [None, None]   # the NF-e's lines stay as it took them


def _promoted(store) -> list[dict]:
    """The store simulator's promoted orders an NF-e can be made of (not cancelled, a CPF/CNPJ customer)."""
    return [o for o in store.simulator.orders() if o["promotional_discount"]["contents"]
            and o["status"] != "cancelled" and store.simulator.record(o["id"]).document_kind in ("cpf", "cnpj")]


def _synced_and_authorised(app, sefaz, store, promoted: list[dict]):
    """Sync the store over HTTP, then each of these orders' NF-e generated and authorised: (order, its nfeProc)."""
    add_store(app.uow(), app.cipher, store.store_id, store.access_token, store.api_url)
    sync_store(app.uow(), app.client_for, app.policy(), external_store_id=store.store_id)
    numbers = {o["store_order_id"]: o["number"] for o in list_orders(app.uow())}
    for order in promoted:
        invoice = generate_invoice(app.uow(), app.cipher, numbers[str(order["id"])])
        authorised, _ = approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)
        assert authorised.status == "authorised", authorised.rejection_reason
        yield order, etree.fromstring(invoice_xml(app.uow(), invoice.id))
