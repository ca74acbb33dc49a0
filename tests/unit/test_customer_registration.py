"""The customer's inscrição estadual (IE), set by the operator: what is kept, what is refused (in Portuguese,
with a resolution), which address checks it, and that neither a store import nor an erasure mix it up."""

from __future__ import annotations

import pytest

from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.sales.customer_registration import set_state_registration
from lojasync.sales.customers import Customer
from lojasync.sales.errors import CustomerNotFound, CustomerNotOnOrder, InvalidTaxId, OrderNotFound
from lojasync.sales.link_customer import link_customer
from lojasync.sales.views import list_customers, show_order
from lojasync.shared.state_registration import (
    ExemptNotAdmitted,
    InvalidStateRegistration,
    StateRegistrationNeedsState,
)
from tests.factories import cnpj, cpf, order_payload, ts

COMPANY = cnpj("112223330001")
SP_IE, MG_IE, RJ_IE = "110042490114", "2615950220092", "78890169"


def buyer_in(province: str, identification: str = COMPANY) -> dict:
    payload = order_payload(identification=identification)
    payload["customer"]["default_address"]["province"] = province
    payload["billing_province"] = province
    return payload


def imported(uow, store, payload) -> int:
    return import_order(uow, store.id, payload, ImportPolicy()).order_number


def stored_ie(uow, document: str = COMPANY) -> str | None:
    with uow:
        return uow.customers.by_tax_id(document).state_registration


def test_a_contributor_keeps_the_digits_and_the_nfe_kind_follows(uow, store):
    imported(uow, store, buyer_in("São Paulo"))
    kept = set_state_registration(uow, "11.222.333/0001-81", "110.042.490.114")
    assert kept["state_registration"] == SP_IE and kept["changed"]
    assert kept["contributor"] == "contributor" and kept["contributor_label"] == "contribuinte do ICMS"
    assert stored_ie(uow) == SP_IE
    again = set_state_registration(uow, COMPANY, SP_IE)
    assert not again["changed"]
    (listed,) = list_customers(uow)
    assert listed["state_registration"] == SP_IE and listed["contributor"] == "contributor"


def test_a_wrong_check_digit_is_refused_in_portuguese_and_nothing_is_kept(uow, store):
    imported(uow, store, buyer_in("SP"))
    with pytest.raises(InvalidStateRegistration) as refused:
        set_state_registration(uow, COMPANY, "110.042.490.115")
    assert refused.value.message == "Inscrição estadual 110.042.490.115 inválida para SP."
    # SP refuses an exempt recipient (805): the way out is a blank field, never ISENTO.
    assert "SP não admite contribuinte isento" in refused.value.resolution and "em branco" in refused.value.resolution
    assert stored_ie(uow) is None


def test_the_registration_of_another_state_is_refused(uow, store):
    imported(uow, store, buyer_in("Rio de Janeiro"))
    with pytest.raises(InvalidStateRegistration, match="inválida para RJ"):
        set_state_registration(uow, COMPANY, MG_IE)
    assert set_state_registration(uow, COMPANY, RJ_IE)["state_registration"] == RJ_IE


@pytest.mark.parametrize("typed", ["ISENTO", "isento", " Isenta "])
def test_exempt_where_the_state_admits_it(uow, store, typed):
    imported(uow, store, buyer_in("Rio de Janeiro"))
    kept = set_state_registration(uow, COMPANY, typed)
    assert kept["state_registration"] == "ISENTO" and kept["contributor"] == "exempt"


def test_exempt_is_refused_where_sefaz_rejects_it(uow, store):
    imported(uow, store, buyer_in("Minas Gerais"))
    with pytest.raises(ExemptNotAdmitted) as refused:
        set_state_registration(uow, COMPANY, "ISENTO")
    assert "MG não admite contribuinte isento" in refused.value.message and "805" in refused.value.message
    assert "deixe o campo em branco" in refused.value.resolution


@pytest.mark.parametrize("blank", [None, "", "   ", "-"])
def test_blank_clears_it_a_non_contributor(uow, store, blank):
    imported(uow, store, buyer_in("SP"))
    set_state_registration(uow, COMPANY, SP_IE)
    cleared = set_state_registration(uow, COMPANY, blank)
    assert cleared["state_registration"] is None and cleared["changed"]
    assert cleared["contributor"] == "non_contributor" and cleared["contributor_label"] == "não contribuinte do ICMS"
    assert stored_ie(uow) is None


def test_a_cpf_may_have_one_a_rural_producer_checked_the_same_way(uow, store):
    person = cpf("529982247")
    imported(uow, store, buyer_in("São Paulo", person))
    with pytest.raises(InvalidStateRegistration):
        set_state_registration(uow, person, "P-01100424.4/002")
    kept = set_state_registration(uow, person, "P-01100424.3/002")
    # São Paulo's rural producers keep the "P" their rule needs; the NF-e carries the digits.
    assert kept["state_registration"] == "P011004243002" and kept["contributor"] == "contributor"


def test_without_an_address_the_orders_checks_it_and_without_an_order_it_is_refused(uow, store):
    number = imported(uow, store, buyer_in("SP", identification="sem documento"))
    link_customer(uow, number, "111.444.777-35", name="Balcão Ltda")
    with pytest.raises(StateRegistrationNeedsState) as refused:
        set_state_registration(uow, "11144477735", SP_IE)
    assert "não tem um estado" in refused.value.message and "página do pedido" in refused.value.resolution
    kept = set_state_registration(uow, "11144477735", SP_IE, order_number=number)
    assert kept["state_registration"] == SP_IE
    assert show_order(uow, number)["customer"]["state_registration"] == SP_IE


def test_the_order_named_must_be_this_customers(uow, store):
    number = imported(uow, store, buyer_in("SP"))
    imported(uow, store, buyer_in("SP", cnpj("998887770001")) | {"id": 1700009999})
    with pytest.raises(CustomerNotOnOrder) as refused:
        set_state_registration(uow, cnpj("998887770001"), SP_IE, order_number=number)
    assert "não é o cliente atual do pedido" in refused.value.message
    with pytest.raises(OrderNotFound):
        set_state_registration(uow, COMPANY, SP_IE, order_number=999999)
    assert stored_ie(uow, cnpj("998887770001")) is None


def test_unknown_and_invalid_documents(uow, store):
    with pytest.raises(CustomerNotFound) as missing:
        set_state_registration(uow, COMPANY, SP_IE)
    assert missing.value.code == "sales.customer_not_found" and "11.222.333/0001-81" in missing.value.message
    with pytest.raises(InvalidTaxId):
        set_state_registration(uow, "123", SP_IE)


def test_a_store_import_never_erases_what_the_operator_set(uow, store):
    payload = buyer_in("SP")
    number = imported(uow, store, payload)
    set_state_registration(uow, COMPANY, SP_IE)
    changed = {**payload, "updated_at": ts(60), "contact_name": "Outro Nome", "payment_status": "paid",
               "customer": {**payload["customer"], "name": "Empresa Renomeada Ltda"}}
    assert imported(uow, store, changed) == number
    with uow:
        customer = uow.customers.by_tax_id(COMPANY)
        assert customer.name == "Empresa Renomeada Ltda" and customer.state_registration == SP_IE


@pytest.mark.parametrize("keep_fiscal", [True, False])
def test_lgpd_erasure_clears_it(keep_fiscal):
    customer = Customer(COMPANY, "CNPJ", "Empresa Ltda")
    customer.id = 7
    customer.set_state_registration(SP_IE)
    assert customer.erase_personal_data(keep_fiscal=keep_fiscal)
    assert customer.state_registration is None
