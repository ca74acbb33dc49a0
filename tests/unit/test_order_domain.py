"""Order.apply: store values taken, customer links kept or re-made, lines replaced in place (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lojasync.shared.address import Address
from lojasync.stock.products import Product
from lojasync.sales.customers import Customer, CustomerData
from lojasync.sales.orders import ORIGIN_ONLINE_STORE, CustomerLink, LineData, Order, OrderData
from lojasync.sales.status import OrderStatus
from lojasync.shared.tax_id import TaxId, TaxIdKind

NO_DOCUMENT = "cliente sem CPF/CNPJ na loja"
ADDRESS = Address(street="Rua A", number="1", city="Natal", state="RN")


def order_data(**fields) -> OrderData:
    values = dict(
        origin=ORIGIN_ONLINE_STORE, origin_number="153", status=OrderStatus.OPEN, customer=None,
        customer_problem=NO_DOCUMENT, contact_name="Maria", contact_email="maria@example.com",
        contact_phone="84 99999-0000", contact_document=None, subtotal=Decimal("150.00"), discount=Decimal("0.00"),
        freight=Decimal("10.00"), total=Decimal("160.00"), payment_method="pix", payment_gateway="PagSeguro",
        installments=1, billing_address=ADDRESS, shipping_address=None,
        placed_at=datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc), note=None,
        lines=[LineData("A", "Produto A", 1, Decimal("50.00"), "10", "100"),
               LineData("B", "Produto B", 2, Decimal("50.00"), "11", "101")],
    )
    values.update(fields)
    return OrderData(**values)


def customer(name: str = "Maria Souza", doc: str = "52998224725") -> Customer:
    return Customer(doc, "CPF", name)


def products(data: OrderData) -> list[Product | None]:
    return [Product(ln.sku, ln.name, ln.unit_price) for ln in data.lines]


def stored(order: Order, order_id: int = 1) -> Order:
    order.id = order_id  # as if persisted
    return order


# --- first import --------------------------------------------------------------------------------------------


def test_first_apply_copies_every_store_value():
    data = order_data(status=OrderStatus.CONFIRMED, shipping_address=ADDRESS, note="nota", contact_document="x")
    order = Order()
    order.apply(data, None, products(data))
    assert order.status is OrderStatus.CONFIRMED
    for name in ("origin", "origin_number", "contact_name", "contact_email", "contact_phone", "contact_document",
                 "subtotal", "discount", "freight", "total", "payment_method", "payment_gateway", "installments",
                 "billing_address", "shipping_address", "placed_at", "note"):
        assert getattr(order, name) == getattr(data, name), name
    assert order.origin_label == "Loja virtual"


def test_first_apply_creates_lines_in_order():
    data = order_data()
    prods = products(data)
    order = Order()
    changes = order.apply(data, None, prods)
    assert [(ln.position, ln.sku, ln.name, ln.quantity, ln.unit_price, ln.total) for ln in order.lines] == [
        (1, "A", "Produto A", 1, Decimal("50.00"), Decimal("50.00")),
        (2, "B", "Produto B", 2, Decimal("50.00"), Decimal("100.00")),
    ]
    assert [ln.product for ln in order.lines] == prods
    assert "itens atualizados" not in changes  # a new order has no previous items


def test_first_apply_does_not_report_a_status_change():
    data = order_data(status=OrderStatus.CANCELLED)
    order = Order()
    changes = order.apply(data, None, products(data))
    assert order.status is OrderStatus.CANCELLED
    assert not any(c.startswith("situação") for c in changes)


def test_status_change_of_a_stored_order_is_reported_with_labels():
    data = order_data()
    order = stored(Order())
    order.apply(data, None, products(data))
    changes = order.apply(replace(data, status=OrderStatus.CONFIRMED), None, [ln.product for ln in order.lines])
    assert order.status is OrderStatus.CONFIRMED
    assert changes == ["situação Em Aberto → Confirmado"]


def test_apply_twice_with_the_same_data_changes_nothing():
    data = order_data()
    order = stored(Order())
    prods = products(data)
    order.apply(data, None, prods)
    lines_before = list(order.lines)
    assert order.apply(data, None, prods) == []
    assert order.lines == lines_before
    assert all(a is b for a, b in zip(order.lines, lines_before, strict=True))


# --- customer link (rule 3) ---------------------------------------------------------------------------------------


def test_store_customer_is_linked_when_the_document_is_valid():
    data = order_data(customer_problem=None)
    maria = customer()
    order = Order()
    changes = order.apply(data, maria, products(data))
    assert order.customer is maria
    assert order.customer_link == CustomerLink.STORE
    assert order.customer_problem is None
    assert "cliente vinculado: Maria Souza" in changes


def test_without_document_the_order_has_no_customer_and_shows_why():
    data = order_data(customer_problem="CPF inválido: 123")
    order = Order()
    changes = order.apply(data, None, products(data))
    assert order.customer is None
    assert order.customer_link is None
    assert order.customer_problem == "CPF inválido: 123"
    assert "sem cliente: CPF inválido: 123" in changes


def test_manual_link_survives_a_store_update_without_document():
    data = order_data()
    order = stored(Order())
    order.apply(data, None, products(data))
    manual = customer("Cliente Manual", "11144477735")
    order.link_customer_manually(manual)
    assert (order.customer, order.customer_link, order.customer_problem) == (manual, CustomerLink.MANUAL, None)

    changes = order.apply(replace(data, note="mudou"), None, [ln.product for ln in order.lines])
    assert order.customer is manual
    assert order.customer_link == CustomerLink.MANUAL
    assert order.customer_problem is None
    assert not any("cliente" in c for c in changes)
    assert order.note == "mudou"


def test_store_update_with_a_valid_document_relinks_to_the_store_customer():
    data = order_data()
    order = stored(Order())
    order.apply(data, None, products(data))
    order.link_customer_manually(customer("Cliente Manual", "11144477735"))

    from_store = customer("Maria Souza", "52998224725")
    changes = order.apply(replace(data, customer_problem=None), from_store, [ln.product for ln in order.lines])
    assert order.customer is from_store
    assert order.customer_link == CustomerLink.STORE
    assert order.customer_problem is None
    assert changes == ["cliente vinculado: Maria Souza"]


def test_store_customer_link_survives_a_payload_without_document():
    """Scope lost, customer deleted in the store, redaction: the back office keeps its link."""
    data = order_data(customer_problem=None)
    order = stored(Order())
    maria = customer()
    order.apply(data, maria, products(data))
    changes = order.apply(replace(data, customer_problem=NO_DOCUMENT), None, [ln.product for ln in order.lines])
    assert order.customer is maria
    assert order.customer_link == "store"
    assert order.customer_problem is None
    assert changes == []


def test_relinking_the_same_customer_reports_nothing():
    data = order_data(customer_problem=None)
    maria = customer()
    order = stored(Order())
    order.apply(data, maria, products(data))
    assert order.apply(data, maria, [ln.product for ln in order.lines]) == []
    assert order.customer is maria


def test_customer_from_data_keeps_the_normalised_document():
    data = CustomerData(TaxId("12ABC34501DE35", TaxIdKind.CNPJ), "Empresa", None, None, ADDRESS)
    cust = Customer.from_data(data)
    assert (cust.tax_id, cust.kind, cust.name, cust.address) == ("12ABC34501DE35", "CNPJ", "Empresa", ADDRESS)


def test_customer_update_never_erases_with_blanks():
    cust = Customer("52998224725", "CPF", "Maria", "m@example.com", "1", ADDRESS)
    changed = cust.update_from(CustomerData(TaxId("52998224725", TaxIdKind.CPF), "Maria S.", None, "", None))
    assert changed == ["name"]
    assert (cust.name, cust.email, cust.phone, cust.address) == ("Maria S.", "m@example.com", "1", ADDRESS)


# --- lines --------------------------------------------------------------------------------------------------------


def test_changed_line_is_updated_in_place():
    data = order_data()
    order = stored(Order())
    order.apply(data, None, products(data))
    first, second = order.lines
    new_lines = [data.lines[0], replace(data.lines[1], quantity=5, unit_price=Decimal("9.90"))]
    changes = order.apply(replace(data, lines=new_lines), None, [ln.product for ln in order.lines])
    assert changes == ["itens atualizados"]
    assert order.lines[0] is first and order.lines[1] is second
    assert (second.quantity, second.unit_price, second.total) == (5, Decimal("9.90"), Decimal("49.50"))


def test_added_lines_are_appended_with_their_position():
    data = order_data()
    order = stored(Order())
    order.apply(data, None, products(data))
    first = order.lines[0]
    more = [*data.lines, LineData("C", "Produto C", 3, Decimal("1.00"))]
    changes = order.apply(replace(data, lines=more), None, [*[ln.product for ln in order.lines], None])
    assert changes == ["itens atualizados"]
    assert [ln.position for ln in order.lines] == [1, 2, 3]
    assert order.lines[0] is first
    assert (order.lines[2].sku, order.lines[2].quantity, order.lines[2].total, order.lines[2].product) == (
        "C", 3, Decimal("3.00"), None)


def test_removed_lines_are_dropped():
    data = order_data()
    order = stored(Order())
    order.apply(data, None, products(data))
    lines_list = order.lines
    first = order.lines[0]
    changes = order.apply(replace(data, lines=data.lines[:1]), None, [first.product])
    assert changes == ["itens atualizados"]
    assert order.lines == [first]
    assert order.lines is lines_list  # the same collection, mutated (the ORM tracks it)
    changes = order.apply(replace(data, lines=[]), None, [])
    assert order.lines == []
    assert changes == ["itens atualizados"]


def test_a_different_product_match_updates_the_lines():
    data = order_data()
    order = stored(Order())
    order.apply(data, None, products(data))
    other = products(data)
    changes = order.apply(data, None, other)
    assert changes == ["itens atualizados"]
    assert [ln.product for ln in order.lines] == other


line_data = st.builds(
    LineData,
    sku=st.one_of(st.none(), st.text("ABC", min_size=1, max_size=3)),
    name=st.text("abc ", min_size=1, max_size=5),
    quantity=st.integers(1, 50),
    unit_price=st.integers(0, 10_000).map(lambda c: Decimal(c) / 100),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(line_data, max_size=5), st.lists(line_data, max_size=5))
def test_lines_always_end_as_the_latest_store_lines(first, second):
    order = stored(Order())
    order.apply(order_data(lines=first), None, [None] * len(first))
    order.apply(order_data(lines=second), None, [None] * len(second))
    assert [(ln.sku, ln.name, ln.quantity, ln.unit_price, ln.total) for ln in order.lines] == [
        (d.sku, d.name, d.quantity, d.unit_price, d.total) for d in second
    ]
    assert [ln.position for ln in order.lines] == list(range(1, len(second) + 1))
    assert order.apply(order_data(lines=second), None, [None] * len(second)) == []


# --- processing state -------------------------------------------------------------------------------------------


def test_is_processed_and_attention_flags():
    order = Order()
    assert order.status is OrderStatus.OPEN
    assert not order.is_processed()
    assert not order.needs_attention
    order.processed_reason = "NF-e autorizada"
    assert order.is_processed()
    order.flag_for_attention("loja cancelou um pedido já faturado")
    assert order.needs_attention
    assert order.attention_reason == "loja cancelou um pedido já faturado"


def test_apply_does_not_clear_processing_or_attention():
    data = order_data(status=OrderStatus.CANCELLED)
    order = stored(Order(OrderStatus.CONFIRMED))
    order.processed_reason = "venda confirmada"
    order.flag_for_attention("revisar")
    order.apply(data, None, products(data))
    assert order.is_processed()
    assert order.needs_attention


@pytest.mark.parametrize(("origin", "label"), [("nuvemshop", "Loja virtual"), ("balcao", "balcao"), (None, None)])
def test_origin_label(origin, label):
    order = Order()
    order.origin = origin
    assert order.origin_label == label


def test_line_data_total():
    assert LineData("X", "X", 3, Decimal("19.90")).total == Decimal("59.70")
