"""Whether the store changed an order's buyer after its NF-e was built (fiscal.recipient_drift)."""

from __future__ import annotations

from types import SimpleNamespace

from lojasync.fiscal.nfe_build import HOMOLOGATION_NAME
from lojasync.fiscal.recipient_drift import contact_changes, recipient_changes
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


def test_another_billing_address_is_said():
    moved = order(billing=Address(street="Av. Paulista", number="1000", zipcode="01310-100", city="São Paulo",
                                  state="SP"))
    assert recipient_changes(nfe(), moved, XML) == "o endereço"
    assert moved.reads == 0


def test_what_the_order_does_not_own_is_not_compared():
    """review: the customer's record is shared by the buyer's orders and takes the newest one's name and address;
    compared, another order of the same buyer made this NF-e "changed". Neither the name nor an address the NF-e
    took from the customer (the order's billing incomplete, a customer linked by hand) is compared."""
    renamed = order(contact="Ana Lima", customer=Customer(name="Ana Lima", address=None))
    assert recipient_changes(nfe(), renamed, XML) is None
    elsewhere = Address(street="Av. Paulista", number="1000", zipcode="01310-100", city="São Paulo", state="SP")
    incomplete = order(billing=Address(name="Ana"), customer=Customer(name="Ana Souza", address=elsewhere))
    assert recipient_changes(nfe(), incomplete, XML) is None
    linked = order(billing=None, contact="Ana", link=CustomerLink.MANUAL,
                   customer=Customer(name="Ana Souza", address=elsewhere))
    assert recipient_changes(nfe(), linked, XML) is None
    assert incomplete.reads == linked.reads == 0


def test_nothing_to_compare_is_no_change():
    assert recipient_changes(nfe(), order(customer_id=None), XML) is None   # erased at the buyer's request (LGPD)
    assert recipient_changes(nfe(), order(), None) is None
    assert recipient_changes(nfe(), order(), "<NFe/>") is None
    erased = order(billing=None, contact=None, customer=Customer(name="Anonimizado", address=None))
    assert recipient_changes(nfe(), erased, XML) is None


def test_a_pending_nfe_is_compared_with_the_whole_recipient_its_draft_would_name_now():
    """review (LGPD): another store's customers/redact rebuilt the customer, and the pending NF-e still named the
    e-mail only that store had given: CPF and billing address, all `recipient_changes` compares, had not changed.
    `contact_changes` compares what the draft takes from the customer too: name, e-mail, phone, its address."""
    signed = XML.replace("</enderDest>", "<fone>11987654321</fone></enderDest><email>ana@a.com.br</email>")
    billing = Address(**{**vars(BILLING), "phone": "+55 11 98765-4321"})
    ana = dict(name="Ana Souza", email="ana@a.com.br", address=None)
    assert contact_changes(order(billing=billing, customer=Customer(**ana)), signed) is None
    assert contact_changes(order(billing=billing, customer=Customer(**{**ana, "email": None})), signed) == "e-mail"
    assert contact_changes(order(billing=BILLING, customer=Customer(**{**ana, "name": "Ana S."})), signed) \
        == "nome, telefone"   # the billing address without the phone the NF-e names
    homologation = signed.replace("<xNome>Ana Souza</xNome>", f"<xNome>{HOMOLOGATION_NAME}</xNome>")
    assert contact_changes(order(billing=billing, customer=Customer(**{**ana, "name": "Ana S."})), homologation) \
        is None   # the draft writes the placeholder whoever the buyer is
    # The address taken from the customer (the order's billing incomplete) is the draft's too.
    elsewhere = Address(street="Av. Paulista", number="1000", zipcode="01310-100", city="São Paulo", state="SP",
                        phone="+55 11 98765-4321")
    moved = order(billing=Address(name="Ana"), customer=Customer(**{**ana, "address": elsewhere}))
    assert contact_changes(moved, signed) == "endereço"
    unlinked = order(customer_id=None)
    unlinked.linked = None
    assert contact_changes(unlinked, signed) is None
    assert contact_changes(order(billing=billing, customer=Customer(**ana)), None) is None
