"""Order.apply: store values taken, customer links kept or re-made, lines replaced in place (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lojasync.sales.customers import Customer, CustomerData
from lojasync.sales.events import CustomerLinked, OrderImported, OrderUpdated, StoreChangeFlagged
from lojasync.sales.history import Actor, Change, ProcessedBy
from lojasync.sales.history_text import Names, render_change
from lojasync.sales.order_data import LineData, OrderData
from lojasync.sales.orders import ORIGIN_ONLINE_STORE, CustomerLink, Order
from lojasync.sales.status import OrderStatus
from lojasync.shared.address import Address
from lojasync.shared.tax_id import TaxId, TaxIdKind, TaxIdProblem, TaxIdProblemCode
from lojasync.stock.products import Product

NO_DOCUMENT = TaxIdProblem(TaxIdProblemCode.MISSING)
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


def texts(changes: list[Change]) -> list[str]:
    """The words of each change, naming the customers the test holds."""
    names = Names(customers={c.customer.id: c.customer.name for c in changes if c.customer is not None})
    return [render_change(change.to_params(), names) for change in changes]


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
    assert "itens atualizados" not in texts(changes)  # a new order has no previous items


def test_first_apply_does_not_report_a_status_change():
    data = order_data(status=OrderStatus.CANCELLED)
    order = Order()
    changes = order.apply(data, None, products(data))
    assert order.status is OrderStatus.CANCELLED
    assert not any(c.startswith("situação") for c in texts(changes))


def test_status_change_of_a_stored_order_is_reported_with_labels():
    data = order_data()
    order = stored(Order())
    order.apply(data, None, products(data))
    changes = order.apply(replace(data, status=OrderStatus.CONFIRMED), None, [ln.product for ln in order.lines])
    assert order.status is OrderStatus.CONFIRMED
    assert texts(changes) == ["situação Em Aberto → Confirmado"]


def test_apply_twice_with_the_same_data_changes_nothing():
    data = order_data()
    order = stored(Order())
    prods = products(data)
    order.apply(data, None, prods)
    lines_before = list(order.lines)
    assert texts(order.apply(data, None, prods)) == []
    assert order.lines == lines_before
    assert all(a is b for a, b in zip(order.lines, lines_before, strict=True))



def test_a_state_written_as_its_uf_is_taken_without_calling_it_a_change():
    """Orders imported before the UF mapping kept "Rio Grande do Norte"; the next update sends "RN"."""
    spelled = replace(ADDRESS, state="Rio Grande do Norte")
    data = order_data(billing_address=spelled)
    order = stored(Order())
    order.apply(data, None, products(data))
    assert texts(order.apply(order_data(), None, [ln.product for ln in order.lines])) == []
    assert order.billing_address == ADDRESS
    moved = replace(ADDRESS, city="Mossoró")
    assert texts(order.apply(order_data(billing_address=moved), None, [ln.product for ln in order.lines])) != []


def test_customer_address_in_uf_form_is_taken_without_calling_it_a_change():
    cust = Customer("52998224725", "CPF", "Maria", None, None, replace(ADDRESS, state="rio grande do norte"))
    assert cust.update_from(CustomerData(TaxId("52998224725", TaxIdKind.CPF), "Maria", None, None, ADDRESS)) == []
    assert cust.address == ADDRESS

# --- customer link (rule 3) ---------------------------------------------------------------------------------------


def test_store_customer_is_linked_when_the_document_is_valid():
    data = order_data(customer_problem=None)
    maria = customer()
    order = Order()
    changes = order.apply(data, maria, products(data))
    assert order.customer is maria
    assert order.customer_link == CustomerLink.STORE
    assert order.customer_problem is None
    assert "cliente vinculado: Maria Souza" in texts(changes)


def test_without_document_the_order_has_no_customer_and_shows_why():
    data = order_data(customer_problem=TaxIdProblem(TaxIdProblemCode.INVALID_CPF, "123"))
    order = Order()
    changes = order.apply(data, None, products(data))
    assert order.customer is None
    assert order.customer_link is None
    assert order.customer_problem == "CPF inválido: 123"
    # The history's words hold the kind of problem, never the document as sent.
    assert texts(changes) == ["sem cliente: CPF inválido"]


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
    assert not any("cliente" in c for c in texts(changes))
    assert order.note == "mudou"


def test_store_update_with_a_valid_document_relinks_to_the_store_customer():
    data = order_data()
    order = stored(Order())
    order.apply(data, None, products(data))
    order.link_customer_manually(customer("Cliente Manual", "11144477735"))

    from_store = customer("Maria Souza", "52998224725")
    changes = order.apply(replace(data, customer_problem=None, contact_document="529.982.247-25"), from_store,
                          [ln.product for ln in order.lines])
    assert order.customer is from_store
    assert order.customer_link == CustomerLink.STORE
    assert order.customer_problem is None
    assert texts(changes) == ["cliente vinculado: Maria Souza"]


def test_a_customer_a_person_put_in_place_of_the_stores_stays_through_updates_with_the_same_document():
    """review: the buyer wanted the NF-e in the company's CNPJ; a person replaced the store's customer, and the
    next update of the order (shipped) linked the store's again. Only another document from the store relinks."""
    maria = customer("Maria Souza", "52998224725")
    data = order_data(customer_problem=None, contact_document="529.982.247-25")
    order = stored(Order())
    order.apply(data, maria, products(data))
    company = Customer("11222333000181", "CNPJ", "Empresa Exemplo Ltda")
    order.link_customer_manually(company)
    changes = order.apply(replace(data, note="enviado"), maria, [ln.product for ln in order.lines])
    assert order.customer is company and order.customer_link == CustomerLink.MANUAL
    assert "cliente vinculado: Maria Souza" not in texts(changes)
    # review: the same document written another way (from customer.identification instead of the order's contact)
    # linked the store's customer over the person's choice.
    order.apply(replace(data, contact_document="52998224725"), maria, [ln.product for ln in order.lines])
    assert order.customer is company and order.customer_link == CustomerLink.MANUAL
    other = customer("Ana Lima", "11144477735")   # the store corrected the buyer's CPF: that one is linked
    order.apply(replace(data, contact_document="111.444.777-35"), other, [ln.product for ln in order.lines])
    assert order.customer is other and order.customer_link == CustomerLink.STORE


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
    assert texts(changes) == []


def test_relinking_the_same_customer_reports_nothing():
    data = order_data(customer_problem=None)
    maria = customer()
    order = stored(Order())
    order.apply(data, maria, products(data))
    assert texts(order.apply(data, maria, [ln.product for ln in order.lines])) == []
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
    assert texts(changes) == ["itens atualizados"]
    assert order.lines[0] is first and order.lines[1] is second
    assert (second.quantity, second.unit_price, second.total) == (5, Decimal("9.90"), Decimal("49.50"))


def test_added_lines_are_appended_with_their_position():
    data = order_data()
    order = stored(Order())
    order.apply(data, None, products(data))
    first = order.lines[0]
    more = [*data.lines, LineData("C", "Produto C", 3, Decimal("1.00"))]
    changes = order.apply(replace(data, lines=more), None, [*[ln.product for ln in order.lines], None])
    assert texts(changes) == ["itens atualizados"]
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
    assert texts(changes) == ["itens atualizados"]
    assert order.lines == [first]
    assert order.lines is lines_list  # the same collection, mutated (the ORM tracks it)
    changes = order.apply(replace(data, lines=[]), None, [])
    assert order.lines == []
    assert texts(changes) == ["itens atualizados"]


def test_a_different_product_match_updates_the_lines():
    data = order_data()
    order = stored(Order())
    order.apply(data, None, products(data))
    other = products(data)
    changes = order.apply(data, None, other)
    assert texts(changes) == ["itens atualizados"]
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
    assert texts(order.apply(order_data(lines=second), None, [None] * len(second))) == []


# --- processing state -------------------------------------------------------------------------------------------


def test_is_processed_and_attention_flags():
    order = stored(Order())
    assert order.status is OrderStatus.OPEN
    assert not order.is_processed()
    assert not order.needs_attention
    order.mark_processed(ProcessedBy.NFE)
    assert order.is_processed()
    reason = order.flag_store_change(order_data(status=OrderStatus.CANCELLED), "cancelled", "paid", Actor.WEBHOOK)
    assert order.needs_attention
    assert order.attention_reason == reason
    assert reason.startswith("Pedido cancelado na loja: cancele a NF-e. ")
    assert "depois de processado (NF-e autorizada)" in reason and "situação na loja: cancelado" in reason
    assert "aqui seria Cancelado" in reason and "Nada foi desfeito automaticamente" in reason
    assert "total R$ 160,00." in reason                         # pt-BR money, not Decimal's "160.00"
    (event,) = order.pull_events()
    assert isinstance(event, StoreChangeFlagged)
    assert event.params() == {"origin_number": "153", "processed_by": "nfe", "store_status": "cancelled",
                              "payment_status": "paid", "would_be": "cancelled", "total": "160.00",
                              "fields": []}


def test_a_second_reason_is_added_to_the_pending_one_not_put_in_its_place():
    """audit: a second reason (an NF-e problem after a store change) replaced the first, which the back office then
    never saw. Each pending reason is kept, one per line, the same one once; clearing takes them all."""
    order = stored(Order())
    order.mark_processed(ProcessedBy.NFE)
    first = order.flag_store_change(order_data(status=OrderStatus.CANCELLED), "cancelled", "paid", Actor.WEBHOOK)
    second = "NF-e 12 aguardando SEFAZ: sem certificado.\nResolução: cadastre o certificado A1."
    assert order.ask_for_a_person(second)
    assert order.attention_reasons == [first, "NF-e 12 aguardando SEFAZ: sem certificado. Resolução: cadastre o "
                                              "certificado A1."]
    assert order.attention_reason == "\n".join(order.attention_reasons)
    assert not order.ask_for_a_person(second)                   # already pending: not repeated
    assert len(order.attention_reasons) == 2
    assert order.clear_attention()
    assert (order.needs_attention, order.attention_reason, order.attention_reasons) == (False, None, [])
    order.ask_for_a_person("Outro motivo.")                      # after a clear, a new flag starts afresh
    assert order.attention_reasons == ["Outro motivo."]


def test_reasons_dealt_with_elsewhere_go_and_the_others_stay():
    order = stored(Order())
    order.ask_for_a_person("Pedido cancelado na loja: cancele a venda simples.")
    order.ask_for_a_person("Venda simples 4 cancelada com 1 conta(s) a receber já recebida(s): confira.")
    settled = lambda reason: reason.startswith("Venda simples 4")  # noqa: E731
    assert order.withdraw_attention(settled)
    assert order.needs_attention and order.attention_reasons == ["Pedido cancelado na loja: cancele a venda simples."]
    assert not order.withdraw_attention(settled)                 # none of them pending: nothing changes
    assert order.withdraw_attention(lambda reason: True)
    assert (order.needs_attention, order.attention_reason) == (False, None)
    assert order.pull_events() == []                            # the caller says why they went


def test_apply_does_not_clear_processing_or_attention():
    data = order_data(status=OrderStatus.CANCELLED)
    order = stored(Order(OrderStatus.CONFIRMED))
    order.mark_processed(ProcessedBy.SIMPLE_SALE)
    order.flag_store_change(data, "cancelled", "paid", Actor.SYNC)
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


# --- domain events (the order's history) ---------------------------------------------------------------------


def test_a_first_import_records_the_import_and_why_there_is_no_customer():
    data = order_data(lines=[LineData("A", "Produto A", 1, Decimal("50.00"))])
    order = Order()
    order.import_new(data, None, [None], Actor.WEBHOOK)
    events = order.pull_events()
    assert [e.history_type.value for e in events] == ["created", "customer_missing", "unknown_sku"]
    assert isinstance(events[0], OrderImported) and events[0].actor is Actor.WEBHOOK
    assert events[0].params() == {"origin_number": "153", "status": "open"}
    assert events[1].params() == {"problem": "missing"}
    assert events[2].params() == {"position": 1, "sku": "A"}
    assert order.pull_events() == []  # handed over once


def test_an_update_records_its_changes_and_holds_references_not_personal_data():
    data = order_data()
    order = stored(Order())
    order.import_new(data, None, products(data), Actor.SYNC)
    order.pull_events()
    maria = customer()
    maria.id = 42
    order.update_from_store(replace(data, status=OrderStatus.CONFIRMED, customer_problem=None), maria,
                            [ln.product for ln in order.lines], [], Actor.WEBHOOK)
    (event,) = order.pull_events()
    assert isinstance(event, OrderUpdated)
    assert event.params() == {"changes": [{"kind": "status", "before": "open", "after": "confirmed"},
                                          {"kind": "customer_linked", "customer_id": 42}]}
    assert "Maria" not in repr(event.params())


def test_a_manual_link_is_recorded_with_the_operator_as_actor():
    order = stored(Order())
    manual = customer("Cliente Manual", "11144477735")
    manual.id = 7
    order.link_customer_manually(manual)
    (event,) = order.pull_events()
    assert isinstance(event, CustomerLinked) and event.actor is Actor.OPERATOR
    assert event.params() == {"customer_id": 7}


def test_erasure_keeps_what_an_issued_nfe_requires_and_says_so_in_a_typed_field():
    from lojasync.sales.history import HistoryType

    data = order_data(contact_document="52998224725", shipping_address=ADDRESS, note="nota")
    order = stored(Order())
    order.apply(data, None, products(data))
    order.mark_processed(ProcessedBy.NFE)
    assert order.erase_personal_data(HistoryType.LGPD_CUSTOMER_REDACT)
    assert (order.contact_name, order.contact_document, order.billing_address) == ("Maria", "52998224725", ADDRESS)
    assert (order.contact_email, order.contact_phone, order.shipping_address, order.note) == (None, None, None, None)
    (event,) = order.pull_events()
    assert event.history_type is HistoryType.LGPD_CUSTOMER_REDACT
    assert event.params() == {"fiscal_retention": "nfe"}
    assert not order.erase_personal_data(HistoryType.LGPD_CUSTOMER_REDACT)  # nothing left: nothing recorded
    assert order.pull_events() == []


def test_a_customer_kept_for_other_orders_keeps_only_what_the_newest_of_them_says():
    """LGPD: a store asked to erase, another store's order keeps the customer: its contact is that order's."""
    customer = Customer("52998224725", "CPF", "Maria Loja A", "maria@a.example", "+5511911112222", ADDRESS)
    customer.state_registration = "ISENTO"
    standing = Order()
    standing.contact_name, standing.contact_phone = "Maria B", "+5521900001111"
    standing.billing_address = replace(ADDRESS, city="Niterói")
    moment = datetime(2025, 1, 2, tzinfo=timezone.utc)
    assert customer.keep_only_contact_of(standing, moment)
    assert (customer.name, customer.email, customer.phone, customer.address) == (
        "Maria B", None, "+5521900001111", standing.billing_address)
    assert (customer.tax_id, customer.state_registration, customer.store_data_at) == ("52998224725", "ISENTO", moment)
    assert not customer.keep_only_contact_of(standing, moment)
    # An order that names nobody: the import's placeholder, as for a new customer.
    assert customer.keep_only_contact_of(Order())
    assert (customer.name, customer.phone, customer.address) == ("Cliente 529.982.247-25", None, None)
