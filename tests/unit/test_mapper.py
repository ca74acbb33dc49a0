"""Mapper: a parsed Nuvemshop order becomes the ERP's OrderData (rules 2, 3 and 4)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from lojasync.nuvemshop.mapper import map_order, resolve_tax_id
from lojasync.nuvemshop.payloads import parse_order
from lojasync.sales.order_data import LineData
from lojasync.sales.orders import ORIGIN_ONLINE_STORE
from lojasync.sales.status import OrderStatus, StatusRules, default_status_rules
from lojasync.shared.address import Address, state_code
from lojasync.shared.tax_id import TaxId, TaxIdKind

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "nuvemshop"
CPF = "529.982.247-25"
CPF_VALUE = "52998224725"
CNPJ = "11.222.333/0001-81"
CNPJ_VALUE = "11222333000181"
ALNUM_CNPJ = "12.abc.345/01de-35"
BAD_CPF = "123.456.789-00"
BAD_CNPJ = "11.222.333/0001-82"


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"), parse_float=Decimal)


def brazilian_order(**fields) -> dict:
    payload = {
        "id": 1639882221,
        "number": 153,
        "status": "open",
        "payment_status": "paid",
        "created_at": "2025-03-10T09:15:00-03:00",
        "subtotal": "200.00",
        "discount": "20.00",
        "shipping_cost_customer": "15.90",
        "total": "195.90",
        "gateway": "pagseguro",
        "gateway_name": "PagSeguro",
        "payment_details": {"method": "credit_card", "installments": "3"},
        "contact_name": "Maria Contato",
        "contact_email": "contato@example.com",
        "contact_phone": "+55 11 90000-0000",
        "contact_identification": None,
        "customer": {
            "id": 77,
            "name": "Maria Souza",
            "email": "maria@example.com",
            "phone": "+55 11 98888-7777",
            "identification": CPF,
            "default_address": {
                "name": "Maria Souza", "address": "Rua das Flores", "number": "100", "floor": "apto 12",
                "locality": "Centro", "zipcode": "01001-000", "city": "São Paulo", "province": "SP",
                "country": "BR", "phone": "+55 11 98888-7777",
            },
        },
        "billing_name": "Maria B. Souza",
        "billing_address": "Av. Paulista",
        "billing_number": "1000",
        "billing_floor": "sala 5",
        "billing_locality": "Bela Vista",
        "billing_zipcode": "01310-100",
        "billing_city": "São Paulo",
        "billing_province": "SP",
        "billing_country": "BR",
        "billing_phone": "+55 11 3333-4444",
        "shipping_address": {
            "name": "João Souza", "address": "Rua do Porto", "number": "7", "floor": None, "locality": "Ponta Negra",
            "zipcode": "59090-000", "city": "Natal", "province": "RN", "country": "BR", "phone": "84 3222-1111",
        },
        "note": "Entregar à tarde",
        "products": [
            {"id": 1, "product_id": 10, "variant_id": 100, "name": "Camiseta P", "sku": "CAM-P", "price": "50.00",
             "quantity": "2"},
            {"id": 2, "product_id": 11, "variant_id": "101", "name": "Boné", "sku": "BON", "price": "100.00",
             "quantity": 1},
        ],
    }
    payload.update(fields)
    return payload


def mapped(rules: StatusRules | None = None, **fields):
    return map_order(parse_order(brazilian_order(**fields)), rules or default_status_rules())


def with_customer(**customer_fields) -> dict:
    customer = dict(brazilian_order()["customer"])
    customer.update(customer_fields)
    return {"customer": customer}


# --- document resolution (rule 3) -----------------------------------------------------------------------


def test_document_from_customer_identification():
    data = mapped()
    assert data.customer is not None
    assert data.customer.tax_id == TaxId(CPF_VALUE, TaxIdKind.CPF)
    assert data.customer_problem is None
    assert data.contact_document == CPF


def test_document_falls_back_to_contact_identification():
    data = mapped(**with_customer(identification=""), contact_identification=CNPJ)
    assert data.customer is not None
    assert data.customer.tax_id == TaxId(CNPJ_VALUE, TaxIdKind.CNPJ)
    assert data.customer_problem is None
    assert data.contact_document == CNPJ


def test_invalid_customer_identification_falls_back_to_a_valid_contact_identification():
    data = mapped(**with_customer(identification=BAD_CPF), contact_identification=CPF)
    assert data.customer is not None
    assert data.customer.tax_id.value == CPF_VALUE
    assert data.customer_problem is None


def test_without_customer_object_the_contact_identification_is_used():
    data = mapped(customer=[], contact_identification=ALNUM_CNPJ)
    assert data.customer is not None
    assert data.customer.tax_id == TaxId("12ABC34501DE35", TaxIdKind.CNPJ)
    assert data.customer.name == "Maria Contato"
    assert data.customer.email == "contato@example.com"
    assert data.customer.phone == "+55 11 90000-0000"


@pytest.mark.parametrize(
    ("identification", "contact", "reason"),
    [
        (None, None, "cliente sem CPF/CNPJ na loja"),
        ("", "", "cliente sem CPF/CNPJ na loja"),
        ("  ", None, "cliente sem CPF/CNPJ na loja"),
        (BAD_CPF, None, f"CPF inválido: {BAD_CPF}"),
        (None, BAD_CPF, f"CPF inválido: {BAD_CPF}"),
        (BAD_CNPJ, None, f"CNPJ inválido: {BAD_CNPJ}"),
        (BAD_CPF, BAD_CNPJ, f"CPF inválido: {BAD_CPF}"),  # the first problem is the one shown
        ("", BAD_CNPJ, f"CNPJ inválido: {BAD_CNPJ}"),
        ("41913703", None, "documento não é CPF nem CNPJ: 41913703"),
    ],
)
def test_reason_shown_when_no_document_is_valid(identification, contact, reason):
    data = mapped(**with_customer(identification=identification), contact_identification=contact)
    assert data.customer is None
    assert data.customer_problem.reason == reason
    # the order is still imported with everything else
    assert data.total == Decimal("195.90")
    assert len(data.lines) == 2


def test_resolve_tax_id_directly():
    order = parse_order(brazilian_order(customer=None, contact_identification=CPF))
    assert resolve_tax_id(order) == (TaxId(CPF_VALUE, TaxIdKind.CPF), CPF)
    order = parse_order(brazilian_order(customer=None, contact_identification=None))
    problem, document = resolve_tax_id(order)
    assert (problem.reason, document) == ("cliente sem CPF/CNPJ na loja", None)


def test_contact_document_is_the_one_that_identified_the_customer():
    order = parse_order(brazilian_order(contact_identification=CPF))
    order = order.model_copy(update={"customer": order.customer.model_copy(update={"identification": "123"})})
    data = map_order(order, default_status_rules())
    assert data.customer.tax_id.value == CPF_VALUE
    assert data.contact_document == CPF


# --- customer data ------------------------------------------------------------------------------------------


def test_customer_data_from_the_store_customer():
    customer = mapped().customer
    assert customer is not None
    assert customer.name == "Maria Souza"
    assert customer.email == "maria@example.com"
    assert customer.phone == "+55 11 98888-7777"
    assert customer.address == Address(
        name="Maria Souza", street="Rua das Flores", number="100", complement="apto 12", district="Centro",
        zipcode="01001-000", city="São Paulo", state="SP", country="BR", phone="+55 11 98888-7777",
    )


def test_customer_name_email_phone_fall_back_to_contact():
    data = mapped(**with_customer(name=None, email="", phone=None))
    assert data.customer is not None
    assert data.customer.name == "Maria Contato"
    assert data.customer.email == "contato@example.com"
    assert data.customer.phone == "+55 11 90000-0000"
    assert data.contact_name == "Maria Contato"
    assert data.contact_email == "contato@example.com"
    assert data.contact_phone == "+55 11 90000-0000"


def test_customer_name_and_phone_fall_back_to_billing():
    data = mapped(**with_customer(name=None, phone=None), contact_name=None, contact_phone=None)
    assert data.customer is not None
    assert data.customer.name == "Maria B. Souza"
    assert data.customer.phone == "+55 11 3333-4444"
    assert data.contact_name == "Maria B. Souza"
    assert data.contact_phone == "+55 11 3333-4444"


def test_customer_without_any_name_gets_one_from_the_document():
    data = mapped(**with_customer(name=None), contact_name=None, billing_name=None)
    assert data.customer is not None
    assert data.customer.name == f"Cliente {CPF}"
    assert data.contact_name is None


def test_customer_email_none_when_nowhere():
    data = mapped(**with_customer(email=None), contact_email=None)
    assert data.customer is not None
    assert data.customer.email is None
    assert data.contact_email is None


def test_customer_address_falls_back_to_billing():
    data = mapped(**with_customer(default_address=[]))
    assert data.customer is not None
    assert data.customer.address == data.billing_address
    assert data.customer.address is not None
    assert data.customer.address.street == "Av. Paulista"


# --- addresses -------------------------------------------------------------------------------------------------


def test_billing_flat_fields_become_an_address():
    assert mapped().billing_address == Address(
        name="Maria B. Souza", street="Av. Paulista", number="1000", complement="sala 5", district="Bela Vista",
        zipcode="01310-100", city="São Paulo", state="SP", country="BR", phone="+55 11 3333-4444",
    )


def test_shipping_address_object_becomes_an_address():
    assert mapped().shipping_address == Address(
        name="João Souza", street="Rua do Porto", number="7", complement=None, district="Ponta Negra",
        zipcode="59090-000", city="Natal", state="RN", country="BR", phone="84 3222-1111",
    )


def test_absent_addresses_are_none():
    billing_blank = {f"billing_{k}": None for k in
                     ("name", "address", "number", "floor", "locality", "zipcode", "city", "province", "country",
                      "phone")}
    data = mapped(shipping_address=[], **billing_blank)
    assert data.billing_address is None
    assert data.shipping_address is None
    data = mapped(shipping_address={"address": None, "city": ""})
    assert data.shipping_address is None


# --- origin, status, totals, payment -----------------------------------------------------------------------


def test_origin_and_store_number():
    data = mapped()
    assert data.origin == ORIGIN_ONLINE_STORE == "nuvemshop"
    assert data.origin_number == "153"


def test_origin_number_falls_back_to_the_store_id():
    assert mapped(number=None).origin_number == "1639882221"


@pytest.mark.parametrize(
    ("status", "payment_status", "expected"),
    [
        ("open", "paid", OrderStatus.CONFIRMED),
        ("cancelled", "paid", OrderStatus.CANCELLED),
        ("open", "pending", OrderStatus.OPEN),
        ("closed", "authorized", OrderStatus.OPEN),
        ("open", "partially_paid", OrderStatus.OPEN),
    ],
)
def test_status_through_the_default_rules(status, payment_status, expected):
    assert mapped(status=status, payment_status=payment_status).status is expected


def test_status_through_a_custom_table():
    rules = StatusRules({"cancelled": OrderStatus.CANCELLED},
                        {"paid": OrderStatus.CONFIRMED, "authorized": OrderStatus.CONFIRMED,
                         "voided": OrderStatus.CANCELLED})
    assert mapped(rules, payment_status="authorized").status is OrderStatus.CONFIRMED
    assert mapped(rules, payment_status="voided").status is OrderStatus.CANCELLED
    assert mapped(rules, payment_status="pending").status is OrderStatus.OPEN


def test_totals():
    data = mapped()
    assert data.subtotal == Decimal("200.00")
    assert data.discount == Decimal("20.00")
    assert data.freight == Decimal("15.90")
    assert data.total == Decimal("195.90")


def test_total_from_legacy_price():
    data = mapped(total=None, price="58.00")
    assert data.total == Decimal("58.00")


def test_payment_fields():
    data = mapped()
    assert data.payment_method == "credit_card"
    assert data.payment_gateway == "PagSeguro"
    assert data.installments == 3


@pytest.mark.parametrize(("details", "method", "installments"),
                         [(None, None, None), ([], None, None), ({"method": "", "installments": "x"}, None, None),
                          ({"method": "pix", "installments": 1}, "pix", 1)])
def test_payment_details_variants(details, method, installments):
    data = mapped(payment_details=details, gateway_name=None)
    assert data.payment_method == method
    assert data.installments == installments
    assert data.payment_gateway == "pagseguro"


@pytest.mark.parametrize(("given", "kept"), [
    (Decimal("3.0"), 3), ("3", 3), (" 12 ", 12), (48, 48), (Decimal("3.5"), None), (0, None), (-2, None),
    (49, None), (999, None), (1000, None), ("9223372036854775808", None), (2**63, None), ("1e400000", None), ("NaN", None), (True, None),
    ("1e2", None), ("+3", None), ("３", None), ("٣", None), ("3.00", 3), (Decimal("NaN"), None), (3.0, 3), (float("inf"), None)])
def test_an_installment_count_is_a_whole_number_in_range_or_none(given, kept):
    """review: a huge count failed the import with a database overflow, retried for ever; 3.0 was read as none; 49 to
    999 were kept while the receivables made one of them (the limit is theirs)."""
    assert mapped(payment_details={"method": "credit_card", "installments": given}).installments == kept


def test_placed_at_and_note():
    data = mapped()
    assert data.placed_at == datetime(2025, 3, 10, 12, 15, tzinfo=timezone.utc)
    assert data.note == "Entregar à tarde"


# --- lines -------------------------------------------------------------------------------------------------------


def test_lines_are_mapped():
    assert mapped().lines == [
        LineData(sku="CAM-P", name="Camiseta P", quantity=2, unit_price=Decimal("50.00"),
                 store_product_id="10", store_variant_id="100"),
        LineData(sku="BON", name="Boné", quantity=1, unit_price=Decimal("100.00"),
                 store_product_id="11", store_variant_id="101"),
    ]
    assert [ln.total for ln in mapped().lines] == [Decimal("100.00"), Decimal("100.00")]


def test_line_name_falls_back_when_the_store_line_has_none():
    data = mapped(products=[
        {"product_id": 1234, "variant_id": 101, "price": "19.00", "quantity": 2},
        {"price": "1.00", "quantity": 1, "name": ""},
    ])
    assert data.lines[0].name == "Produto 1234 (variação 101)"
    assert data.lines[1].name == "Produto ? (variação ?)"
    assert data.lines[0].sku is None


def test_no_lines():
    assert mapped(products=[]).lines == []


# --- the documented examples -------------------------------------------------------------------------------


def test_documented_list_example_maps_without_customer_and_says_why():
    data = map_order(parse_order(load("orders-list.json")[0]), default_status_rules())
    assert data.customer is None
    assert data.customer_problem.reason == "documento não é CPF nem CNPJ: 41913703"
    assert data.status is OrderStatus.CONFIRMED  # paid
    assert data.origin_number == "10872"
    assert data.total == Decimal("5660.00")
    assert data.contact_name == "John Doe"
    assert data.contact_email == "john.doe@example.com"
    assert data.installments == 6
    assert data.lines == [LineData("12331471", "Pokeball", 1, Decimal("5190.00"), "58208779", "169164456")]
    assert data.billing_address is not None and data.billing_address.city == "Springfield"


@pytest.mark.parametrize(
    ("name", "status"),
    [("order-get.json", OrderStatus.OPEN), ("order-cancel-response.json", OrderStatus.CANCELLED),
     ("order-update-response.json", OrderStatus.CONFIRMED),
     ("order-open-response.json", OrderStatus.OPEN)],   # no shipping_cost_customer there: the total's rest
)
def test_documented_single_examples_map(name, status):
    data = map_order(parse_order(load(name)), default_status_rules())
    assert data.status is status
    assert data.total == Decimal("58.00")  # legacy price
    assert (data.subtotal, data.discount, data.freight) == (Decimal("38.00"), Decimal("0.00"), Decimal("20.00"))
    assert data.origin_number == "101"
    assert data.customer is None
    assert data.customer_problem.reason == "cliente sem CPF/CNPJ na loja"
    assert data.lines[0].name == "Produto 1234 (variação 101)"
    assert data.billing_address is not None and data.billing_address.name is None  # no billing_name there


def _with_uf(payload: dict) -> dict:
    payload["billing_province"] = "SP"
    payload["customer"]["default_address"]["province"] = "SP"
    payload["shipping_address"]["province"] = "SP"
    return payload


@pytest.mark.parametrize(("payload", "stored"), [
    (dict(id=1700000001, number=1), "15f313439c9f899ded3f6e692160aaf0d3a6fbbf23992a83d36f0c6043ec205d"),
    (dict(id=1700000002, number=2, identification="123.456.789-00"),
     "e206c76bc8f8526e7a4d0bb790c4175ab0a66c262bed1e9c62c755e433812924"),
    (dict(id=1700000003, number=3, identification=""),
     "61b93b19d95bd873e728c042b20052a2fa192d63d2fac0a0168f9d878f13d597"),
])
def test_content_digests_match_what_earlier_versions_stored(payload, stored):
    """The bindings keep each order's digest: a new version computing another one for the same order
    would import every order again after an upgrade. These were computed by version 0.1's importer for
    orders whose provinces came as UFs ("SP").

    An order whose province came as the state's name ("São Paulo") now maps to the UF, so its digest is
    the one it would have had with "SP": such an order is updated once, the next time the store sends it,
    and so gets the UF the NF-e needs. Deliberate, and the only change of digest in this version.
    """
    from lojasync.nuvemshop.services.import_policy import ImportPolicy
    from lojasync.nuvemshop.services.import_prepare import prepare
    from tests.factories import order_payload

    (with_uf,), _ = prepare([_with_uf(order_payload(**payload))], ImportPolicy())
    (with_name,), _ = prepare([order_payload(**payload)], ImportPolicy())
    assert with_uf.digest == stored
    assert with_name.digest == stored


# --- the state (UF) of addresses ----------------------------------------------------------------------------


@pytest.mark.parametrize(("province", "uf"), [
    ("São Paulo", "SP"), ("SP", "SP"), ("sp", "SP"), ("sao paulo", "SP"), ("SAO PAULO", "SP"),
    ("  São   Paulo ", "SP"), ("Rio Grande do Sul", "RS"), ("Rio-Grande-do-Sul", "RS"), ("Pará", "PA"),
    ("Paraná", "PR"), ("Paraíba", "PB"), ("Espirito Santo", "ES"), ("Distrito Federal", "DF"),
    ("Estado de São Paulo", "SP"), ("SP - São Paulo", "SP"), ("Minas Gerais (MG)", "MG"), ("Amapá", "AP"),
    ("Roraima", "RR"), ("Acre", "AC"), ("Mato Grosso do Sul", "MS"), ("Mato Grosso", "MT"),
])
def test_the_province_becomes_the_uf(province, uf):
    assert state_code(province, "BR") == uf
    assert state_code(province, None) == uf
    data = mapped(billing_province=province, shipping_address={**brazilian_order()["shipping_address"],
                                                               "province": province})
    assert data.billing_address.state == uf and data.shipping_address.state == uf


@pytest.mark.parametrize("province", ["Springfield", "SP - Rio de Janeiro", "Bahía Blanca", "XX", "", None])
def test_a_province_not_recognised_stays_as_sent(province):
    assert state_code(province, "BR") == province


def test_a_province_of_another_country_stays_as_sent():
    assert state_code("SP", "AR") == "SP"
    assert state_code("Buenos Aires", "Argentina") == "Buenos Aires"
    assert state_code("São Paulo", "Brasil") == "SP"
    data = mapped(billing_province="Santa Fe", billing_country="AR")
    assert data.billing_address.state == "Santa Fe"


def test_the_customer_address_gets_the_uf_too():
    customer = brazilian_order()["customer"]
    data = mapped(customer={**customer, "default_address": {**customer["default_address"], "province": "Bahia"}})
    assert data.customer.address.state == "BA"
