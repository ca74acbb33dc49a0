"""Generated store data: deterministic, realistic, consistent, with the agreed quirks and document mix."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from validate_docbr import CNPJ, CPF

from lojasync.simulators.nuvemshop import Simulator, SimulatorConfig, promotions
from lojasync.simulators.nuvemshop.documents import DOCUMENT_MIX
from lojasync.simulators.nuvemshop.people import CITIES, STATES

from .conftest import NOW

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+0000|-03:00)$")
MONEY = re.compile(r"^\d+\.\d\d$")
ORDER_KEYS = {
    "id", "number", "token", "store_id", "contact_email", "contact_name", "contact_phone",
    "contact_identification", "customer", "billing_name", "billing_address", "billing_number",
    "billing_floor", "billing_locality", "billing_zipcode", "billing_city", "billing_province",
    "billing_country", "billing_phone", "shipping_address", "products", "subtotal", "discount",
    "discount_coupon", "discount_gateway", "shipping_cost_customer", "shipping_cost_owner", "total",
    "currency", "language", "gateway", "gateway_name", "payment_details", "status", "payment_status",
    "shipping_status", "cancel_reason", "storefront", "created_at", "updated_at", "paid_at",
    "cancelled_at", "closed_at", "completed_at", "note", "promotional_discount",
}
ADDRESS_KEYS = {"address", "number", "floor", "locality", "zipcode", "city", "province", "country", "phone", "name"}


@pytest.fixture(scope="module")
def big() -> Simulator:
    return Simulator(SimulatorConfig(orders=2000, seed=3, now=NOW, days=60))


def test_same_seed_same_store_other_seed_other_store() -> None:
    config = SimulatorConfig(orders=60, seed=99, now=NOW)
    first, again = Simulator(config), Simulator(config)
    assert first.orders() == again.orders()
    assert first.products() == again.products()
    other = Simulator(SimulatorConfig(orders=60, seed=100, now=NOW))
    assert [o["id"] for o in other.orders()] != [o["id"] for o in first.orders()]
    # Later random orders follow the same seeded stream too.
    assert first.create_order()["token"] == again.create_order()["token"]


def test_every_order_has_the_documented_fields(big: Simulator) -> None:
    for order in big.orders():
        assert order.keys() >= ORDER_KEYS
        assert order["customer"]["default_address"].keys() >= ADDRESS_KEYS
        assert order["shipping_address"].keys() >= ADDRESS_KEYS
        assert {"id", "name", "email", "identification", "phone"} <= order["customer"].keys()
        assert set(order["completed_at"]) == {"date", "timezone_type", "timezone"}
        assert order["currency"] == "BRL" and order["language"] == "pt"
        assert order["payment_details"]["method"] in ("pix", "credit_card", "boleto")
        assert order["customer"]["default_address"]["country"] == "BR"


def test_ids_numbers_and_dates(big: Simulator) -> None:
    orders = big.orders()
    ids = [o["id"] for o in orders]
    assert len(set(ids)) == len(ids) and all(10**9 <= i < 10**10 for i in ids)
    assert sorted(o["number"] for o in orders) == list(range(100, 100 + len(orders)))
    created = [datetime.fromisoformat(o["created_at"]) for o in orders]
    assert created == sorted(created)
    assert min(created) >= NOW.replace(day=1, month=4) and max(created) <= NOW
    for order in orders:
        for key in ("created_at", "updated_at", "paid_at", "cancelled_at", "closed_at", "shipped_at"):
            assert order[key] is None or ISO.match(order[key]), order[key]
        assert datetime.fromisoformat(order["updated_at"]) >= datetime.fromisoformat(order["created_at"])
        assert datetime.fromisoformat(order["updated_at"]) <= NOW
    offsets = Counter(o["created_at"][-5:] for o in orders)
    assert offsets["+0000"] > 100 and offsets["03:00"] > 100


def test_totals_are_consistent_decimals(big: Simulator) -> None:
    for order in big.orders():
        for key in ("subtotal", "discount", "discount_coupon", "discount_gateway",
                    "shipping_cost_customer", "shipping_cost_owner", "total"):
            assert isinstance(order[key], str) and MONEY.match(order[key]), (key, order[key])
        lines = sum(Decimal(p["price"]) * int(p["quantity"]) for p in order["products"])
        assert Decimal(order["subtotal"]) == lines
        # The platform counts its store promotions in `discount`, beside the coupon and the gateway's discount.
        promoted = Decimal(order["promotional_discount"]["total_discount_amount"])
        assert Decimal(order["discount"]) == (Decimal(order["discount_coupon"]) + Decimal(order["discount_gateway"])
                                              + promoted)
        assert Decimal(order["total"]) == (Decimal(order["subtotal"]) - Decimal(order["discount"])
                                           + Decimal(order["shipping_cost_customer"]))
        assert Decimal(order["total"]) > 0


def test_status_mix_and_quirks(big: Simulator) -> None:
    orders = big.orders()
    assert {o["status"] for o in orders} == {"open", "closed", "cancelled"}
    assert {"pending", "authorized", "paid", "abandoned", "refunded", "voided", "partially_paid"} <= {
        o["payment_status"] for o in orders}
    assert {"unpacked", "unshipped", "unfulfilled", "shipped", "fulfilled"} <= {o["shipping_status"] for o in orders}
    for order in orders:
        assert (order["cancel_reason"] in ("customer", "fraud", "inventory", "other")) == (order["status"] == "cancelled")
        assert (order["cancelled_at"] is not None) == (order["status"] == "cancelled")
        assert (order["closed_at"] is not None) == (order["status"] == "closed")
        assert order["paid_at"] is None or order["payment_status"] in ("paid", "refunded")
    lines = [p for o in orders for p in o["products"]]
    assert any(isinstance(p["quantity"], str) for p in lines) and any(isinstance(p["quantity"], int) for p in lines)
    assert any(isinstance(p["variant_id"], str) for p in lines)
    assert any(p["sku"] is None for p in lines) or any(v["sku"] in (None, "") for pr in big.products() for v in pr["variants"])
    assert any(isinstance(o["store_id"], str) for o in orders) and any(isinstance(o["store_id"], int) for o in orders)


def test_repeat_buyers_share_a_customer(big: Simulator) -> None:
    per_customer = Counter(o["customer"]["id"] for o in big.orders())
    assert max(per_customer.values()) >= 3
    assert sum(1 for n in per_customer.values() if n > 1) > 100


def test_document_mix_matches_kinds(big: Simulator) -> None:
    kinds: Counter[str] = Counter()
    for order in big.orders():
        kind = big.record(order["id"]).document_kind
        kinds[kind] += 1
        doc, contact = order["customer"]["identification"], order["contact_identification"]
        if kind in ("cpf", "cpf_formatted"):
            assert CPF().validate(doc) and (kind == "cpf") == doc.isdigit()
        elif kind == "cnpj":
            assert CNPJ().validate(doc) and re.sub(r"\D", "", doc).isdigit()
        elif kind == "cnpj_alnum":
            assert CNPJ().validate(doc) and re.search(r"[A-Z]", doc)
        elif kind == "missing":
            assert doc in ("", None) and contact in ("", None)
        elif kind == "invalid":
            assert doc and not CPF().validate(doc) and not CNPJ().validate(doc)
        else:
            assert doc in ("", None) and CPF().validate(contact)
    total = sum(kinds.values())
    for kind, percent in DOCUMENT_MIX.items():
        assert abs(kinds[kind] / total * 100 - percent) < max(4, percent * 0.35), (kind, kinds)


def test_addresses_agree_with_real_cities(big: Simulator) -> None:
    ranges = {c[0]: (c[1], c[2], c[3]) for c in CITIES}
    for order in big.orders():
        for address in (order["customer"]["default_address"], order["shipping_address"]):
            uf, low, high = ranges[address["city"]]
            assert address["province"] in (uf, STATES[uf])
            assert low <= int(address["zipcode"].replace("-", "")[:5]) <= high
    names = " ".join(o["contact_name"] for o in big.orders())
    assert re.search(r"[áéíóúâêôãõç]", names)


def test_catalog_skus_prices_and_stock(big: Simulator) -> None:
    variants = [v for p in big.products() for v in p["variants"]]
    skus = [v["sku"] for v in variants if v["sku"]]
    assert len(skus) == len(set(skus)) and "CAM-ALG-P" in skus
    assert any(not v["sku"] for v in variants)
    assert all(MONEY.match(v["price"]) for v in variants)
    assert all(v["stock"] is None or (isinstance(v["stock"], int) and v["stock"] >= 0) for v in variants)
    assert any("ã" in p["name"]["pt"] or "é" in p["name"]["pt"] for p in big.products())


PROMOTION_KEYS = {"id", "store_id", "order_id", "created_at", "total_discount_amount", "contents", "promotions_applied"}
CONTENT_KEYS = {"id", "discount_script_type", "scope_type", "scope_value_id", "scope_value_name", "quantity",
                "original_price", "final_price", "discount_amount", "total_discount_amount"}


def test_every_order_carries_promotional_discount_and_some_meet_a_promotion(big: Simulator) -> None:
    """Real orders always carry `promotional_discount` (empty: "0.00", no contents); a promotion takes a percentage
    off some lines, adds up per line and per category, and leaves the lines' price as it was before it."""
    orders = big.orders()
    promoted = [o for o in orders if o["promotional_discount"]["contents"]]
    for order in orders:
        promo = order["promotional_discount"]
        assert promo.keys() == PROMOTION_KEYS
        if not promo["contents"]:
            assert promo["id"] is None and promo["total_discount_amount"] == "0.00" and promo["promotions_applied"] == []
    assert 0.05 * len(orders) < len(promoted) < 0.15 * len(orders)
    assert len({p["promotional_discount"]["promotions_applied"][0]["scope_value_name"] for p in promoted}) > 3
    for order in promoted:
        promo = order["promotional_discount"]
        assert promo["order_id"] == order["id"] and isinstance(promo["id"], int)
        lines = {p["id"]: p for p in order["products"]}
        total = Decimal(0)
        for content in promo["contents"]:
            assert content.keys() == CONTENT_KEYS and content["discount_script_type"] == "NAtX%off"
            line = lines[content["id"]]
            price, unit = Decimal(line["price"]), Decimal(str(content["discount_amount"]))
            assert Decimal(str(content["original_price"])) == price
            assert Decimal(str(content["final_price"])) == price - unit
            assert content["quantity"] == int(line["quantity"])
            assert Decimal(str(content["total_discount_amount"])) == unit * int(line["quantity"])
            rate = promo["promotions_applied"][0]["selected_threshold"]["discount_decimal_percentage"]
            assert unit == (price * Decimal(str(rate))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            total += Decimal(str(content["total_discount_amount"]))
        assert Decimal(promo["total_discount_amount"]) == total > 0
        assert sum(Decimal(str(a["total_discount_amount"])) for a in promo["promotions_applied"]) == total
        assert Decimal(order["discount"]) >= total


def test_promotions_leave_the_seeded_store_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    """Promotions are drawn from each order's own stream: with none at all, the same seed gives the same orders,
    and an order that met one differs only in its money and its `promotional_discount`."""
    config = SimulatorConfig(orders=400, seed=11, now=NOW)
    with_promotions = Simulator(config).orders()
    monkeypatch.setattr(promotions, "SHARE", 0.0)
    without = Simulator(config).orders()
    money = {"discount", "discount_coupon", "discount_gateway", "total", "promotional_discount"}
    assert len(with_promotions) == len(without)
    changed = 0
    for order, plain in zip(with_promotions, without, strict=True):
        assert plain["promotional_discount"]["contents"] == []
        if order["promotional_discount"]["contents"]:
            changed += 1
            assert {k: v for k, v in order.items() if k not in money} == {
                k: v for k, v in plain.items() if k not in money}
        else:
            assert order == plain
    assert changed > 10


# The keys of a product's category in the platform's examples (TiendaNube/api-docs, resources/product.md).
CATEGORY_KEYS = {"id", "name", "description", "handle", "parent", "subcategories", "google_shopping_category",
                 "created_at", "updated_at"}


def test_every_product_lists_its_category_and_a_promotion_names_the_category_of_its_lines(big: Simulator) -> None:
    """Carried gap: promotions took a percentage off one category while every product listed no category
    (`categories: []`): a client reading the products could not tell which ones a promotion applies to."""
    products = {p["id"]: p for p in big.products()}
    ids: dict[str, set[int]] = {}
    for product in products.values():
        (category,) = product["categories"]
        assert category.keys() == CATEGORY_KEYS
        assert isinstance(category["id"], int) and category["name"]["pt"]
        assert category["parent"] is None and category["subcategories"] == []
        assert ISO.match(category["created_at"]) and ISO.match(category["updated_at"])
        # The category existed before any product was put in it.
        assert datetime.fromisoformat(category["created_at"]) <= datetime.fromisoformat(product["created_at"])
        ids.setdefault(category["name"]["pt"], set()).add(category["id"])
    assert len(ids) > 3 and all(len(found) == 1 for found in ids.values())   # one id per category, each its own
    assert len({found.pop() for found in ids.values()}) == len(ids)
    promoted = [o for o in big.orders() if o["promotional_discount"]["contents"]]
    assert promoted
    for order in promoted:
        lines = {line["id"]: line for line in order["products"]}
        for content in order["promotional_discount"]["contents"]:
            (category,) = products[lines[content["id"]]["product_id"]]["categories"]
            assert (content["scope_value_id"], content["scope_value_name"]) == (category["id"], category["name"]["pt"])


def test_the_categories_leave_the_seeded_orders_as_they_were(monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing the categories draws nothing from the store's stream: the same seed gives the same orders."""
    from lojasync.simulators.nuvemshop import categories

    config = SimulatorConfig(orders=300, seed=11, now=NOW)
    listed = Simulator(config)
    monkeypatch.setattr(categories, "list_on_products", lambda *args: None)
    unlisted = Simulator(config)
    assert listed.orders() == unlisted.orders()
    assert all(p["categories"] == [] for p in unlisted.products())
    assert [{**p, "categories": []} for p in listed.products()] == unlisted.products()


def test_an_edited_quantity_recomputes_the_promotion() -> None:
    sim = Simulator(SimulatorConfig(orders=200, seed=5, now=NOW))
    order = next(o for o in sim.orders() if o["promotional_discount"]["contents"])
    content = order["promotional_discount"]["contents"][0]
    edited = sim.edit_order(order["id"], quantities={str(content["id"]): content["quantity"] + 1})
    again = next(c for c in edited["promotional_discount"]["contents"] if c["id"] == content["id"])
    assert again["quantity"] == content["quantity"] + 1
    step = Decimal(str(content["discount_amount"]))
    assert Decimal(edited["promotional_discount"]["total_discount_amount"]) == (
        Decimal(order["promotional_discount"]["total_discount_amount"]) + step)
    assert Decimal(edited["total"]) == (Decimal(edited["subtotal"]) - Decimal(edited["discount"])
                                        + Decimal(edited["shipping_cost_customer"]))
