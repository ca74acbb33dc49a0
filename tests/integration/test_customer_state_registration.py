"""The customer's inscrição estadual on a real database (SQLite, or PostgreSQL with LOJASYNC_TEST_DATABASE_URL):
the NF-e made from it (signed, schema-valid, authorised by the SEFAZ simulator over HTTP), its DANFE printing the
IEs as the order page shows them, a pending NF-e that
keeps what it was made with, a store import that never erases it, and LGPD erasure that does."""

from __future__ import annotations

import re
import zlib

import pytest
from brazilfiscalreport.danfe.config import DanfeLayout
from brazilfiscalreport.danfe.danfe import resolve_layout
from lxml import etree

from lojasync.fiscal.danfe import danfe_pdf
from lojasync.fiscal.services.company import CompanyData, install_test_certificate, set_company
from lojasync.fiscal.services.invoice_cancellation import cancel_invoice
from lojasync.fiscal.services.invoice_files import invoice_danfe, invoice_xml
from lojasync.fiscal.services.invoices import approve_invoice, generate_invoice
from lojasync.nuvemshop.services.import_orders import import_orders
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.sales.customer_registration import set_state_registration
from lojasync.sales.views import show_order
from tests.factories import cnpj, make_store, order_payload, ts
from tests.integration.test_lgpd import _redact_body, add_event, handle, mark_processed

NS = {"n": "http://www.portalfiscal.inf.br/nfe"}
SELLER = CompanyData(legal_name="Loja Exemplo Ltda", cnpj="11.222.333/0001-81", ie="110042490114", street="Rua A",
                     number="10", district="Centro", city="São Paulo", uf="SP", zipcode="01001-000",
                     default_ncm="61091000")
BUYER = cnpj("998887770001")
RJ_IE, SP_IE = "78890169", "110042490114"
RIO = {"city": "Rio de Janeiro", "province": "Rio de Janeiro", "zipcode": "22010-000"}


@pytest.fixture()
def company(app):
    set_company(app.uow(), SELLER)
    install_test_certificate(app.uow(), app.cipher)


def buyer_order(order_id: int, place: dict | None = None, **overrides) -> dict:
    payload = order_payload(id=order_id, identification=BUYER, **overrides)
    if place:
        payload["customer"]["default_address"].update(place)
        payload["shipping_address"].update(place)
        payload.update(billing_city=place["city"], billing_province=place["province"],
                       billing_zipcode=place["zipcode"])
    payload["customer"].update(id=70001, name="Papelaria Boa Vista Ltda")
    return payload


def imported(app, *payloads: dict) -> list[int]:
    with app.read_uow() as uow:
        stores = [s.id for s in uow.stores.list()]
    store_id = stores[0] if stores else make_store(app)
    return [r.order_number for r in import_orders(app.uow(), store_id, list(payloads), ImportPolicy()).results]


def nfe_of(app, invoice_id: int) -> etree._Element:
    return etree.fromstring(invoice_xml(app.uow(), invoice_id))


def texts(root: etree._Element, path: str) -> list[str]:
    return [e.text for e in root.xpath(path, namespaces=NS)]


def destination(root: etree._Element) -> tuple:
    """(idDest, the items' CFOPs, indIEDest, dest/IE or None)."""
    ie = texts(root, "//n:dest/n:IE")
    return (texts(root, "//n:ide/n:idDest")[0], set(texts(root, "//n:prod/n:CFOP")),
            texts(root, "//n:dest/n:indIEDest")[0], ie[0] if ie else None)


def pdf_text(pdf: bytes) -> list[str]:
    """The strings a PDF of fpdf2 (the DANFE's) writes on its pages: its content streams, inflated, then each
    `(...) Tj`. Enough to read a field; no PDF library is a dependency. Each stream is taken by its /Length: cut at
    "endstream" instead, a compressed stream whose last byte is a carriage return lost it (1 DANFE in ~250)."""
    streams = [pdf[m.end():m.end() + int(m.group(1))]
               for m in re.finditer(rb"<<(?:(?!>>).)*?/Length (\d+)(?:(?!>>).)*>>\s*stream\r?\n", pdf, re.S)]
    pages = b"\n".join(zlib.decompress(s) if s[:1] == b"x" else s for s in streams).decode("latin-1")
    return [re.sub(r"\\(.)", r"\1", text) for text in re.findall(r"\((.*?)(?<!\\)\) ?Tj", pages)]


@pytest.mark.parametrize(("order_id", "place", "ie", "expected"), [
    # A contributor in another UF: 6102, indIEDest 1 and its IE.
    (2100000001, RIO, "78.890.169", ("2", {"6102"}, "1", RJ_IE)),
    # An exempt company: indIEDest 2 and no IE (6108, as to a non-contributor).
    (2100000002, RIO, "ISENTO", ("2", {"6108"}, "2", None)),
    # A contributor inside the UF: 5102.
    (2100000003, None, SP_IE, ("1", {"5102"}, "1", SP_IE)),
], ids=["contribuinte-outra-uf", "isento", "contribuinte-mesma-uf"])
def test_the_destination_follows_the_customers_ie_and_sefaz_authorises_it(app, company, sefaz, order_id, place, ie,
                                                                           expected):
    (number,) = imported(app, buyer_order(order_id, place))
    set_state_registration(app.uow(), BUYER, ie)
    invoice = generate_invoice(app.uow(), app.cipher, number)
    assert destination(nfe_of(app, invoice.id)) == expected
    authorised, _ = approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)
    assert authorised.status == "authorised", authorised.rejection_reason


def test_the_danfe_prints_both_ies_as_the_order_page_shows_them_and_the_xml_keeps_digits(app, company, sefaz):
    (number,) = imported(app, buyer_order(2100000007, RIO))
    set_state_registration(app.uow(), BUYER, RJ_IE)
    invoice = generate_invoice(app.uow(), app.cipher, number)
    authorised, _ = approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)
    assert authorised.status == "authorised", authorised.rejection_reason
    proc = invoice_xml(app.uow(), invoice.id).decode()
    # Issued before 2026-12-01, the same NF-e is printed in the MOC 7.0 layout: the IEs are formatted there too.
    before_nt = re.sub(r"<dhEmi>[^<]+</dhEmi>", "<dhEmi>2026-11-30T10:00:00-03:00</dhEmi>", proc)
    assert resolve_layout(before_nt) is DanfeLayout.MOC_7_0
    for printed in (pdf_text(invoice_danfe(app.uow(), app.uow, invoice.id)), pdf_text(danfe_pdf(before_nt))):
        # Seller in São Paulo, buyer in Rio de Janeiro: each IE as its UF writes it, as on the order page.
        assert "110.042.490.114" in printed and "78.890.16-9" in printed
        assert SP_IE not in printed and RJ_IE not in printed
        assert "11.222.333/0001-81" in printed   # the library's own masks stay
    root = nfe_of(app, invoice.id)
    assert texts(root, "//n:emit/n:IE") == [SP_IE] and texts(root, "//n:dest/n:IE") == [RJ_IE]


def test_a_pending_nfe_keeps_the_ie_it_was_made_with_until_discarded_and_generated_again(app, company, sefaz):
    (number,) = imported(app, buyer_order(2100000004, RIO))
    # No IE: a non-contributor in another UF.
    first = generate_invoice(app.uow(), app.cipher, number)
    assert destination(nfe_of(app, first.id)) == ("2", {"6108"}, "9", None)
    set_state_registration(app.uow(), BUYER, RJ_IE)
    assert destination(nfe_of(app, first.id)) == ("2", {"6108"}, "9", None)
    discarded, _ = cancel_invoice(app.uow(), app.cipher, sefaz, first.id, "cliente sem IE")
    assert discarded.status == "discarded"
    again = generate_invoice(app.uow(), app.cipher, number)
    assert destination(nfe_of(app, again.id)) == ("2", {"6102"}, "1", RJ_IE)


def test_a_store_update_never_erases_the_ie_the_operator_set(app):
    payload = buyer_order(2100000005, RIO)
    (number,) = imported(app, payload)
    set_state_registration(app.uow(), BUYER, RJ_IE)
    renamed = {**payload, "updated_at": ts(120), "payment_status": "paid",
               "customer": {**payload["customer"], "name": "Papelaria Boa Vista Eireli", "phone": "+5521999990000"}}
    assert imported(app, renamed) == [number]
    customer = show_order(app.uow(), number)["customer"]
    assert customer["name"] == "Papelaria Boa Vista Eireli"
    assert (customer["state_registration"], customer["contributor"]) == (RJ_IE, "contributor")


@pytest.mark.parametrize("processed", [False, True], ids=["anonymised", "fiscal-kept"])
def test_lgpd_erasure_clears_the_ie(app, processed):
    (number,) = imported(app, buyer_order(2100000006, RIO))
    set_state_registration(app.uow(), BUYER, RJ_IE)
    if processed:
        mark_processed(app, number)
    with app.read_uow() as uow:
        store_id = uow.stores.list()[0].id
        customer_id = uow.customers.by_tax_id(BUYER).id
    person = {"customer_id": 70001, "email": "joao@example.com.br", "phone": "+5511987654321", "doc": BUYER}
    handle(app, store_id, add_event(app, store_id, "customers/redact", _redact_body(person, [2100000006])))
    with app.read_uow() as uow:
        customer = uow.customers.by_ids([customer_id])[customer_id]
        assert customer.state_registration is None
        assert (customer.tax_id == BUYER) is processed   # the fiscal record keeps the CNPJ, not the IE
