"""Whether the store changed an order's buyer after its NF-e was built (fiscal.recipient_drift)."""

from __future__ import annotations

from types import SimpleNamespace

from lojasync.fiscal.recipient_drift import recipient_changes
from lojasync.sales.orders import CustomerLink
from lojasync.shared.address import Address

BILLING = Address(name="Ana", street="Rua Pão & Mel", number="12", complement="apto 4", district="Centro",
                  zipcode="01001-000", city="São Paulo", state="São Paulo")
XML = ("<NFe><infNFe><emit><xNome>Loja Ltda</xNome><enderEmit><xLgr>Rua A</xLgr><UF>SP</UF></enderEmit></emit>"
       "<dest><CPF>52998224725</CPF><xNome>Ana Souza</xNome><enderDest><xLgr>Rua Pão &amp; Mel</xLgr><nro>12</nro>"
       "<xCpl>apto 4</xCpl><xBairro>Centro</xBairro><cMun>3550308</cMun><xMun>São Paulo</xMun><UF>SP</UF>"
       "<CEP>01001000</CEP></enderDest></dest><det/></infNFe></NFe>")


class Customer(SimpleNamespace):
    def is_anonymised(self) -> bool:
        return self.name == "Anonimizado"


class Order(SimpleNamespace):
    """An order whose customer counts its reads: the check must not read it when the order alone tells."""

    reads = 0

    @property
    def customer(self):
        self.reads += 1
        return self.linked


def nfe(environment: str = "1"):
    return SimpleNamespace(customer_id=7, environment=environment)


def order(billing=BILLING, customer_id=7, contact="Ana Souza", link=CustomerLink.STORE, customer=None):
    return Order(customer_id=customer_id, contact_name=contact, billing_address=billing, shipping_address=None,
                 customer_link=link,
                 linked=customer or Customer(name="Ana Souza", address=None))


def test_the_same_buyer_is_no_change_and_reads_no_customer():
    same = order()
    assert recipient_changes(nfe(), same, XML) is None
    assert same.reads == 0


def test_another_customer_is_another_cpf_or_cnpj():
    assert recipient_changes(nfe(), order(customer_id=8), XML) == "o CPF/CNPJ"


def test_another_billing_address_or_name_is_said():
    moved = order(billing=Address(street="Av. Paulista", number="1000", zipcode="01310-100", city="São Paulo",
                                  state="SP"))
    assert recipient_changes(nfe(), moved, XML) == "o endereço"
    renamed = order(contact="Ana Lima", customer=Customer(name="Ana Lima", address=None))
    assert recipient_changes(nfe(), renamed, XML) == "o nome"
    assert renamed.reads == 1   # the contact no longer bears the NF-e's name: the customer says


def test_a_name_is_compared_in_production_only():
    """In homologação xNome is SEFAZ's fixed text, never the buyer's."""
    renamed = order(contact="Ana Lima", customer=Customer(name="Ana Lima", address=None))
    assert recipient_changes(nfe(environment="2"), renamed, XML) is None


def test_a_customer_a_person_linked_is_compared_with_its_own_data():
    company = Customer(name="Ana Souza", address=BILLING)
    linked = order(billing=None, contact="Ana", link=CustomerLink.MANUAL, customer=company)
    assert recipient_changes(nfe(), linked, XML) is None


def test_nothing_to_compare_is_no_change():
    assert recipient_changes(nfe(), order(customer_id=None), XML) is None   # erased at the buyer's request (LGPD)
    assert recipient_changes(nfe(), order(), None) is None
    assert recipient_changes(nfe(), order(), "<NFe/>") is None
    erased = order(billing=None, contact=None, customer=Customer(name="Anonimizado", address=None))
    assert recipient_changes(nfe(), erased, XML) is None
