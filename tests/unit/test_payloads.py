"""Nuvemshop order payloads: the real documented examples and every quirk the API is known for."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from lojasync.nuvemshop.payloads import PayloadError, StoreOrder, parse_order, parse_store_datetime
from lojasync.shared.text import clean_text, clean_tree

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "nuvemshop"
ORDER_FILES = [
    "order-get.json",
    "order-cancel-response.json",
    "order-close-response.json",
    "order-fulfill-response.json",
    "order-open-response.json",
    "order-pack-response.json",
    "order-update-response.json",
    "orders-list.json",
]
UTC = timezone.utc


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"), parse_float=Decimal)


def _orders_in(name: str) -> list[dict]:
    data = load(name)
    return data if isinstance(data, list) else [data]


def minimal(**fields) -> dict:
    payload = {"id": 1001, "number": 100, "products": [{"price": "10.00", "quantity": 1}]}
    payload.update(fields)
    return payload


def line(**fields) -> dict:
    base = {"id": 1, "product_id": 2, "variant_id": 3, "name": "Camiseta", "sku": "CAM-P", "price": "10.00",
            "quantity": 1}
    base.update(fields)
    return base


# --- the documented examples ------------------------------------------------------------------------------


def test_every_order_example_is_present():
    assert sorted(p.name for p in FIXTURES.glob("*.json")) == sorted(ORDER_FILES)


@pytest.mark.parametrize("name", ORDER_FILES)
def test_every_documented_order_example_parses(name):
    payloads = _orders_in(name)
    assert payloads
    for payload in payloads:
        order = parse_order(payload)
        assert isinstance(order, StoreOrder)
        assert order.id == str(payload["id"])
        assert order.number == str(payload["number"])
        assert order.products, "every example has a line"
        for moment in (order.created_at, order.updated_at, order.paid_at, order.cancelled_at, order.completed_at):
            assert moment is None or moment.utcoffset() == timedelta(0)
        for amount in (order.subtotal, order.discount, order.freight, order.order_total):
            assert isinstance(amount, Decimal)
            assert amount.as_tuple().exponent == -2
        expected_total = payload.get("total") or payload.get("price")
        assert order.order_total == Decimal(expected_total)
        # What the NF-e requires of it: products less the discount plus freight is the total, to the cent.
        assert order.subtotal - order.discount + order.freight == order.order_total
        for store_line, raw in zip(order.products, payload["products"], strict=True):
            assert store_line.quantity == int(raw["quantity"])
            assert store_line.price == Decimal(raw["price"])


def test_orders_list_example_details():
    order = parse_order(load("orders-list.json")[0])
    assert order.id == "450789469"
    assert order.number == "10872"
    assert order.status == "open"
    assert order.payment_status == "paid"
    assert order.total == Decimal("5660.00")
    assert order.subtotal == Decimal("5190.00")
    assert order.shipping_cost_customer == Decimal("470.00")
    assert order.order_total == Decimal("5660.00")
    assert order.created_at == datetime(2022, 2, 23, 12, 25, 18, tzinfo=UTC)
    assert order.updated_at == datetime(2022, 2, 23, 19, 58, 44, tzinfo=UTC)
    assert order.paid_at == datetime(2022, 2, 23, 12, 25, 18, tzinfo=UTC)
    assert order.completed_at == datetime(2022, 2, 23, 12, 25, 18, tzinfo=UTC)  # the {date, timezone} object
    assert order.cancelled_at is None
    assert order.shipping_status == "unshipped"
    assert order.shipping_status_normalized == "unfulfilled"
    assert order.payment_details == {"method": "credit_card", "credit_card_company": "amex", "installments": "6"}
    assert order.gateway_name == "PayPal"
    assert order.storefront == "mobile"
    assert order.customer is not None
    assert order.customer.id == "101"
    assert order.customer.identification == "41913703"
    assert order.customer.default_address is not None
    assert order.customer.default_address.zipcode == "97475"
    assert order.shipping_address is not None
    assert order.shipping_address.name == "John Doe"
    assert order.billing_floor is None
    (store_line,) = order.products
    assert store_line.quantity == 1  # "1" in the payload
    assert store_line.variant_id == "169164456"  # string in the payload
    assert store_line.product_id == "58208779"  # number in the payload
    assert store_line.id == "972900182"
    assert store_line.name == "Pokeball"
    assert store_line.sku == "12331471"
    assert store_line.price == Decimal("5190.00")


def test_single_order_example_uses_legacy_price_and_minus_five_offset():
    order = parse_order(load("order-get.json"))
    assert order.total is None
    assert order.price == Decimal("58.00")
    assert order.order_total == Decimal("58.00")
    assert order.created_at == datetime(2008, 1, 10, 16, 0, tzinfo=UTC)  # 11:00-05:00
    assert order.created_at.tzinfo == UTC
    assert order.gateway == "paypal"
    (store_line,) = order.products
    assert store_line.quantity == 2  # a number here
    assert store_line.variant_id == "101"
    assert store_line.name is None
    assert store_line.id is None


@pytest.mark.parametrize(
    ("name", "status", "payment_status", "shipping"),
    [
        ("order-cancel-response.json", "cancelled", "pending", "unfulfilled"),
        ("order-close-response.json", "closed", "pending", "unfulfilled"),
        ("order-open-response.json", "open", "pending", "unfulfilled"),
        ("order-update-response.json", "open", "paid", "unfulfilled"),
        ("order-fulfill-response.json", "open", "pending", "fulfilled"),
    ],
)
def test_action_responses_carry_their_status(name, status, payment_status, shipping):
    order = parse_order(load(name))
    assert (order.status, order.payment_status, order.shipping_status_normalized) == (status, payment_status, shipping)


# --- ids, quantities, money -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [450789469, "450789469", " 450789469 ", Decimal("450789469"), Decimal("450789469.0")])
def test_ids_as_string_or_number(raw):
    order = parse_order(minimal(id=raw, products=[line(variant_id=raw, product_id=raw)]))
    assert order.id == "450789469"
    assert order.products[0].variant_id == "450789469"
    assert order.products[0].product_id == "450789469"


@pytest.mark.parametrize(("raw", "expected"), [(3, 3), ("3", 3), (" 3 ", 3), (Decimal("3"), 3), ("3.0", 3),
                                                (Decimal("2.00"), 2), (10**6, 10**6)])
def test_quantity_as_string_or_number(raw, expected):
    order = parse_order(minimal(products=[line(quantity=raw)]))
    assert order.products[0].quantity == expected
    assert type(order.products[0].quantity) is int


@pytest.mark.parametrize("raw", ["1.5", Decimal("1.5"), 1.5, 0, "0", -1, "-2", "abc", "", None, True, [], {},
                                 "Infinity", "NaN", "sNaN", "1e400000"])
def test_bad_quantity_is_a_payload_error_naming_the_field(raw):
    with pytest.raises(PayloadError) as caught:
        parse_order(minimal(id=77, products=[line(), line(quantity=raw)]))
    error = caught.value
    assert error.external_id == "77"
    assert "products.1.quantity" in error.message
    assert "Pedido 77 da loja com dados inválidos" in error.message
    assert str(error) == error.message


def test_quantity_is_bounded_by_the_integer_column():
    assert parse_order(minimal(products=[line(quantity=2_147_483_647)])).products[0].quantity == 2_147_483_647
    with pytest.raises(PayloadError, match=r"products\.0\.quantity: .*quantidade acima do limite"):
        parse_order(minimal(products=[line(quantity="2147483648")]))


def test_non_integer_quantity_message_is_in_portuguese():
    with pytest.raises(PayloadError, match=r"products\.0\.quantity: .*quantidade deve ser um inteiro positivo"):
        parse_order(minimal(products=[line(quantity="1.5")]))
    with pytest.raises(PayloadError, match=r"products\.0\.quantity: .*quantidade deve ser um inteiro positivo"):
        parse_order(minimal(products=[line(quantity=0)]))


def test_missing_quantity_or_price_is_a_payload_error():
    with pytest.raises(PayloadError, match=r"products\.0\.quantity"):
        parse_order(minimal(products=[{"price": "1.00"}]))
    with pytest.raises(PayloadError, match=r"products\.0\.price"):
        parse_order(minimal(products=[{"quantity": 1}]))


def test_money_strings_stay_exact_decimals():
    order = parse_order(minimal(subtotal="0.10", discount="0.20", shipping_cost_customer="0.30", total="0.40",
                                products=[line(price="5190.00")]))
    assert order.subtotal == Decimal("0.10")
    assert order.discount == Decimal("0.20")
    assert order.shipping_cost_customer == Decimal("0.30")
    assert order.total == Decimal("0.40")
    assert order.subtotal - order.discount + order.shipping_cost_customer == Decimal("0.20")
    assert order.products[0].price == Decimal("5190.00")


@pytest.mark.parametrize("field", ["total", "subtotal", "discount", "shipping_cost_customer", "price"])
def test_float_money_is_refused(field):
    with pytest.raises(PayloadError, match=rf"{field}: .*texto decimal"):
        parse_order(minimal(**{field: 58.0}))


def test_float_line_price_is_refused():
    with pytest.raises(PayloadError, match=r"products\.0\.price"):
        parse_order(minimal(products=[line(price=19.0)]))


def test_plain_json_loads_of_a_float_amount_is_caught():
    payload = json.loads('{"id": 1, "total": 58.5, "products": []}')  # without parse_float=Decimal
    with pytest.raises(PayloadError, match="total"):
        parse_order(payload)


@pytest.mark.parametrize("raw", ["abc", "1,50", "NaN", "1e30"])
def test_garbage_money_is_a_payload_error(raw):
    with pytest.raises(PayloadError, match="total"):
        parse_order(minimal(total=raw))


def test_legacy_price_when_total_missing():
    order = parse_order(minimal(price="58.00", subtotal="38.00"))
    assert order.total is None
    assert order.order_total == Decimal("58.00")


def test_freight_left_out_is_what_the_total_holds_beyond_the_products_less_the_discount():
    """review: the platform's "open order" example gives price 58,00 over products of 38,00 and no
    shipping_cost_customer; read as zero, the order did not add up and its NF-e was refused later."""
    order = parse_order(load("order-open-response.json"))
    assert order.shipping_cost_customer is None
    assert (order.subtotal, order.freight, order.order_total) == (Decimal("38.00"), Decimal("20.00"), Decimal("58.00"))
    assert parse_order(minimal(subtotal="100.00", discount="10.00", total="95.00")).freight == Decimal("5.00")
    # Given, it is taken as given; and a total below the products less the discount makes no freight up.
    assert parse_order(minimal(subtotal="100.00", shipping_cost_customer="0.00", total="95.00")).freight == 0
    assert parse_order(minimal(subtotal="100.00", total="95.00")).freight == Decimal("0.00")


def test_total_wins_over_legacy_price():
    assert parse_order(minimal(total="10.00", price="99.00")).order_total == Decimal("10.00")


def test_total_is_computed_when_neither_total_nor_price():
    order = parse_order(minimal(subtotal="100.00", discount="15.50", shipping_cost_customer="20.00"))
    assert order.order_total == Decimal("104.50")
    assert parse_order(minimal(total=None, price="")).order_total == Decimal("0.00")


def test_missing_money_fields_default_to_zero():
    order = parse_order({"id": 5})
    assert order.subtotal == order.discount == order.freight == Decimal("0.00")
    assert order.shipping_cost_customer is None
    assert order.products == []


@settings(max_examples=150, deadline=None)
@given(
    st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2,
                allow_nan=False, allow_infinity=False),
    st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2, allow_nan=False, allow_infinity=False),
)
def test_money_strings_round_trip_exactly(amount, price):
    text = format(amount, "f")
    order = parse_order(minimal(total=text, discount=text, products=[line(price=format(price, "f"))]))
    assert order.total == amount
    assert format(order.total, "f") == text
    assert order.discount == amount
    assert order.products[0].price == price


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=1, max_value=10**9), st.booleans())
def test_positive_integer_quantities_round_trip(quantity, as_text):
    order = parse_order(minimal(products=[line(quantity=str(quantity) if as_text else quantity)]))
    assert order.products[0].quantity == quantity


# --- absent objects, text, unknown enum values --------------------------------------------------------------


def test_empty_list_means_absent_object():
    order = parse_order(minimal(customer=[], shipping_address=[], payment_details=[]))
    assert order.customer is None
    assert order.shipping_address is None
    assert order.payment_details is None


def test_customer_default_address_empty_list_is_none():
    order = parse_order(minimal(customer={"id": 9, "name": "Ana", "default_address": []}))
    assert order.customer is not None
    assert order.customer.default_address is None
    assert order.customer.id == "9"


def test_text_is_stripped_and_blank_becomes_none():
    order = parse_order(minimal(billing_name="  Maria  ", billing_floor="", billing_city="   ", note=None,
                                contact_identification=" 529.982.247-25 "))
    assert order.billing_name == "Maria"
    assert order.billing_floor is None
    assert order.billing_city is None
    assert order.note is None
    assert order.contact_identification == "529.982.247-25"


def test_numbers_in_text_fields_become_text():
    order = parse_order(minimal(billing_number=742, billing_zipcode=97475, customer={"identification": 41913703}))
    assert order.billing_number == "742"
    assert order.billing_zipcode == "97475"
    # A document sent as a number lost its leading zeros; they are restored (CPF has 11 digits).
    assert order.customer.identification == "00041913703"


@pytest.mark.parametrize("status", ["open", "closed", "cancelled", "archived", "something_new"])
@pytest.mark.parametrize("payment_status", ["pending", "paid", "partially_paid", "partially_refunded", "chargeback"])
def test_unknown_status_values_are_kept_as_data(status, payment_status):
    order = parse_order(minimal(status=status, payment_status=payment_status))
    assert (order.status, order.payment_status) == (status, payment_status)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [("unshipped", "unfulfilled"), ("shipped", "fulfilled"), ("unfulfilled", "unfulfilled"),
     ("fulfilled", "fulfilled"), ("unpacked", "unpacked"), ("in_transit", "in_transit"), (None, None)],
)
def test_shipping_status_normalized(raw, normalized):
    order = parse_order(minimal(shipping_status=raw))
    assert order.shipping_status == raw
    assert order.shipping_status_normalized == normalized


# --- dates ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2022-02-23T12:25:18+0000", datetime(2022, 2, 23, 12, 25, 18, tzinfo=UTC)),
        ("2022-02-23T12:25:18-03:00", datetime(2022, 2, 23, 15, 25, 18, tzinfo=UTC)),
        ("2022-02-23T12:25:18-0300", datetime(2022, 2, 23, 15, 25, 18, tzinfo=UTC)),
        ("2022-02-23T12:25:18Z", datetime(2022, 2, 23, 12, 25, 18, tzinfo=UTC)),
        ("2022-02-23T12:25:18.250Z", datetime(2022, 2, 23, 12, 25, 18, 250000, tzinfo=UTC)),
        ("2022-02-23T23:30:00-03:00", datetime(2022, 2, 24, 2, 30, tzinfo=UTC)),  # crosses midnight
        ("2022-02-23T12:25:18", datetime(2022, 2, 23, 12, 25, 18, tzinfo=UTC)),  # naive is UTC
        ("2022-02-23 12:25:18+00:00", datetime(2022, 2, 23, 12, 25, 18, tzinfo=UTC)),
        ({"date": "2022-02-23 12:25:18.000000", "timezone_type": 3, "timezone": "UTC"},
         datetime(2022, 2, 23, 12, 25, 18, tzinfo=UTC)),
        ({"date": "2022-02-23 12:25:18.000000", "timezone_type": 3, "timezone": "America/Sao_Paulo"},
         datetime(2022, 2, 23, 15, 25, 18, tzinfo=UTC)),
        ({"date": "2022-02-23 12:25:18.000000", "timezone_type": 3}, datetime(2022, 2, 23, 12, 25, 18, tzinfo=UTC)),
        # PHP's other two kinds of zone (dates review: refused, a payment date was dropped and the receivables counted
        # from the approval): an offset, and an abbreviation.
        ({"date": "2022-02-23 22:30:00.000000", "timezone_type": 1, "timezone": "-03:00"},
         datetime(2022, 2, 24, 1, 30, tzinfo=UTC)),
        ({"date": "2022-02-23 22:30:00.000000", "timezone_type": 1, "timezone": "+0530"},
         datetime(2022, 2, 23, 17, 0, tzinfo=UTC)),
        ({"date": "2022-02-23 22:30:00.000000", "timezone_type": 2, "timezone": "BRT"},
         datetime(2022, 2, 24, 1, 30, tzinfo=UTC)),
        (datetime(2022, 2, 23, 9, 0, tzinfo=timezone(timedelta(hours=-3))), datetime(2022, 2, 23, 12, 0, tzinfo=UTC)),
    ],
)
def test_dates_are_normalised_to_utc(raw, expected):
    result = parse_store_datetime(raw)
    assert result == expected
    assert result.tzinfo == UTC


@pytest.mark.parametrize("raw", [None, "", [], {}])
def test_absent_dates(raw):
    assert parse_store_datetime(raw) is None


@pytest.mark.parametrize(
    "raw",
    ["garbage", "2022-13-01T00:00:00Z", "23/02/2022", {"timezone": "UTC"}, {"date": "ontem"},
     {"date": "2022-02-23 12:25:18", "timezone": "Marte/Olympus"}, "0001-01-01T00:00:00+01:00",
     {"date": "2022-02-23 12:25:18", "timezone_type": 1, "timezone": "-25:00"},
     {"date": "2022-02-23 12:25:18", "timezone_type": 2, "timezone": "CST"}],   # ambiguous: not guessed
)
def test_bad_dates_raise_value_error(raw):
    with pytest.raises(ValueError):
        parse_store_datetime(raw)


@pytest.mark.parametrize("field", ["created_at", "updated_at"])
def test_bad_date_in_order_is_a_payload_error_naming_the_field(field):
    with pytest.raises(PayloadError, match=field):
        parse_order(minimal(**{field: "ontem à tarde"}))


@pytest.mark.parametrize("raw", ["ontem à tarde", "0000-00-00 00:00:00", {"date": "x"},
                                 {"date": "2022-02-23 12:25:18", "timezone": "Marte/Olympus"}])
@pytest.mark.parametrize("field", ["paid_at", "cancelled_at", "completed_at"])
def test_a_date_the_erp_can_do_without_is_none_when_unreadable(field, raw):
    """review: an unreadable `cancelled_at` (PHP's empty date, say), which nothing reads, failed the whole order;
    an unreadable `paid_at` is as none said (the receivables count from the approval)."""
    order = parse_order(minimal(**{field: raw}))
    assert getattr(order, field) is None


@settings(max_examples=100, deadline=None)
@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
    st.sampled_from(["colon", "compact"]),
)
def test_any_offset_normalises_to_the_same_instant(moment, offset_minutes, style):
    moment = moment.replace(microsecond=0)
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    suffix = f"{sign}{hours:02d}:{minutes:02d}" if style == "colon" else f"{sign}{hours:02d}{minutes:02d}"
    result = parse_store_datetime(moment.isoformat() + suffix)
    assert result.tzinfo == UTC
    assert result == moment.replace(tzinfo=UTC) - timedelta(minutes=offset_minutes)


# --- ids and payload shape ------------------------------------------------------------------------------------


def test_missing_id_is_a_payload_error():
    with pytest.raises(PayloadError, match=r"\bid\b") as caught:
        parse_order({"number": 100, "products": []})
    assert caught.value.external_id is None


@pytest.mark.parametrize("raw", [None, "", "   ", [], {}])
def test_blank_id_is_a_payload_error(raw):
    with pytest.raises(PayloadError, match="id") as caught:
        parse_order({"id": raw, "products": []})
    assert caught.value.external_id is None


@pytest.mark.parametrize("payload", [None, [], [{"id": 1}], "order", 450789469, Decimal("1.5"), True])
def test_non_object_payload_is_a_payload_error(payload):
    with pytest.raises(PayloadError, match="não é um objeto JSON") as caught:
        parse_order(payload)
    assert caught.value.external_id is None


@pytest.mark.parametrize("products", ["x", [1], [None], {"price": "1.00", "quantity": 1}])
def test_malformed_products_is_a_payload_error(products):
    with pytest.raises(PayloadError, match="products"):
        parse_order(minimal(products=products))


def test_payload_error_is_a_value_error_with_external_id():
    error = PayloadError("42", "mensagem")
    assert isinstance(error, ValueError)
    assert (error.external_id, error.message, str(error)) == ("42", "mensagem", "mensagem")


def test_store_order_is_immutable():
    order = parse_order(minimal())
    with pytest.raises(ValidationError):  # frozen instance
        order.status = "cancelled"  # type: ignore[misc]
    assert order.status is None


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=12),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=6), children, max_size=3)),
    max_leaves=6,
)
FUZZED = ["id", "number", "status", "total", "price", "subtotal", "created_at", "completed_at", "customer",
          "shipping_address", "payment_details", "contact_identification", "products"]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(FUZZED), json_values, max_size=6),
       st.dictionaries(st.sampled_from(["quantity", "price", "variant_id", "name"]), json_values, max_size=3))
def test_any_json_either_parses_or_is_a_payload_error(fields, line_fields):
    payload = minimal(products=[line(**line_fields)])
    payload.update(fields)
    try:
        order = parse_order(payload)
    except PayloadError as error:
        assert error.message
    else:
        assert order.id


# --- text a database refuses ------------------------------------------------------------------------------

def test_nul_and_lone_surrogates_are_cleaned_at_the_boundary(caplog):
    """PostgreSQL refuses NUL in text and no backend can encode a lone surrogate: cleaned where the
    payload comes in, the order imports on every database."""
    payload = minimal(
        contact_name="Jo\u0000ão \ud800Silva", note="entregar\u0000 à tarde", id="1001\u0000",
        customer={"name": "Ma\u0000ria", "identification": "529.982.247-25\u0000", "email": "m\udc00@x.com"},
        shipping_address={"city": "São\u0000 Paulo"},
        payment_details={"method": "pi\u0000x", "extra": [{"k\u0000": "\ud83d"}]},
        products=[line(name="Camiseta\u0000 \udfff", sku="CAM\u0000-P")],
    )
    with caplog.at_level(logging.INFO, logger="lojasync.payloads"):
        order = parse_order(payload)

    assert order.id == "1001"
    assert order.contact_name == "João \ufffdSilva" and order.note == "entregar à tarde"
    assert (order.customer.name, order.customer.identification, order.customer.email) == (
        "Maria", "529.982.247-25", "m\ufffd@x.com")
    assert order.shipping_address.city == "São Paulo"
    assert order.payment_details == {"method": "pix", "extra": [{"k": "\ufffd"}]}
    assert (order.products[0].name, order.products[0].sku) == ("Camiseta \ufffd", "CAM-P")
    (record,) = [r for r in caplog.records if r.name == "lojasync.payloads"]  # once per order, not per field
    assert record.levelno == logging.WARNING and record.external_id == "1001"
    assert {"contact_name", "note", "name", "identification", "payment_details", "sku"} <= set(record.fields)
    logged = record.getMessage() + repr(record.__dict__)
    assert "Silva" not in logged and "Maria" not in logged and "tarde" not in logged  # never the text itself


def test_direction_controls_from_the_store_are_dropped(caplog):
    """review: a name with U+202E (right-to-left override) was kept and shown reversed to the operator ("‮gpj.exe"
    reads "exe.jpg"); no Brazilian order needs them. Joiners of emoji stay."""
    payload = minimal(contact_name="Ana \u202egpj.exe", customer={"name": "Ana \u2067Lima\u2069"},
                      shipping_address={"city": "São\u202a Paulo\u202c"},
                      products=[line(name="Kit \U0001f468\u200d\U0001f469 \u202dX", sku="K\u202e-1")])
    with caplog.at_level(logging.INFO, logger="lojasync.payloads"):
        order = parse_order(payload)
    assert (order.contact_name, order.customer.name, order.shipping_address.city) == (
        "Ana gpj.exe", "Ana Lima", "São Paulo")
    # A SKU is matched, not shown: kept as sent, or an order imported before would no longer find its product.
    assert (order.products[0].name, order.products[0].sku) == ("Kit \U0001f468\u200d\U0001f469 X", "K\u202e-1")
    (record,) = [r for r in caplog.records if r.name == "lojasync.payloads"]
    assert {"contact_name", "name"} <= set(record.fields) and "sku" not in record.fields


def test_terminal_controls_from_the_store_are_dropped(caplog):
    """security review: a buyer's name and note kept ESC sequences that, printed by `orders list` and `orders show`,
    cleared the operator's screen, recoloured text, retitled the window and planted a link (OSC 8). Tabs and line
    breaks of a note stay (a CR goes)."""
    payload = minimal(contact_name="Eve \x1b]0;HACKED\x07\x1b[2J\x1b[31mVERMELHO\x1b[0m",
                      customer={"name": "Eve \x9b31mX\x7f"}, note="linha 1\r\nlinha 2\tfim \x1b[5mPISCA\x1b[0m")
    with caplog.at_level(logging.INFO, logger="lojasync.payloads"):
        order = parse_order(payload)
    assert (order.contact_name, order.customer.name) == ("Eve ]0;HACKED[2J[31mVERMELHO[0m", "Eve 31mX")
    assert order.note == "linha 1\nlinha 2\tfim [5mPISCA[0m"
    (record,) = [r for r in caplog.records if r.name == "lojasync.payloads"]
    assert {"contact_name", "name", "note"} <= set(record.fields)


def test_ordinary_text_is_left_alone_and_nothing_is_logged(caplog):
    with caplog.at_level(logging.INFO, logger="lojasync.payloads"):
        order = parse_order(minimal(contact_name="José 🙂 d'Ávila", note="ok"))
    assert order.contact_name == "José 🙂 d'Ávila"
    assert [r for r in caplog.records if r.name == "lojasync.payloads"] == []


def test_clean_tree_keeps_structure_and_survives_deep_nesting():
    assert clean_tree({"a\u0000": [1, "x\u0000", {"b": "\ud800"}], "n": None}) == (
        {"a": [1, "x", {"b": "\ufffd"}], "n": None}, True)
    untouched = {"a": ["b", {"c": 1.5}]}
    assert clean_tree(untouched) == (untouched, False)
    deep: list = []
    node = deep
    for _ in range(100_000):
        node.append([])
        node = node[0]
    assert clean_tree(deep)[1] is False
    assert clean_text("a\u0000b\udbff") == "ab\ufffd"
